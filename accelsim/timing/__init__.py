"""Pure cycle formulas of the hardware models, each proved against ``accelsim.reference``."""

from accelsim.timing.systolic import (
    FoldShape,
    FoldWords,
    fold_cycles,
    fold_macs,
    fold_operand_words,
    fold_pe_busy_cycles,
    fold_shapes,
    gemm_compute_cycles,
    gemm_macs,
    gemm_operand_words,
    gemm_pe_busy_cycles,
    gemm_utilization,
    spatial_dims,
)

__all__ = [
    "FoldShape",
    "FoldWords",
    "fold_cycles",
    "fold_macs",
    "fold_operand_words",
    "fold_pe_busy_cycles",
    "fold_shapes",
    "gemm_compute_cycles",
    "gemm_macs",
    "gemm_operand_words",
    "gemm_pe_busy_cycles",
    "gemm_utilization",
    "spatial_dims",
]
