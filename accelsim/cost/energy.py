"""Energy of a run: sum over counted actions of count x table energy, plus leakage x time.

Leakage is folded into each component's energy (``energy_j[c]`` includes it) and also reported
on its own (``leakage_j[c]``), so a report can show either. Leakage is charged to every
component of the built system for the whole layer time (cycles / clock), used or not.

PSUM attribution (``psum_j[c]``, a part of ``energy_j[c]``): what partial sums cost on each
component. The PSUM buffer and the APSQ engine hold nothing else, so all their energy (leakage
included) is PSUM energy; on shared components the priced ``LayerStats.psum_counts`` (DRAM bits
of PSUM spills and of the PSUM-induced re-fetch of the stationary operand; ofmap-SRAM bits of
partial sums kept there when there is no PSUM buffer).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from accelsim.config.system_spec import SystemSpec
from accelsim.cost.components import ComponentSpec
from accelsim.cost.pricing import Pricer, ProvenanceRecord, notes_of
from accelsim.cost.system_inventory import as_system, system_inventory
from accelsim.cost.tables import CostTables
from accelsim.errors import SimulationError
from accelsim.hardware.system import System
from accelsim.sim.stats import LayerStats, SimStats, action_of, component_of


@dataclass(frozen=True)
class LayerEnergy:
    """One layer: joules per component (leakage included), its leakage share, per action, and
    the PSUM share per component (module doc; components without any left out)."""

    name: str
    energy_j: Mapping[str, float]
    leakage_j: Mapping[str, float]
    actions_j: Mapping[str, float]
    psum_j: Mapping[str, float] = field(default_factory=dict)

    @property
    def total_j(self) -> float:
        """All energy of the layer."""
        return sum(self.energy_j.values())


def _sum(layers: tuple[LayerEnergy, ...], field: str) -> dict[str, float]:
    total: dict[str, float] = {}
    for layer in layers:
        for name, joules in getattr(layer, field).items():
            total[name] = total.get(name, 0.0) + joules
    return total


@dataclass(frozen=True)
class EnergyBreakdown:
    """Energy per layer and component, with the provenance of every number used."""

    layers: tuple[LayerEnergy, ...]
    provenance: tuple[ProvenanceRecord, ...]
    notes: tuple[str, ...]
    tables: tuple[str, ...]

    @property
    def by_component_j(self) -> dict[str, float]:
        """Joules per component over the run (leakage included)."""
        return _sum(self.layers, "energy_j")

    @property
    def leakage_by_component_j(self) -> dict[str, float]:
        """The leakage share of ``by_component_j``."""
        return _sum(self.layers, "leakage_j")

    @property
    def by_action_j(self) -> dict[str, float]:
        """Dynamic joules per counted action key (``array.mac``, ...) over the run."""
        return _sum(self.layers, "actions_j")

    @property
    def psum_by_component_j(self) -> dict[str, float]:
        """The PSUM share of ``by_component_j`` (module doc)."""
        return _sum(self.layers, "psum_j")

    @property
    def psum_j(self) -> float:
        """All energy partial sums cost over the run."""
        return sum(self.psum_by_component_j.values())

    @property
    def per_layer_j(self) -> tuple[Mapping[str, float], ...]:
        """Joules per component of each layer, in layer order (leakage included)."""
        return tuple(layer.energy_j for layer in self.layers)

    @property
    def total_j(self) -> float:
        """All energy of the run."""
        return sum(layer.total_j for layer in self.layers)


def _layer(layer: LayerStats, clock_hz: float, specs: Mapping[str, ComponentSpec],
           pricer: Pricer, leakage_w: Mapping[str, float]) -> LayerEnergy:
    seconds = layer.cycles / clock_hz
    dynamic = dict.fromkeys(specs, 0.0)
    actions: dict[str, float] = {}
    for key, count in sorted(layer.counts.items()):
        if "." not in key or component_of(key) not in specs:
            raise SimulationError(
                f"layer {layer.name!r} counts {key!r}, but the built system has no component "
                f"{component_of(key) if '.' in key else key!r} to price it "
                f"(components: {', '.join(specs)})")
        component = component_of(key)
        joules = count * pricer.energy_per_count(specs[component], action_of(key))
        actions[key] = joules
        dynamic[component] += joules
    leakage = {name: watts * seconds for name, watts in leakage_w.items()}
    energy = {name: dynamic[name] + leakage[name] for name in specs}
    return LayerEnergy(layer.name, energy, leakage, actions,
                       _psum_share(layer, specs, pricer, energy))


_PSUM_KINDS = frozenset({"psum_buffer", "apsq"})


def _psum_share(layer: LayerStats, specs: Mapping[str, ComponentSpec], pricer: Pricer,
                energy: Mapping[str, float]) -> dict[str, float]:
    """Joules partial sums cost on each component (module doc)."""
    share = {name: energy[name] for name, spec in specs.items() if spec.kind in _PSUM_KINDS}
    for key, count in sorted(layer.psum_counts.items()):
        component = component_of(key)
        if component in specs:
            joules = count * pricer.energy_per_count(specs[component], action_of(key))
            share[component] = share.get(component, 0.0) + joules
    return {name: joules for name, joules in share.items() if joules}


def estimate_energy(stats: SimStats, system: System | SystemSpec,
                    tables: CostTables) -> EnergyBreakdown:
    """Energy of ``stats`` on ``system`` priced by ``tables`` (scaled to the system's node);
    leakage of every component of every chip for the whole time of each layer."""
    built = as_system(system)
    specs = {spec.name: spec for spec in system_inventory(built)}
    pricer = Pricer(tables, built.chip)
    leakage_w = {name: pricer.total(spec, "leakage") for name, spec in specs.items()}
    layers = tuple(_layer(layer, stats.clock_hz, specs, pricer, leakage_w)
                   for layer in stats.layers)
    return EnergyBreakdown(layers, pricer.records(),
                           notes_of(tuple(specs.values()), ("energy", "leakage")), tables.files)


def action_energies(system: System | SystemSpec, tables: CostTables) -> dict[str, float]:
    """Joules per unit of every counted action the built system knows (``array.mac``, ...)."""
    built = as_system(system)
    pricer = Pricer(tables, built.chip)
    return {f"{spec.name}.{action}": pricer.energy_per_count(spec, action)
            for spec in system_inventory(built) for action in spec.actions()}


def leakage_power(system: System | SystemSpec, tables: CostTables) -> dict[str, float]:
    """Leakage power (W) of every component of the built system."""
    built = as_system(system)
    pricer = Pricer(tables, built.chip)
    return {spec.name: pricer.total(spec, "leakage") for spec in system_inventory(built)}
