"""Pure functions mapping layers onto the hardware: folds, loop order, reuse, tile runs."""

from accelsim.mapping.plan import Block, LayerPlan, MappingPlan, Segment, TileRun, plan, plan_layer
from accelsim.mapping.reuse import Fetch, FoldTrafficBits, OperandBits, Residency

__all__ = [
    "Block", "Fetch", "FoldTrafficBits", "LayerPlan", "MappingPlan", "OperandBits", "Residency",
    "Segment", "TileRun", "plan", "plan_layer",
]
