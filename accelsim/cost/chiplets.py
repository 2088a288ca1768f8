"""Energy and area of a chiplet system: every chiplet's components (named ``chiplet<i>.<c>``),
one DRAM interface per channel (``dram<i>``, at chiplet i) and one component per directed D2D
channel (``link.c<a>-c<b>``), priced by the same tables and Pricer as a single chip.

Link energy is ``bits on the wire x energy per bit`` (class ``d2d_link``, looked up by the
link's ``phy``; configs/tables/d2d_links.yaml); link area and idle power are not tabled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from accelsim.config.chiplet_spec import ChipletSystemSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.cost.area import AreaBreakdown
from accelsim.cost.components import ActionCost, ComponentSpec, Part, inventory
from accelsim.cost.energy import EnergyBreakdown, LayerEnergy
from accelsim.cost.pricing import Pricer, notes_of
from accelsim.cost.tables import CostTables
from accelsim.errors import SimulationError
from accelsim.hardware.links import build_topology, dram_chiplets
from accelsim.sim.stats import LayerStats, SimStats, action_of, component_of

_LINK_NOT_MODELLED = {
    "area": "D2D PHY area (bump shoreline) is not tabled; not counted",
    "leakage": "D2D PHY idle power is not modelled (only energy per bit moved)"}


def _link(name: str, chiplets: ChipletSystemSpec) -> ComponentSpec:
    link = chiplets.link
    if link.energy_per_bit_j is not None:
        part = Part("phy", "d2d_link", {"technology": link.phy}, 1.0,
                    fixed_energy_j={"bits": link.energy_per_bit_j},
                    fixed_source="user config: chiplets.link.energy_per_bit",
                    not_modelled=_LINK_NOT_MODELLED)
    else:
        part = Part("phy", "d2d_link", {"technology": link.phy}, 1.0,
                    {"bits": ActionCost("transfer", per_bit=True)},
                    not_modelled=_LINK_NOT_MODELLED)
    return ComponentSpec(name, "d2d_link", (part,))


def chiplet_inventory(system: SystemSpec,
                      chiplets: ChipletSystemSpec) -> tuple[ComponentSpec, ...]:
    """Every costed component of the chiplet system, in report order."""
    base = inventory(system)
    topology = build_topology(chiplets)
    specs = [replace(spec, name=f"chiplet{c}.{spec.name}")
             for c in range(topology.count) for spec in base if spec.kind != "dram"]
    specs += [replace(spec, name=f"dram{d}") for d in dram_chiplets(chiplets, topology)
              for spec in base if spec.kind == "dram"]
    specs += [_link(name, chiplets) for name in topology.channels()]
    return tuple(specs)


def _layer(layer: LayerStats, clock_hz: float, specs: Mapping[str, ComponentSpec],
           pricer: Pricer, leakage_w: Mapping[str, float]) -> LayerEnergy:
    dynamic = dict.fromkeys(specs, 0.0)
    actions: dict[str, float] = {}
    for key, count in sorted(layer.counts.items()):
        component = component_of(key)
        if component not in specs:
            raise SimulationError(f"layer {layer.name!r} counts {key!r}, but the chiplet "
                                  f"system has no component {component!r}")
        joules = count * pricer.energy_per_count(specs[component], action_of(key))
        actions[key] = joules
        dynamic[component] += joules
    seconds = layer.cycles / clock_hz
    leakage = {name: watts * seconds for name, watts in leakage_w.items()}
    energy = {name: dynamic[name] + leakage[name] for name in specs}
    return LayerEnergy(layer.name, energy, leakage, actions)


def estimate_chiplet_energy(stats: SimStats, system: SystemSpec, chiplets: ChipletSystemSpec,
                            tables: CostTables) -> EnergyBreakdown:
    """Energy of a chiplet run (leakage of every chiplet for the whole run)."""
    specs = {spec.name: spec for spec in chiplet_inventory(system, chiplets)}
    pricer = Pricer(tables, system)
    leakage_w = {name: pricer.total(spec, "leakage") for name, spec in specs.items()}
    layers = tuple(_layer(layer, stats.clock_hz, specs, pricer, leakage_w)
                   for layer in stats.layers)
    return EnergyBreakdown(layers, pricer.records(),
                           notes_of(tuple(specs.values()), ("energy", "leakage")), tables.files)


def estimate_chiplet_area(system: SystemSpec, chiplets: ChipletSystemSpec,
                          tables: CostTables) -> AreaBreakdown:
    """Area of every chiplet (links and DRAM not tabled)."""
    specs = chiplet_inventory(system, chiplets)
    pricer = Pricer(tables, system)
    area = {spec.name: pricer.total(spec, "area") for spec in specs}
    return AreaBreakdown(area, pricer.records(), notes_of(specs, ("area",)), tables.files)
