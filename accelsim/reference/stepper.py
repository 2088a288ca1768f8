"""Per-cycle register-level reference model of a GEMM on a ``rows x cols`` systolic array.

Slow on purpose and independent of ``accelsim.timing``: it moves integers through PE
registers cycle by cycle (``accelsim.reference.array``) and counts what happens, so that the
property tests can prove the closed-form timing functions against it. It never computes
``A @ B`` or a cycle formula: C is what the output buffer collected, summed over the K folds
exactly as a PSUM/ofmap buffer would.

Folds run back to back; each starts from an empty array. Fold order: row folds outer, column
folds inner (the order does not change any count).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.errors import SimulationError
from accelsim.reference.array import (
    FoldClock,
    FoldOutcome,
    MacCyclesFn,
    run_os_fold,
    run_stationary_fold,
)
from accelsim.reference.folds import FoldTiming, FoldTotals, GemmFold, gemm_folds
from accelsim.reference.ranges import ValueRange
from accelsim.types import Dataflow

__all__ = ["FoldRecord", "MacCyclesFn", "StepperResult", "run_gemm"]


@dataclass(frozen=True, eq=False)
class FoldRecord(FoldTiming):
    """One fold as the stepper ran it: its shape, its counts and its (partial) output block.

    ``partial`` is the block of C this fold produced, to be added at
    ``c[c_rows, c_cols]``; WS/IS folds over K each give one partial sum of the same block.
    """

    pe_busy_cycles: int
    a_words: int
    b_words: int
    out_words: int
    c_rows: slice
    c_cols: slice
    partial: np.ndarray = field(repr=False)
    psum: ValueRange = field(default_factory=ValueRange)


@dataclass(frozen=True, eq=False)
class StepperResult(FoldTotals):
    """C, and the cycles and counts of every fold in the order they ran; ``edge``: every value
    the buffer adding the K folds' partial sums held."""

    c: np.ndarray
    folds: tuple[FoldRecord, ...]
    edge: ValueRange = field(default_factory=ValueRange)

    @property
    def psum(self) -> ValueRange:
        """Every value a PE's partial-sum register held, over all folds."""
        seen = ValueRange()
        for fold in self.folds:
            seen.merge(fold.psum)
        return seen

    @property
    def fold_cycles(self) -> tuple[int, ...]:
        return tuple(f.cycles for f in self.folds)

    @property
    def macs(self) -> int:
        return self.fold_sum("macs")

    @property
    def pe_busy_cycles(self) -> int:
        return self.fold_sum("pe_busy_cycles")

    @property
    def a_words(self) -> int:
        return self.fold_sum("a_words")

    @property
    def b_words(self) -> int:
        return self.fold_sum("b_words")

    @property
    def out_words(self) -> int:
        return self.fold_sum("out_words")


def _run_fold(
    fold: GemmFold, rows: int, cols: int, dataflow: Dataflow, clock: FoldClock
) -> tuple[np.ndarray, FoldOutcome]:
    """One fold on the array: its (partial) block of C and what it moved.

    OS: each fold yields a final block of C. WS: B tile stationary, outputs are partial sums.
    IS: A^T tile stationary, outputs leave as C^T.
    """
    if dataflow is Dataflow.OS:
        res = run_os_fold(fold.a, fold.b, rows, cols, clock)
        return res.out, res
    if dataflow is Dataflow.WS:
        res = run_stationary_fold(fold.b, fold.a, rows, cols, clock, stream_is_a=True)
        return res.out, res
    res = run_stationary_fold(fold.a.T, fold.b.T, rows, cols, clock, stream_is_a=False)
    return res.out.T, res


def _checked(
    a: np.ndarray, b: np.ndarray, rows: int, cols: int, dataflow: Dataflow
) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0] or 0 in a.shape + b.shape:
        raise SimulationError(f"cannot multiply A{a.shape} by B{b.shape}")
    if not (np.issubdtype(a.dtype, np.integer) and np.issubdtype(b.dtype, np.integer)):
        raise SimulationError("the reference stepper multiplies integer matrices only")
    for name, value in (("rows", rows), ("cols", cols)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SimulationError(f"{name} must be a positive int, got {value!r}")
    if not isinstance(dataflow, Dataflow):
        raise SimulationError(f"dataflow must be a Dataflow, got {dataflow!r}")
    return a.astype(np.int64), b.astype(np.int64)


def run_gemm(
    a: np.ndarray,
    b: np.ndarray,
    rows: int,
    cols: int,
    dataflow: Dataflow,
    *,
    mac_cycles: MacCyclesFn | None = None,
) -> StepperResult:
    """Run ``C = A @ B`` fold by fold, cycle by cycle, on a ``rows x cols`` array.

    ``mac_cycles`` is the seam for value-dependent PEs (e.g. temporal coding): per lock-step
    slot it gives each MAC's duration and the slot lasts as long as the slowest one.
    """
    a, b = _checked(a, b, rows, cols, dataflow)
    c = np.zeros((a.shape[0], b.shape[1]), dtype=np.int64)
    records, edge = [], ValueRange()
    for fold in gemm_folds(a, b, rows, cols, dataflow):
        clock = FoldClock(mac_cycles)
        partial, res = _run_fold(fold, rows, cols, dataflow, clock)
        c[fold.out_rows, fold.out_cols] += partial  # the PSUM/ofmap buffer accumulates
        edge.see(c[fold.out_rows, fold.out_cols])
        records.append(_record(fold, clock, partial, res))
    return StepperResult(c=c, folds=tuple(records), edge=edge)


def _record(
    fold: GemmFold, clock: FoldClock, partial: np.ndarray, res: FoldOutcome
) -> FoldRecord:
    return FoldRecord(
        row_fold=fold.row_fold, col_fold=fold.col_fold, rows_used=fold.rows_used,
        cols_used=fold.cols_used, stream_len=fold.stream_len, cycles=clock.cycles,
        macs=clock.macs, pe_busy_cycles=clock.pe_busy_cycles, a_words=res.a_words,
        b_words=res.b_words, out_words=res.out_words, c_rows=fold.out_rows,
        c_cols=fold.out_cols, partial=partial, psum=clock.psum,
    )
