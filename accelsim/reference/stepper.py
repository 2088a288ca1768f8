"""Per-cycle register-level reference model of a GEMM on a ``rows x cols`` systolic array.

Slow on purpose and independent of ``accelsim.hardware.timing``: it moves integers through PE
registers cycle by cycle (``accelsim.reference.array``) and counts what happens, so that the
property tests can prove the closed-form timing functions against it. It never computes
``A @ B`` or a cycle formula: C is what the output buffer collected, summed over the K folds
exactly as a PSUM/ofmap buffer would.

Folds run back to back; each starts from an empty array. Fold order: row folds outer, column
folds inner (the order does not change any count).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
from accelsim.types import Dataflow

__all__ = ["FoldRecord", "MacCyclesFn", "StepperResult", "run_gemm"]


@dataclass(frozen=True, eq=False)
class FoldRecord:
    """One fold as the stepper ran it: its shape, its counts and its (partial) output block.

    ``partial`` is the block of C this fold produced, to be added at
    ``c[c_rows, c_cols]``; WS/IS folds over K each give one partial sum of the same block.
    """

    row_fold: int
    col_fold: int
    rows_used: int
    cols_used: int
    stream_len: int
    cycles: int
    macs: int
    pe_busy_cycles: int
    a_words: int
    b_words: int
    out_words: int
    c_rows: slice
    c_cols: slice
    partial: np.ndarray = field(repr=False)


@dataclass(frozen=True, eq=False)
class StepperResult:
    """C, and the cycles and counts of every fold in the order they ran."""

    c: np.ndarray
    folds: tuple[FoldRecord, ...]

    @property
    def total_cycles(self) -> int:
        return sum(f.cycles for f in self.folds)

    @property
    def fold_cycles(self) -> tuple[int, ...]:
        return tuple(f.cycles for f in self.folds)

    @property
    def macs(self) -> int:
        return sum(f.macs for f in self.folds)

    @property
    def pe_busy_cycles(self) -> int:
        return sum(f.pe_busy_cycles for f in self.folds)

    @property
    def a_words(self) -> int:
        return sum(f.a_words for f in self.folds)

    @property
    def b_words(self) -> int:
        return sum(f.b_words for f in self.folds)

    @property
    def out_words(self) -> int:
        return sum(f.out_words for f in self.folds)


@dataclass(frozen=True)
class _Placement:
    """Where a fold sits: fold indices, used PEs, streamed length and its block of C."""

    row_fold: int
    col_fold: int
    rows_used: int
    cols_used: int
    stream_len: int
    c_rows: slice
    c_cols: slice


_FoldRun = Iterator[tuple[_Placement, FoldClock, np.ndarray, FoldOutcome]]
_ClockFactory = Callable[[], FoldClock]


def _tiles(dim: int, size: int) -> Iterator[tuple[int, slice]]:
    for index, start in enumerate(range(0, dim, size)):
        yield index, slice(start, min(start + size, dim))


def _run_os(
    a: np.ndarray, b: np.ndarray, rows: int, cols: int, clock_factory: _ClockFactory
) -> _FoldRun:
    """OS: array rows <- M, cols <- N, K streamed; each fold yields a final block of C."""
    (m, k), n = a.shape, b.shape[1]
    for ri, ms in _tiles(m, rows):
        for ci, ns in _tiles(n, cols):
            clock = clock_factory()
            res = run_os_fold(a[ms, :], b[:, ns], rows, cols, clock)
            place = _Placement(ri, ci, ms.stop - ms.start, ns.stop - ns.start, k, ms, ns)
            yield place, clock, res.out, res


def _run_ws(
    a: np.ndarray, b: np.ndarray, rows: int, cols: int, clock_factory: _ClockFactory
) -> _FoldRun:
    """WS: rows <- K, cols <- N, M streamed; B tile stationary; outputs are partial sums."""
    (m, k), n = a.shape, b.shape[1]
    for ri, ks in _tiles(k, rows):
        for ci, ns in _tiles(n, cols):
            clock = clock_factory()
            res = run_stationary_fold(b[ks, ns], a[:, ks], rows, cols, clock, stream_is_a=True)
            place = _Placement(ri, ci, ks.stop - ks.start, ns.stop - ns.start, m, slice(0, m), ns)
            yield place, clock, res.out, res


def _run_is(
    a: np.ndarray, b: np.ndarray, rows: int, cols: int, clock_factory: _ClockFactory
) -> _FoldRun:
    """IS: rows <- K, cols <- M, N streamed; A^T tile stationary; outputs leave as C^T."""
    (m, k), n = a.shape, b.shape[1]
    for ri, ks in _tiles(k, rows):
        for ci, ms in _tiles(m, cols):
            clock = clock_factory()
            stat, stream = a[ms, ks].T, b[ks, :].T
            res = run_stationary_fold(stat, stream, rows, cols, clock, stream_is_a=False)
            place = _Placement(ri, ci, ks.stop - ks.start, ms.stop - ms.start, n, ms, slice(0, n))
            yield place, clock, res.out.T, res


_RUNNERS = {Dataflow.OS: _run_os, Dataflow.WS: _run_ws, Dataflow.IS: _run_is}


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
    records = []
    for place, clock, partial, res in _RUNNERS[dataflow](
        a, b, rows, cols, lambda: FoldClock(mac_cycles)
    ):
        c[place.c_rows, place.c_cols] += partial  # the PSUM/ofmap buffer accumulates
        records.append(_record(place, clock, partial, res))
    return StepperResult(c=c, folds=tuple(records))


def _record(
    place: _Placement, clock: FoldClock, partial: np.ndarray, res: FoldOutcome
) -> FoldRecord:
    return FoldRecord(
        row_fold=place.row_fold, col_fold=place.col_fold, rows_used=place.rows_used,
        cols_used=place.cols_used, stream_len=place.stream_len, cycles=clock.cycles,
        macs=clock.macs, pe_busy_cycles=clock.pe_busy_cycles, a_words=res.a_words,
        b_words=res.b_words, out_words=res.out_words, c_rows=place.c_rows,
        c_cols=place.c_cols, partial=partial,
    )
