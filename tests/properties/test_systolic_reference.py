"""Proof of the closed-form systolic timing against the register-level stepper.

For random GEMMs (M, N, K in 1..12) on random arrays (1..6 x 1..6, non-square, often larger than
the layer, with edge folds) and random signed integers, per dataflow:
(a) the stepper's C equals A @ B exactly, and so does the sum of its per-fold partial sums;
(b) gemm_compute_cycles equals the stepper's cycles, and fold_cycles each fold's cycles;
(c) MACs, PE-busy cycles, A/B words in, output words out and utilization agree, fold by fold;
(d) the folds the stepper ran are exactly the shapes and counts fold_shapes announces.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.reference import StepperResult, run_gemm
from accelsim.timing import (
    FoldShape,
    fold_cycles,
    fold_macs,
    fold_operand_words,
    fold_pe_busy_cycles,
    fold_shapes,
    gemm_compute_cycles,
    gemm_macs,
    gemm_operand_words,
    gemm_pe_busy_cycles,
    gemm_utilization,
)
from accelsim.types import Dataflow

MAX_DIM, MAX_ARRAY = 12, 6
VALUES = st.integers(-(2**15), 2**15 - 1)


@dataclass(frozen=True)
class Case:
    a: np.ndarray
    b: np.ndarray
    rows: int
    cols: int

    @property
    def mnk(self) -> tuple[int, int, int]:
        return self.a.shape[0], self.b.shape[1], self.a.shape[1]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    m, n, k = (draw(st.integers(1, MAX_DIM)) for _ in range(3))
    rows, cols = draw(st.integers(1, MAX_ARRAY)), draw(st.integers(1, MAX_ARRAY))
    a = draw(hnp.arrays(np.int64, (m, k), elements=VALUES))
    b = draw(hnp.arrays(np.int64, (k, n), elements=VALUES))
    return Case(a, b, rows, cols)


def _check(case: Case, dataflow: Dataflow) -> None:
    res = run_gemm(case.a, case.b, case.rows, case.cols, dataflow)
    _check_values(case, res)
    _check_cycles_and_counts(case, dataflow, res)
    _check_fold_inventory(case, dataflow, res)


def _check_values(case: Case, res: StepperResult) -> None:
    expected = case.a @ case.b
    np.testing.assert_array_equal(res.c, expected)
    summed = np.zeros_like(expected)
    for fold in res.folds:
        summed[fold.c_rows, fold.c_cols] += fold.partial
    np.testing.assert_array_equal(summed, expected)


def _check_cycles_and_counts(case: Case, dataflow: Dataflow, res: StepperResult) -> None:
    dims = (case.rows, case.cols, *case.mnk)
    assert gemm_compute_cycles(dataflow, *dims) == res.total_cycles
    assert gemm_macs(dataflow, *dims) == res.macs == int(np.prod(case.mnk))
    assert gemm_pe_busy_cycles(dataflow, *dims) == res.pe_busy_cycles
    words = gemm_operand_words(dataflow, *dims)
    assert (words.a_words, words.b_words, words.out_words) == (
        res.a_words, res.b_words, res.out_words,
    )
    util = res.macs / (case.rows * case.cols * res.total_cycles)
    assert gemm_utilization(dataflow, *dims) == util
    for fold in res.folds:
        shape = FoldShape(fold.rows_used, fold.cols_used, fold.stream_len, 1)
        assert fold_cycles(case.rows, case.cols, shape, dataflow) == fold.cycles
        assert fold_macs(shape) == fold.macs
        assert fold_pe_busy_cycles(shape) == fold.pe_busy_cycles
        fw = fold_operand_words(shape, dataflow)
        assert (fw.a_words, fw.b_words, fw.out_words) == (
            fold.a_words, fold.b_words, fold.out_words,
        )


def _check_fold_inventory(case: Case, dataflow: Dataflow, res: StepperResult) -> None:
    ran = Counter((f.rows_used, f.cols_used, f.stream_len) for f in res.folds)
    announced = {
        (s.rows_used, s.cols_used, s.stream_len): s.count
        for s in fold_shapes(dataflow, case.rows, case.cols, *case.mnk)
    }
    assert dict(ran) == announced


@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_output_stationary_matches_stepper(case: Case) -> None:
    _check(case, Dataflow.OS)


@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_weight_stationary_matches_stepper(case: Case) -> None:
    _check(case, Dataflow.WS)


@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_input_stationary_matches_stepper(case: Case) -> None:
    _check(case, Dataflow.IS)
