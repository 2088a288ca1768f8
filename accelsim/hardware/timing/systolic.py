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

For a full fold (``Sr = R``) OS equals SCALE-Sim's ``2Sr + Sc + T - 2`` and WS/IS are one cycle more.
All functions are O(1): they loop over at most four distinct fold shapes, never over cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.errors import SimulationError
from accelsim.types import Dataflow


@dataclass(frozen=True)
class FoldShape:
    """``count`` folds that each use ``rows_used x cols_used`` PEs and stream ``stream_len`` steps."""

    rows_used: int
    cols_used: int
    stream_len: int
    count: int


@dataclass(frozen=True)
class FoldWords:
    """Words that cross the array boundary: A and B words entering, output words leaving.

    Outputs of WS/IS folds are partial sums when K spans several row folds; the PSUM/ofmap buffer
    accumulates them outside the array.
    """

    a_words: int
    b_words: int
    out_words: int

    def __add__(self, other: FoldWords) -> FoldWords:
        return FoldWords(
            self.a_words + other.a_words,
            self.b_words + other.b_words,
            self.out_words + other.out_words,
        )

    def scaled(self, factor: int) -> FoldWords:
        """The words of ``factor`` identical folds."""
        return FoldWords(self.a_words * factor, self.b_words * factor, self.out_words * factor)


def _check_positive(**values: int) -> None:
    """Programmer errors: every size must be a positive int (bool is not a size)."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SimulationError(f"{name} must be a positive int, got {value!r}")


def _check_dataflow(dataflow: Dataflow) -> Dataflow:
    if not isinstance(dataflow, Dataflow):
        raise SimulationError(f"dataflow must be a Dataflow, got {dataflow!r}")
    return dataflow


def _check_fold(rows: int, cols: int, fold: FoldShape) -> None:
    _check_positive(
        rows=rows, cols=cols, rows_used=fold.rows_used, cols_used=fold.cols_used,
        stream_len=fold.stream_len,
    )
    if fold.rows_used > rows or fold.cols_used > cols:
        raise SimulationError(
            f"fold uses {fold.rows_used}x{fold.cols_used} PEs of a {rows}x{cols} array"
        )


def spatial_dims(dataflow: Dataflow, m: int, n: int, k: int) -> tuple[int, int, int]:
    """(dim mapped on array rows, dim mapped on array cols, dim streamed in time).

    OS keeps C[m, n] in the PEs; WS keeps B[k, n]; IS keeps A^T[k, m] (SCALE-Sim's mapping).
    """
    _check_positive(m=m, n=n, k=k)
    match _check_dataflow(dataflow):
        case Dataflow.OS:
            return m, n, k
        case Dataflow.WS:
            return k, n, m
        case Dataflow.IS:
            return k, m, n
    raise SimulationError(f"unknown dataflow {dataflow!r}")  # pragma: no cover


def _split(dim: int, size: int) -> tuple[tuple[int, int], ...]:
    """(used extent, how many folds) for the full folds and the edge fold of one direction."""
    full, rest = divmod(dim, size)
    parts = ((size, full),) if full else ()
    return parts + (((rest, 1),) if rest else ())


def fold_shapes(
    dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int
) -> tuple[FoldShape, ...]:
    """The distinct fold shapes of a GEMM (at most 4: full/edge in each direction) with counts."""
    _check_positive(rows=rows, cols=cols)
    dim_r, dim_c, stream_len = spatial_dims(dataflow, m, n, k)
    return tuple(
        FoldShape(rows_used, cols_used, stream_len, count_r * count_c)
        for rows_used, count_r in _split(dim_r, rows)
        for cols_used, count_c in _split(dim_c, cols)
    )


def fold_cycles(rows: int, cols: int, fold: FoldShape, dataflow: Dataflow) -> int:
    """Cycles of ONE fold of shape ``fold`` on a physical ``rows x cols`` array.

    OS: the last MAC happens at PE (Sr-1, Sc-1) in cycle T+Sr+Sc-3 (skewed operands meet there);
    then the accumulators shift down and out, and row 0's result needs ``rows`` cycles to be
    captured below the bottom edge. WS/IS: ``Sr`` cycles shift the stationary tile in from the
    top; the last partial sum is complete at row Sr-1 in stream cycle T+Sr+Sc-3, crosses the
    ``rows - Sr`` idle rows and is captured one cycle after reaching the bottom row.
    """
    _check_fold(rows, cols, fold)
    sr, sc, t = fold.rows_used, fold.cols_used, fold.stream_len
    if _check_dataflow(dataflow) is Dataflow.OS:
        return (t + sr + sc - 2) + rows
    return sr + (t + sr + sc - 2) + (rows - sr) + 1


def gemm_compute_cycles(
    dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int
) -> int:
    """Cycles of the whole GEMM: its folds back to back (no overlap between folds)."""
    return sum(
        fold.count * fold_cycles(rows, cols, fold, dataflow)
        for fold in fold_shapes(dataflow, rows, cols, m, n, k)
    )


def fold_operand_words(fold: FoldShape, dataflow: Dataflow) -> FoldWords:
    """Words entering (A, B) and leaving (outputs) the array in ONE fold of shape ``fold``.

    Skew bubbles are not words. OS streams Sr*T A words and T*Sc B words and drains Sr*Sc
    outputs; WS preloads Sr*Sc B words and streams T*Sr A words; IS preloads Sr*Sc A words and
    streams T*Sr B words; WS and IS both emit T*Sc (partial) outputs.
    """
    _check_positive(
        rows_used=fold.rows_used, cols_used=fold.cols_used, stream_len=fold.stream_len
    )
    sr, sc, t = fold.rows_used, fold.cols_used, fold.stream_len
    match _check_dataflow(dataflow):
        case Dataflow.OS:
            return FoldWords(a_words=sr * t, b_words=t * sc, out_words=sr * sc)
        case Dataflow.WS:
            return FoldWords(a_words=t * sr, b_words=sr * sc, out_words=t * sc)
        case Dataflow.IS:
            return FoldWords(a_words=sr * sc, b_words=t * sr, out_words=t * sc)
    raise SimulationError(f"unknown dataflow {dataflow!r}")  # pragma: no cover


def gemm_operand_words(
    dataflow: Dataflow, rows: int, cols: int, m: int, n: int, k: int
) -> FoldWords:
    """Words crossing the array boundary over all folds of the GEMM."""
    total = FoldWords(0, 0, 0)
    for fold in fold_shapes(dataflow, rows, cols, m, n, k):
        total = total + fold_operand_words(fold, dataflow).scaled(fold.count)
    return total


def fold_macs(fold: FoldShape) -> int:
    """Useful multiply-accumulates of ONE fold: every used PE does one per streamed step."""
    _check_positive(
        rows_used=fold.rows_used, cols_used=fold.cols_used, stream_len=fold.stream_len
    )
    return fold.rows_used * fold.cols_used * fold.stream_len


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
