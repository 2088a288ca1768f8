"""The inventory of a built system: every chip's components (``inventory`` of the chip spec,
prefixed ``chiplet<i>.`` on a multi-chip system), one DRAM interface per channel and one
component per directed D2D channel, all priced by the same tables and Pricer.

Link energy is ``bits on the wire x energy per bit`` (class ``d2d_link``, looked up by the
link's ``phy``; built-in table ``d2d_links``); link area and idle power are not tabled.
"""

from __future__ import annotations

from dataclasses import replace

from accelsim.config.chiplet_spec import LinkSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.cost.components import ActionCost, ComponentSpec, Part, inventory
from accelsim.hardware.system import System, build

_LINK_NOT_MODELLED = {
    "area": "D2D PHY area (bump shoreline) is not tabled; not counted",
    "leakage": "D2D PHY idle power is not modelled (only energy per bit moved)"}


def link_component(name: str, link: LinkSpec) -> ComponentSpec:
    """One directed D2D channel, priced per wire bit (``<name>.bits``)."""
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


def as_system(system: System | SystemSpec) -> System:
    """A chip spec is the 1-chip system."""
    return system if isinstance(system, System) else build(system)


def system_inventory(system: System | SystemSpec) -> tuple[ComponentSpec, ...]:
    """Every costed component of ``system``, in report order."""
    system = as_system(system)
    base = inventory(system.chip)
    if not system.multi_chip:
        return base
    specs = [replace(spec, name=system.prefix(c) + spec.name)
             for c in range(system.chips) for spec in base if spec.kind != "dram"]
    specs += [replace(spec, name=system.dram_name(d)) for d in system.dram_at
              for spec in base if spec.kind == "dram"]
    link = system.link
    specs += [link_component(name, link) for name in system.links() if link is not None]
    return tuple(specs)
