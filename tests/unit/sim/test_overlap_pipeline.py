"""Fold overlap in the pipeline recurrence (``system.array.fold_overlap: weights``).

(a) With memory that never stalls, the recurrence's cycles and ``compute_cycles`` are the
proved fold-sequence cycles (``accelsim.timing.overlap.fold_sequence_cycles``).
(b) Coalescing stays exact: runs of identical folds and repeated segments, jumped by
``repeat_unit``, give the same total and compute cycles as the folds stepped one by one, with
random DRAM channels (stalls included) and SRAM-port-limited folds.
(c) A long steady run is still coalesced into a few steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.sim.pipeline import (
    Channel,
    OverlapTrack,
    PipelineState,
    finish,
    repeat_unit,
    step_fold,
)
from accelsim.timing import FoldShape, fold_cycles
from accelsim.timing.overlap import fold_sequence_cycles
from accelsim.types import Dataflow

ROWS, COLS = 8, 8


@dataclass(frozen=True)
class OFold:
    shape: FoldShape
    extra_busy: int
    read_bits: int
    write_bits: int

    @property
    def array_cycles(self) -> int:
        return fold_cycles(ROWS, COLS, self.shape, Dataflow.WS)


folds_strategy = st.builds(
    OFold,
    st.builds(FoldShape, st.integers(1, ROWS), st.integers(1, COLS), st.integers(1, 40),
              st.just(1)),
    st.one_of(st.just(0), st.just(0), st.integers(1, 30)),
    st.integers(0, 4_000), st.integers(0, 1_000),
)
channels = st.builds(
    Channel,
    st.fractions(min_value=Fraction(1, 64), max_value=Fraction(1), max_denominator=97),
    st.integers(0, 100),
    st.sampled_from([1, 2]),
)


def _step(state: PipelineState, fold: OFold) -> None:
    step_fold(state, fold.array_cycles, fold.array_cycles + fold.extra_busy, fold.read_bits,
              fold.write_bits, fold.shape)


def _expanded(folds: list[OFold], channel: Channel) -> tuple[int, int]:
    state = PipelineState(channel, overlap=OverlapTrack(ROWS))
    for fold in folds:
        _step(state, fold)
    return finish(state), state.compute_cycles


@settings(max_examples=200, deadline=None)
@given(st.lists(st.builds(FoldShape, st.integers(1, ROWS), st.integers(1, COLS),
                          st.integers(1, 40), st.just(1)), min_size=1, max_size=12))
def test_no_stall_recurrence_is_the_proved_sequence(shapes: list[FoldShape]) -> None:
    channel = Channel(Fraction(0), 0, 2)
    folds = [OFold(shape, 0, 0, 0) for shape in shapes]
    total, compute = _expanded(folds, channel)
    assert total == compute == fold_sequence_cycles(ROWS, COLS, shapes, Dataflow.WS)
    assert compute <= sum(f.array_cycles for f in folds)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(folds_strategy, st.integers(1, 40)), min_size=1, max_size=4),
       st.integers(1, 6), channels)
def test_coalesced_overlap_equals_fold_by_fold(runs: list[tuple[OFold, int]], repeat: int,
                                               channel: Channel) -> None:
    expanded = [fold for _ in range(repeat) for fold, count in runs for _ in range(count)]
    state = PipelineState(channel, overlap=OverlapTrack(ROWS))

    def segment() -> None:
        for fold, count in runs:
            def one(fold: OFold = fold) -> None:
                _step(state, fold)
            repeat_unit(state, one, count)

    repeat_unit(state, segment, repeat)
    total, compute = finish(state), state.compute_cycles
    assert (total, compute) == _expanded(expanded, channel)
    assert compute <= total
    assert state.folds_stepped <= len(expanded)


def test_long_steady_overlapped_run_is_coalesced() -> None:
    state = PipelineState(Channel(Fraction(1, 64), 20, 2), overlap=OverlapTrack(ROWS))
    fold = OFold(FoldShape(ROWS, COLS, 30, 1), 0, 1200, 64)
    repeat_unit(state, lambda: _step(state, fold), 100_000)
    assert state.folds_stepped < 12
    assert (finish(state), state.compute_cycles) == _expanded([fold] * 100_000, state.channel)
    # Steady state: one fold per T = 30 cycles (its preload of 8 rows hidden), plus one fill.
    sequence = fold_sequence_cycles(ROWS, COLS, [FoldShape(ROWS, COLS, 30, 100_000)],
                                    Dataflow.WS)
    assert state.compute_cycles == sequence == 30 * 100_000 + 8 + 8 + 8 - 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.builds(FoldShape, st.integers(1, ROWS), st.integers(1, COLS),
                          st.integers(1, 12), st.just(1)), min_size=1, max_size=12),
       st.integers(1, ROWS), st.integers(2, 8))
def test_intake_and_buffers_reach_the_proved_sequence(shapes: list[FoldShape], ports: int,
                                                      buffers: int) -> None:
    state = PipelineState(Channel(Fraction(0), 0, 2),
                          overlap=OverlapTrack(ROWS, ports, buffers))
    for shape in shapes:
        cycles = fold_cycles(ROWS, COLS, shape, Dataflow.WS, ports)
        step_fold(state, cycles, cycles, 0, 0, shape)
    assert finish(state) == state.compute_cycles == fold_sequence_cycles(
        ROWS, COLS, shapes, Dataflow.WS, ports, buffers)


def test_gemv_runs_at_the_weight_intake_with_enough_buffers() -> None:
    # T = 1 (one token): two buffers wait for the wavefront (Sr + Sc cycles per two folds);
    # with B >= (Sr + Sc + T) / F the array takes in a full fold every F = ceil(8 / 2) cycles.
    gemv = [FoldShape(ROWS, COLS, 1, 1000)]
    double = fold_sequence_cycles(ROWS, COLS, gemv, Dataflow.WS, 2, 2)
    deep = fold_sequence_cycles(ROWS, COLS, gemv, Dataflow.WS, 2, 5)
    assert double > 2 * deep
    assert deep == 4 * 1000 + 1 + COLS + ROWS - 1
