"""Cost parts of a ReRAM-on-logic stack: the dies (read/write energy per bit, area per die) and
the vertical interface (energy per bit moved), both from the tables
(accelsim/data/tables/reram.yaml).

Registered in ``components.KIND_BUILDERS`` as ``reram``; a system without ``reram`` has none.
"""

from __future__ import annotations

from accelsim.config.chiplet_spec import LinkSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.cost.components import ActionCost, ComponentSpec, Part
from accelsim.cost.pricing import Pricer
from accelsim.cost.tables import CostTables

VERTICAL_LINK = "ucie_3d"
_NOT_MODELLED = {"leakage": "ReRAM standby and interface idle power are not tabled"}


def reram_components(system: SystemSpec) -> tuple[ComponentSpec, ...]:
    """The ``reram`` component of ``system`` (none without a stack)."""
    reram = system.reram
    if reram is None:
        return ()
    per_bit = {"read_bits": ActionCost("read", per_bit=True),
               "write_bits": ActionCost("write", per_bit=True)}
    dies = Part("dies", "reram", {"technology": reram.technology.lower()}, float(reram.dies),
                per_bit, not_modelled=_NOT_MODELLED)
    moved = {"read_bits": ActionCost("transfer", per_bit=True),
             "write_bits": ActionCost("transfer", per_bit=True)}
    interface = Part("interface", "vertical_link", {"technology": VERTICAL_LINK}, 1.0, moved,
                     not_modelled={**_NOT_MODELLED, "area": "the bump field's area is part of "
                                   "the dies' footprint; not counted separately"})
    return (ComponentSpec("reram", "reram", (dies, interface)),)


def link_energy_per_bit(system: SystemSpec, link: LinkSpec, tables: CostTables) -> float:
    """Joules per payload-free wire bit of an inter-chip link (class ``d2d_link``)."""
    if link.energy_per_bit_j is not None:
        return float(link.energy_per_bit_j)
    part = Part("phy", "d2d_link", {"technology": link.phy}, 1.0,
                {"bits": ActionCost("transfer", per_bit=True)})
    return Pricer(tables, system).energy_per_count(ComponentSpec("link", "d2d_link", (part,)),
                                                   "bits")
