"""The two-channel recurrence: equal to the single-channel one when B bits stay on DRAM,
coalescing equal to stepping, and a hand-computed fold sequence."""

from __future__ import annotations

import random
from fractions import Fraction

from accelsim.sim.pipeline import Channel, PipelineState, finish, repeat_unit, step_fold
from accelsim.sim.reram_pipeline import DualState, step_dual

DRAM = Channel(Fraction(1, 4), 3, 2)
RERAM = Channel(Fraction(1, 16), 2, 2)


def _folds(seed: int) -> list[tuple[int, int, int, int]]:
    rng = random.Random(seed)
    return [(rng.randint(1, 50), rng.randint(0, 400), rng.randint(0, 400), rng.randint(0, 99))
            for _ in range(40)]


def test_without_weight_bits_the_dual_recurrence_is_the_single_one() -> None:
    for seed in range(20):
        single, dual = PipelineState(DRAM), DualState(DRAM, weight_channel=RERAM)
        for cycles, dram_bits, _, write_bits in _folds(seed):
            step_fold(single, cycles, cycles, dram_bits, write_bits)
            step_dual(dual, cycles, cycles, dram_bits, 0, write_bits)
        assert finish(single) == finish(dual)
        assert single.compute_cycles == dual.compute_cycles


def test_coalesced_runs_equal_stepped_runs() -> None:
    for seed in range(10):
        unit = _folds(seed)[:3]
        stepped, coalesced = DualState(DRAM, weight_channel=RERAM), \
            DualState(DRAM, weight_channel=RERAM)
        for _ in range(57):
            for fold in unit:
                step_dual(stepped, fold[0], fold[0], *fold[1:])

        def once(state: DualState = coalesced,
                 unit: list[tuple[int, int, int, int]] = unit) -> None:
            for fold in unit:
                step_dual(state, fold[0], fold[0], *fold[1:])

        repeat_unit(coalesced, once, 57)
        assert finish(stepped) == finish(coalesced)
        assert coalesced.folds_stepped <= stepped.folds_stepped


def test_hand_computed_two_folds() -> None:
    state = DualState(DRAM, weight_channel=RERAM)
    # fold 0: 8 DRAM bits (2 cycles) + 3 latency -> 5; 64 ReRAM bits (4 cycles) + 2 -> 6
    step_dual(state, 10, 10, 8, 64, 0)
    assert state.compute_end[-1] == 6 + 10
    # fold 1: DRAM free at 2 -> 4, ready 7; ReRAM free at 4 -> 8, ready 10; previous ends 16
    step_dual(state, 10, 10, 8, 64, 0)
    assert state.compute_end[-1] == 16 + 10
    assert state.weight_free == 8 and state.dram_free == 4
