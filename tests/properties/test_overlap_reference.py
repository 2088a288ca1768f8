"""Proof of the fold-overlap timing (``fold_overlap: weights``) against the register-level
multi-fold stepper with double-buffered stationary registers.

(a) Random fold sequences (1..6 folds of random Sr x Sc x T on random 1..6 x 1..6 arrays, random
signed integers, 1..rows weight ports per column, 2..4 stationary buffers): every fold's
collected output equals ``stream @ stat``; the stepper's cycles
equal ``fold_sequence_cycles`` and the ``OverlapClock`` recurrence fold by fold (preload and
stream starts too); words in/out and MACs are what the folds hold.
(b) Random GEMMs (ws and is, M, N, K in 1..12): C equals A @ B; the cycles equal
``fold_sequence_cycles`` over the GEMM's folds in run order, and never exceed the ``none``
total (``gemm_compute_cycles``); a single fold costs exactly its ``none`` cycles.
"""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.reference.folds import gemm_folds
from accelsim.reference.overlap import OverlapFold, run_gemm_overlapped, run_overlapped_folds
from accelsim.timing import FoldShape, fold_cycles, gemm_compute_cycles
from accelsim.timing.overlap import OverlapClock, fold_sequence_cycles
from accelsim.types import Dataflow

MAX_ARRAY, MAX_STREAM, MAX_FOLDS, MAX_DIM = 6, 10, 6, 12
VALUES = st.integers(-(2**15), 2**15 - 1)


@st.composite
def sequences(draw: st.DrawFn) -> tuple[int, int, int, int, list[OverlapFold]]:
    rows, cols = draw(st.integers(1, MAX_ARRAY)), draw(st.integers(1, MAX_ARRAY))
    ports, buffers = draw(st.integers(1, rows)), draw(st.integers(2, 4))
    folds = []
    for _ in range(draw(st.integers(1, MAX_FOLDS))):
        sr, sc = draw(st.integers(1, rows)), draw(st.integers(1, cols))
        t = draw(st.integers(1, MAX_STREAM))
        folds.append(OverlapFold(draw(hnp.arrays(np.int64, (sr, sc), elements=VALUES)),
                                 draw(hnp.arrays(np.int64, (t, sr), elements=VALUES))))
    return rows, cols, ports, buffers, folds


@settings(max_examples=300, deadline=None)
@given(case=sequences())
def test_fold_sequence_matches_stepper(
        case: tuple[int, int, int, int, list[OverlapFold]]) -> None:
    rows, cols, ports, buffers, folds = case
    res = run_overlapped_folds(folds, rows, cols, ports, buffers)
    for fold, out in zip(folds, res.outs, strict=True):
        np.testing.assert_array_equal(out, fold.stream @ fold.stat)
    shapes = [FoldShape(*fold.shape, 1) for fold in folds]
    assert fold_sequence_cycles(rows, cols, shapes, Dataflow.WS, ports, buffers) == res.cycles
    assert fold_sequence_cycles(rows, cols, shapes, Dataflow.IS, ports, buffers) == res.cycles
    clock, preloads, streams = OverlapClock.empty_at(0, buffers), [], []
    for shape in shapes:
        preloads.append(max(clock.preload_free, clock.release[0]))
        clock, end = clock.step(rows, shape, preload_rows=ports)
        streams.append(clock.feed_free - shape.stream_len)
        assert end <= clock.end
    assert (tuple(preloads), tuple(streams)) == (res.preload_starts, res.stream_starts)
    assert clock.end == res.cycles
    assert res.macs == sum(sr * sc * t for sr, sc, t in (f.shape for f in folds))
    assert res.stat_words == sum(f.stat.size for f in folds)
    assert res.stream_words == sum(f.stream.size for f in folds)
    assert res.out_words == sum(f.shape[1] * f.shape[2] for f in folds)
    first = shapes[0]
    assert fold_sequence_cycles(rows, cols, [first], Dataflow.WS, ports) == fold_cycles(
        rows, cols, first, Dataflow.WS, ports)


@st.composite
def gemms(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int, int]:
    m, n, k = (draw(st.integers(1, MAX_DIM)) for _ in range(3))
    a = draw(hnp.arrays(np.int64, (m, k), elements=VALUES))
    b = draw(hnp.arrays(np.int64, (k, n), elements=VALUES))
    return a, b, draw(st.integers(1, MAX_ARRAY)), draw(st.integers(1, MAX_ARRAY))


@settings(max_examples=150, deadline=None)
@given(case=gemms(), dataflow=st.sampled_from([Dataflow.WS, Dataflow.IS]))
def test_overlapped_gemm_matches_stepper(
    case: tuple[np.ndarray, np.ndarray, int, int], dataflow: Dataflow
) -> None:
    a, b, rows, cols = case
    ports = 1 + (a.size + b.size) % rows  # varied without more draws
    buffers = 2 + a.size % 3
    c, res = run_gemm_overlapped(a, b, rows, cols, dataflow, ports, buffers)
    np.testing.assert_array_equal(c, a @ b)
    shapes = [FoldShape(f.rows_used, f.cols_used, f.stream_len, 1)
              for f in gemm_folds(a, b, rows, cols, dataflow)]
    assert fold_sequence_cycles(rows, cols, shapes, dataflow, ports, buffers) == res.cycles
    (m, k), n = a.shape, b.shape[1]
    assert res.cycles <= gemm_compute_cycles(dataflow, rows, cols, m, n, k)
