"""Energy and area: cost tables with a source on every entry, node scaling, estimators.

``load_tables(paths)`` reads ``accelsim.table/1`` files; ``estimate_energy(stats, system,
tables)`` and ``estimate_area(system, tables)`` price a run and a system. docs/costs_model.md
describes the model, every default entry and its source.
"""

from accelsim.cost.area import AreaBreakdown, estimate_area, provenance_entries
from accelsim.cost.components import ComponentSpec, Part, inventory
from accelsim.cost.energy import (
    EnergyBreakdown,
    LayerEnergy,
    action_energies,
    estimate_energy,
    leakage_power,
)
from accelsim.cost.pricing import ProvenanceRecord
from accelsim.cost.tables import CostTables, NodeScalingRule, Quantity, TableEntry, load_tables

__all__ = [
    "AreaBreakdown", "ComponentSpec", "CostTables", "EnergyBreakdown", "LayerEnergy",
    "NodeScalingRule", "Part", "ProvenanceRecord", "Quantity", "TableEntry", "action_energies",
    "estimate_area", "estimate_energy", "inventory", "leakage_power", "load_tables",
    "provenance_entries",
]
