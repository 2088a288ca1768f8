"""The coalesced pipeline recurrence equals a one-event-per-fold SimPy model, exactly."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.sim.pipeline import Channel, PipelineState, finish, repeat_unit, step_fold
from tests.unit.sim.simpy_reference import Fold, simulate_folds

folds_strategy = st.builds(
    lambda p, extra, r, w: Fold(p, p + extra, r, w),
    st.integers(1, 400), st.integers(0, 50), st.integers(0, 20_000), st.integers(0, 5_000),
)
channels = st.builds(
    Channel,
    st.fractions(min_value=Fraction(1, 64), max_value=Fraction(2), max_denominator=97),
    st.integers(0, 300),
    st.sampled_from([1, 2]),
)


def _recurrence(folds: list[Fold], channel: Channel) -> tuple[int, int]:
    state = PipelineState(channel)
    for fold in folds:
        step_fold(state, fold.array_cycles, fold.busy_cycles, fold.read_bits, fold.write_bits)
    return finish(state), state.compute_cycles


@settings(max_examples=300, deadline=None)
@given(st.lists(folds_strategy, min_size=1, max_size=12), channels)
def test_recurrence_equals_simpy_reference(folds: list[Fold], channel: Channel) -> None:
    assert _recurrence(folds, channel) == simulate_folds(folds, channel)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(folds_strategy, st.integers(1, 40)), min_size=1, max_size=5),
       st.integers(1, 6), channels)
def test_coalesced_runs_equal_fold_by_fold(runs: list[tuple[Fold, int]], repeat: int,
                                            channel: Channel) -> None:
    expanded = [fold for _ in range(repeat) for fold, count in runs for _ in range(count)]
    state = PipelineState(channel)

    def segment() -> None:
        for fold, count in runs:
            def one(fold: Fold = fold) -> None:
                step_fold(state, fold.array_cycles, fold.busy_cycles, fold.read_bits,
                          fold.write_bits)
            repeat_unit(state, one, count)

    repeat_unit(state, segment, repeat)
    assert (finish(state), state.compute_cycles) == simulate_folds(expanded, channel)
    assert state.folds_stepped <= len(expanded)


def test_long_steady_run_is_coalesced() -> None:
    channel = Channel(Fraction(1, 8), 100, 2)
    state = PipelineState(channel)
    fold = Fold(100, 100, 1200, 64)

    def one() -> None:
        step_fold(state, fold.array_cycles, fold.busy_cycles, fold.read_bits, fold.write_bits)

    repeat_unit(state, one, 100_000)
    assert state.folds_stepped < 10
    # Each transaction carries 1200 read + 64 written bits = 158 channel cycles, but with two
    # slots the next fetch must also wait for the slot's fold to finish (latency 100 + compute
    # 100 behind its own transfer): the steady state alternates 158 and 200 cycles per fold.
    total = finish(state)
    assert state.compute_cycles == 100 * 100_000
    assert 179 * 100_000 - 400 <= total <= 179 * 100_000 + 400
    assert (total, state.compute_cycles) == _recurrence([fold] * 100_000, channel)
