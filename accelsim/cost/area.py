"""Area of the built system: its inventory (PEs, SRAM banks, ...) times table areas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from accelsim.config.system_spec import SystemSpec
from accelsim.cost.energy import EnergyBreakdown
from accelsim.cost.pricing import Pricer, ProvenanceRecord, notes_of
from accelsim.cost.system_inventory import as_system, system_inventory
from accelsim.cost.tables import CostTables
from accelsim.hardware.system import System


@dataclass(frozen=True)
class AreaBreakdown:
    """Square metres per component, with the provenance of every number used.

    Components the tables do not price (the DRAM PHY) are present with 0 and a ``not
    modelled`` provenance record and note, never left out silently.
    """

    by_component_m2: Mapping[str, float]
    provenance: tuple[ProvenanceRecord, ...]
    notes: tuple[str, ...]
    tables: tuple[str, ...]

    @property
    def total_m2(self) -> float:
        """Area of everything priced."""
        return sum(self.by_component_m2.values())


def estimate_area(system: System | SystemSpec, tables: CostTables) -> AreaBreakdown:
    """Area of ``system`` priced by ``tables`` (scaled to the system's node); links and DRAM
    are present with 0 and a 'not modelled' record."""
    built = as_system(system)
    specs = system_inventory(built)
    pricer = Pricer(tables, built.chip)
    area = {spec.name: pricer.total(spec, "area") for spec in specs}
    return AreaBreakdown(area, pricer.records(), notes_of(specs, ("area",)), tables.files)


def provenance_entries(
        *breakdowns: EnergyBreakdown | AreaBreakdown) -> tuple[dict[str, object], ...]:
    """Every number the breakdowns used, once each, as plain dicts (JSON ``provenance.tables``)."""
    seen: dict[tuple[str, str, str, str | None], dict[str, object]] = {}
    for breakdown in breakdowns:
        for record in breakdown.provenance:
            key = (record.component, record.part, record.quantity, record.action)
            seen.setdefault(key, record.as_dict())
    return tuple(seen.values())
