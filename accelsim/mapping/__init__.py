"""Pure functions mapping layers onto the hardware: folds, loop order, reuse, tile runs, and the
per-layer mapping space the search (``accelsim.search``) walks."""

from accelsim.mapping.choice import BufferUse, LayerMapping, PsumHome
from accelsim.mapping.plan import Block, LayerPlan, MappingPlan, Segment, TileRun, plan, plan_layer
from accelsim.mapping.reuse import Fetch, FoldTrafficBits, OperandBits, Residency
from accelsim.mapping.space import candidates, fixed_mapping

__all__ = [
    "Block", "BufferUse", "Fetch", "FoldTrafficBits", "LayerMapping", "LayerPlan", "MappingPlan",
    "OperandBits", "PsumHome", "Residency", "Segment", "TileRun", "candidates", "fixed_mapping",
    "plan", "plan_layer",
]
