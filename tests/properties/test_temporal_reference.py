"""Proof of the temporal-coded timing formulas against the per-cycle temporal stepper.

For every slot policy and dataflow, on random GEMMs (M, N, K in 1..8), random arrays (1..5 x
1..5, edge folds), both pulse codes (magnitude with caps 1..4; segmented with caps 1, 3, 7 on
wider weights), random quantized weights and activations, and random lane FIFO depths:
(a) the array's C and the C summed from the pulse trains both equal A @ B;
(b) every fold's cycles equal ``gemm_temporal_fold_cycles`` (the closed forms of
    accelsim.timing.codes + hardware.timing.temporal), fold by fold;
(c) the PE-cycles spent adding equal M x the sum of the weights' pulse lengths (what the
    activity counts use), and adding + holding fit in the fold's MAC-phase PE-cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accelsim.config.system_spec import TemporalPESpec
from accelsim.reference.pulses import PulseCode
from accelsim.reference.temporal import run_temporal_gemm
from accelsim.timing.temporal import (
    gemm_temporal_fold_cycles,
    mac_slots,
    pulse_cycles,
    worst_code,
)
from accelsim.types import Dataflow

POLICIES = ("worst_case", "per_tile", "per_wavefront", "per_row", "per_col")
EXAMPLES = 200
WEIGHT_BITS = 7  # the PE's weight register; the magnitude code caps the values further


@dataclass(frozen=True)
class Case:
    a: np.ndarray
    b: np.ndarray
    rows: int
    cols: int
    code: str
    cap: int
    depth: int


@st.composite
def cases(draw: st.DrawFn) -> Case:
    m, n, k = (draw(st.integers(1, 8)) for _ in range(3))
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    code = draw(st.sampled_from(("magnitude", "segmented")))
    cap = draw(st.integers(1, 4)) if code == "magnitude" else draw(st.sampled_from((1, 3, 7)))
    top = cap if code == "magnitude" else 63
    a = draw(hnp.arrays(np.int64, (m, k), elements=st.integers(-128, 127)))
    b = draw(hnp.arrays(np.int64, (k, n), elements=st.integers(-top, top)))
    return Case(a, b, rows, cols, code, cap, draw(st.integers(1, 3)))


def _spec(case: Case, policy: str) -> TemporalPESpec:
    return TemporalPESpec(code=case.code, cap=case.cap, policy=policy,
                          lane_fifo_depth=case.depth)


def _check(case: Case, policy: str, dataflow: Dataflow) -> None:
    spec = _spec(case, policy)
    bits = case.cap.bit_length() + 1 if case.code == "magnitude" else WEIGHT_BITS
    res = run_temporal_gemm(
        case.a, case.b, case.rows, case.cols, dataflow, code=PulseCode(case.code, case.cap),
        policy=policy, worst_cycles=worst_code(spec, WEIGHT_BITS, bits),
        fifo_depth=case.depth)
    expected = case.a @ case.b
    np.testing.assert_array_equal(res.c, expected)
    np.testing.assert_array_equal(res.c_pulses, expected)
    m = case.a.shape[0]
    formula = gemm_temporal_fold_cycles(case.b, m, case.rows, case.cols, dataflow, spec,
                                        WEIGHT_BITS, bits)
    fixed = case.rows + (0 if dataflow is Dataflow.OS else 1)
    for fold in res.folds:
        assert fold.cycles == formula[fold.row_fold, fold.col_fold], fold
        phase = formula[fold.row_fold, fold.col_fold] - fixed
        assert fold.adding_cycles + fold.holding_cycles <= \
            fold.rows_used * fold.cols_used * phase
        assert phase >= mac_slots(fold.rows_used, fold.cols_used, fold.stream_len)
    assert formula.shape == (max(f.row_fold for f in res.folds) + 1,
                             max(f.col_fold for f in res.folds) + 1)
    codes = pulse_cycles(np.abs(case.b), case.code, case.cap)
    assert res.adding_cycles == m * int(codes.sum())


@pytest.mark.parametrize("dataflow", list(Dataflow), ids=lambda d: d.value)
@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_formula_equals_temporal_stepper(policy: str, dataflow: Dataflow, case: Case) -> None:
    _check(case, policy, dataflow)


def test_all_zero_weights_still_take_one_cycle_per_slot() -> None:
    """A slot lasts at least one cycle: zero weights cost the conventional array's time."""
    a, b = np.ones((3, 4), np.int64), np.zeros((4, 5), np.int64)
    for policy in POLICIES[1:]:
        res = run_temporal_gemm(a, b, 4, 5, Dataflow.WS, code=PulseCode("magnitude", 3),
                                policy=policy)
        assert res.total_cycles == 3 + 4 + 5 + 4 - 1  # T + Sr + Sc + R - 1
        assert res.adding_cycles == 0
        np.testing.assert_array_equal(res.c_pulses, np.zeros((3, 5)))
