"""How the reference models cut ``C = A @ B`` into folds that fit a ``rows x cols`` array.

Shared by the register-level stepper and the temporal-coded model so that both visit the same
folds in the same order (row folds outer, column folds inner) and place each output block the
same way. Counting only: no cycle formula here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np

from accelsim.types import Dataflow


@dataclass(frozen=True, eq=False)
class GemmFold:
    """One fold as a GEMM that fits the array: operands in GEMM roles and its block of C.

    ``a``/``b`` are the fold's slices of A and B (``a @ b`` is this fold's (partial) block);
    ``out_rows``/``out_cols`` say where that block adds into C. WS/IS folds over K each give one
    partial sum of the same block.
    """

    row_fold: int
    col_fold: int
    rows_used: int
    cols_used: int
    stream_len: int
    a: np.ndarray
    b: np.ndarray
    out_rows: slice
    out_cols: slice


@dataclass(frozen=True, eq=False)
class FoldTiming:
    """What every reference model records of a fold it ran: where it sits, the PEs and stream
    it used, its cycles and its MACs. The models' fold records extend it with their own counts."""

    row_fold: int
    col_fold: int
    rows_used: int
    cols_used: int
    stream_len: int
    cycles: int
    macs: int


class FoldTotals:
    """Totals over the ``folds`` of a reference model's result (a frozen dataclass)."""

    folds: tuple[FoldTiming, ...]

    @property
    def total_cycles(self) -> int:
        return self.fold_sum("cycles")

    def fold_sum(self, name: str) -> int:
        """The sum of one count over every fold."""
        return sum(getattr(fold, name) for fold in self.folds)


# A run of whole indices ``start:stop`` (no step).
_Span: TypeAlias = "slice[int, int, None]"  # slice is not subscriptable at run time


def _tiles(dim: int, size: int) -> Iterator[tuple[int, _Span]]:
    for index, start in enumerate(range(0, dim, size)):
        yield index, slice(start, min(start + size, dim))


def gemm_folds(
    a: np.ndarray, b: np.ndarray, rows: int, cols: int, dataflow: Dataflow
) -> Iterator[GemmFold]:
    """The folds of ``A @ B`` in run order.

    OS: array rows <- M, cols <- N, K streamed. WS: rows <- K, cols <- N, M streamed.
    IS: rows <- K, cols <- M, N streamed.
    """
    (m, k), n = a.shape, b.shape[1]
    if dataflow is Dataflow.OS:
        for i, ms in _tiles(m, rows):
            for j, ns in _tiles(n, cols):
                yield GemmFold(i, j, _len(ms), _len(ns), k, a[ms, :], b[:, ns], ms, ns)
    elif dataflow is Dataflow.WS:
        for i, ks in _tiles(k, rows):
            for j, ns in _tiles(n, cols):
                yield GemmFold(i, j, _len(ks), _len(ns), m, a[:, ks], b[ks, ns], slice(0, m), ns)
    else:
        for i, ks in _tiles(k, rows):
            for j, ms in _tiles(m, cols):
                yield GemmFold(i, j, _len(ks), _len(ms), n, a[ms, ks], b[ks, :], ms, slice(0, n))


def _len(span: _Span) -> int:
    return span.stop - span.start
