"""Exact cycle, word and MAC counts of a GEMM on a ``rows x cols`` systolic array (native model).

Conventions (docs/models.md, "Systolic-array timing"; proved against
``accelsim.reference.stepper`` by tests/properties/test_systolic_reference.py):

* Each dataflow maps two GEMM dims onto the array and streams the third in time (``spatial_dims``).
* A layer is cut into ``ceil(Dr/rows) x ceil(Dc/cols)`` folds that run back to back, no overlap.
  A fold uses the top-left ``Sr x Sc`` PEs; operands enter at the left and top edges and outputs
  leave through the bottom edge of the *physical* array, so a fold with ``Sr < rows`` still pays for
  the ``rows - Sr`` idle rows its outputs cross. Idle columns cost nothing (nothing leaves at the
  right edge).
* A cycle ends when every register commits; an output has left the array in the cycle the output
  buffer captures it from the bottom row's register.

Per fold (``T`` = streamed length, ``R`` = physical rows)::

    OS     : (T + Sr + Sc - 2)  compute  +  R  drain                  = T + Sr + Sc + R - 2
    WS, IS : Sr  preload  +  (T + Sc - 1) + R  stream, cross and capture = T + Sr + Sc + R - 1

SCALE-Sim 3.0.0 counts ``T+R+C-2`` (OS) and ``2R+C+T-2`` (WS/IS) per fold; docs/models.md
compares the two.
All functions are O(1): they loop over at most four distinct fold shapes, never over cycles.
"""

from __future__ import annotations

from accelsim.errors import SimulationError
from accelsim.timing.folding import (
    FoldShape,
    FoldWords,
    check_dataflow,
    check_positive,
    fold_macs,
    fold_operand_words,
    fold_shapes,
    spatial_dims,
)
from accelsim.types import Dataflow

__all__ = [
    "FoldShape", "FoldWords", "fold_cycles", "fold_macs", "fold_operand_words",
    "fold_pe_busy_cycles", "fold_shapes", "gemm_compute_cycles", "gemm_macs",
    "gemm_operand_words", "gemm_pe_busy_cycles", "gemm_utilization", "spatial_dims",
]


def _check_fold(rows: int, cols: int, fold: FoldShape) -> None:
    sr, sc, t = fold.rows_used, fold.cols_used, fold.stream_len
    if not (type(rows) is type(cols) is type(sr) is type(sc) is type(t) is int
            and 0 < sr <= rows and 0 < sc <= cols and t > 0):  # the common case, checked fast
        _refuse_fold(rows, cols, fold)


def _refuse_fold(rows: int, cols: int, fold: FoldShape) -> None:
    """The full checks with their messages (an int subclass other than bool still passes)."""
    check_positive(
        rows=rows, cols=cols, rows_used=fold.rows_used, cols_used=fold.cols_used,
        stream_len=fold.stream_len,
    )
    if fold.rows_used > rows or fold.cols_used > cols:
        raise SimulationError(
            f"fold uses {fold.rows_used}x{fold.cols_used} PEs of a {rows}x{cols} array"
        )


def fold_cycles(rows: int, cols: int, fold: FoldShape, dataflow: Dataflow,
                preload_rows: int = 1) -> int:
    """Cycles of ONE fold of shape ``fold`` on a physical ``rows x cols`` array.

    OS: the last MAC happens at PE (Sr-1, Sc-1) in cycle T+Sr+Sc-3 (skewed operands meet there);
    then the accumulators shift down and out, and row 0's result needs ``rows`` cycles to be
    captured below the bottom edge. WS/IS: ``Sr`` cycles shift the stationary tile in from the
    top; the last partial sum is complete at row Sr-1 in stream cycle T+Sr+Sc-3, crosses the
    ``rows - Sr`` idle rows and is captured one cycle after reaching the bottom row. With
    ``preload_rows`` rows shifted in per cycle the preload lasts ``ceil(Sr / preload_rows)``
    (proved with fold overlap, ``accelsim.reference.overlap``).
    """
    _check_fold(rows, cols, fold)
    sr, sc, t = fold.rows_used, fold.cols_used, fold.stream_len
    if check_dataflow(dataflow) is Dataflow.OS:
        return (t + sr + sc - 2) + rows
    return -(-sr // preload_rows) + (t + sr + sc - 2) + (rows - sr) + 1


def gemm_compute_cycles(
    dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int
) -> int:
    """Cycles of the whole GEMM: its folds back to back (no overlap between folds)."""
    return sum(
        fold.count * fold_cycles(rows, cols, fold, dataflow)
        for fold in fold_shapes(dataflow, rows, cols, m, n, k)
    )


def gemm_operand_words(
    dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int
) -> FoldWords:
    """Words crossing the array boundary over all folds of the GEMM."""
    total = FoldWords(0, 0, 0)
    for fold in fold_shapes(dataflow, rows, cols, m, n, k):
        total = total + fold_operand_words(fold, dataflow).scaled(fold.count)
    return total


def fold_pe_busy_cycles(fold: FoldShape) -> int:
    """PE-cycles spent multiplying in ONE fold. Equal to the MACs here (one MAC per PE-cycle);
    a temporal-coded PE spends several cycles on one MAC, which is where the two differ."""
    return fold_macs(fold)


def gemm_macs(dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int) -> int:
    """Useful MACs over all folds (= m*n*k: no fold repeats or drops a product)."""
    return sum(f.count * fold_macs(f) for f in fold_shapes(dataflow, rows, cols, m, n, k))


def gemm_pe_busy_cycles(
    dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int
) -> int:
    """PE-busy cycles over all folds."""
    return sum(
        f.count * fold_pe_busy_cycles(f) for f in fold_shapes(dataflow, rows, cols, m, n, k)
    )


def gemm_utilization(
    dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int
) -> float:
    """MACs / (rows * cols * cycles): the fraction of PE-cycles that did useful work."""
    cycles = gemm_compute_cycles(dataflow, rows, cols, m, n, k)
    return gemm_macs(dataflow, rows, cols, m, n, k) / (rows * cols * cycles)
