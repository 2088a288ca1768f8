"""Folding a GEMM onto a ``rows x cols`` array: which dims go where, fold shapes, words per fold.

These are mapping facts (no time in them); the cycles each fold takes are in
``accelsim.timing``. GEMM convention: ``C[M,N] = A[M,K] @ B[K,N]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.errors import SimulationError
from accelsim.types import Dataflow


@dataclass(frozen=True)
class FoldShape:
    """``count`` folds, each using ``rows_used x cols_used`` PEs for ``stream_len`` steps."""

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


def check_positive(**values: int) -> None:
    """Programmer errors: every size must be a positive int (bool is not a size)."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SimulationError(f"{name} must be a positive int, got {value!r}")


def check_dataflow(dataflow: Dataflow) -> Dataflow:
    if not isinstance(dataflow, Dataflow):
        raise SimulationError(f"dataflow must be a Dataflow, got {dataflow!r}")
    return dataflow


def spatial_dims(dataflow: Dataflow, m: int, n: int, k: int) -> tuple[int, int, int]:
    """(dim mapped on array rows, dim mapped on array cols, dim streamed in time).

    OS keeps C[m, n] in the PEs; WS keeps B[k, n]; IS keeps A^T[k, m] (SCALE-Sim's mapping).
    """
    if not (type(m) is type(n) is type(k) is int and m > 0 and n > 0 and k > 0):
        check_positive(m=m, n=n, k=k)
    match check_dataflow(dataflow):
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
    check_positive(rows=rows, cols=cols)
    dim_r, dim_c, stream_len = spatial_dims(dataflow, m, n, k)
    return tuple(
        FoldShape(rows_used, cols_used, stream_len, count_r * count_c)
        for rows_used, count_r in _split(dim_r, rows)
        for cols_used, count_c in _split(dim_c, cols)
    )


def fold_operand_words(fold: FoldShape, dataflow: Dataflow) -> FoldWords:
    """Words entering (A, B) and leaving (outputs) the array in ONE fold of shape ``fold``.

    Skew bubbles are not words. OS streams Sr*T A words and T*Sc B words and drains Sr*Sc
    outputs; WS preloads Sr*Sc B words and streams T*Sr A words; IS preloads Sr*Sc A words and
    streams T*Sr B words; WS and IS both emit T*Sc (partial) outputs.
    """
    sr, sc, t = fold.rows_used, fold.cols_used, fold.stream_len
    if not (type(sr) is type(sc) is type(t) is int and sr > 0 and sc > 0 and t > 0):
        check_positive(rows_used=sr, cols_used=sc, stream_len=t)
    match check_dataflow(dataflow):
        case Dataflow.OS:
            return FoldWords(a_words=sr * t, b_words=t * sc, out_words=sr * sc)
        case Dataflow.WS:
            return FoldWords(a_words=t * sr, b_words=sr * sc, out_words=t * sc)
        case Dataflow.IS:
            return FoldWords(a_words=sr * sc, b_words=t * sr, out_words=t * sc)
    raise SimulationError(f"unknown dataflow {dataflow!r}")  # pragma: no cover


def fold_macs(fold: FoldShape) -> int:
    """Useful multiply-accumulates of ONE fold: every used PE does one per streamed step."""
    check_positive(
        rows_used=fold.rows_used, cols_used=fold.cols_used, stream_len=fold.stream_len
    )
    return fold.rows_used * fold.cols_used * fold.stream_len
