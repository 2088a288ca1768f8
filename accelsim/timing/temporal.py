"""Cycles of a temporal-coded systolic array (FineQ), proved against ``accelsim.reference``.

A fold's cycles are those of the conventional array (``fold_cycles``) with its
``T + Sr + Sc - 2`` one-cycle MAC slots replaced by the fold's *MAC-phase cycles* ``V``::

    cycles = fold_cycles(rows, cols, fold, dataflow) - (T + Sr + Sc - 2) + V

Preload, idle-row crossing, capture (ws/is) and drain (os) do not depend on the values. ``V``
per slot policy is computed, vectorized over every fold of a layer, by
``accelsim.timing.codes.fold_mac_cycles`` (it lives in ``mapping`` so that the plan can
group folds of equal cycles; docs/fineq.md has the formulas). All of it is checked against the
per-cycle temporal stepper by ``tests/properties/test_temporal_reference.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accelsim.config.system_spec import TemporalPESpec
from accelsim.lazy import LazyModule
from accelsim.timing.codes import (
    VALUE_POLICIES,
    code_ceiling,
    fold_mac_cycles,
    mac_slots,
    max_magnitude,
    pulse_cycles,
    uniform_mac_cycles,
)
from accelsim.timing.folding import FoldShape, spatial_dims
from accelsim.timing.systolic import fold_cycles
from accelsim.types import Dataflow

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")

__all__ = [
    "VALUE_POLICIES", "code_ceiling", "fold_mac_cycles", "gemm_temporal_fold_cycles",
    "mac_slots", "max_magnitude", "pulse_cycles", "temporal_fold_cycles", "uniform_mac_cycles",
    "worst_code",
]


def temporal_fold_cycles(rows: int, cols: int, fold: FoldShape, dataflow: Dataflow,
                         mac_phase_cycles: int) -> int:
    """Cycles of ONE fold whose MAC slots take ``mac_phase_cycles`` in total."""
    base = fold_cycles(rows, cols, fold, dataflow)
    return base - mac_slots(fold.rows_used, fold.cols_used, fold.stream_len) + mac_phase_cycles


def worst_code(spec: TemporalPESpec, pe_weight_bits: int, bits: int, signed: bool = True) -> int:
    """The longest pulse train of any ``bits``-bit weight on a PE of ``pe_weight_bits``."""
    cap = spec.pulse_cap(pe_weight_bits)
    return int(code_ceiling(max_magnitude(bits, signed), spec.code, cap)[-1])


def gemm_temporal_fold_cycles(b: np.ndarray, m: int, rows: int, cols: int, dataflow: Dataflow,
                              spec: TemporalPESpec, pe_weight_bits: int,
                              bits: int | None = None) -> np.ndarray:
    """Cycles of every fold ``[i, j]`` of ``A[m, K] @ b`` (integer weights) under ``spec``.

    The GEMM is not cut into stream chunks here (the plan does that); ``bits`` (the weights'
    bit width, default the PE's) only matters for the worst-case policy.
    """
    b = np.asarray(b, dtype=np.int64)
    k, n = b.shape
    dim_r, dim_c, t = spatial_dims(dataflow, m, n, k)
    sr = np.minimum(rows, dim_r - rows * np.arange(-(-dim_r // rows)))[:, None]
    sc = np.minimum(cols, dim_c - cols * np.arange(-(-dim_c // cols)))[None, :]
    if spec.policy == "worst_case":
        slot = worst_code(spec, pe_weight_bits, bits or pe_weight_bits)
        phase = (t + sr + sc - 2) * max(1, slot)
    else:
        codes = pulse_cycles(np.abs(b), spec.code, spec.pulse_cap(pe_weight_bits))
        phase = fold_mac_cycles(codes, dataflow, rows, cols, m, spec.policy, slice(0, t))
    fixed = rows + (0 if dataflow is Dataflow.OS else 1)
    return fixed + phase
