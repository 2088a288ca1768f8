"""The register-level stepper on hand-traced cases, the temporal-coding seam and bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

from accelsim.errors import SimulationError
from accelsim.reference import run_gemm
from accelsim.types import Dataflow

OS, WS, IS = Dataflow.OS, Dataflow.WS, Dataflow.IS

A22 = np.array([[1, -2], [3, 4]])
B22 = np.array([[5, 6], [-7, 8]])


def test_os_2x2_hand_traced() -> None:
    # Cycle 0: PE(0,0) gets A[0,0], B[0,0]. Cycle 1: PE(0,0) A[0,1]B[1,0]; PE(0,1) A[0,0]B[0,1];
    # PE(1,0) A[1,0]B[0,0]. Cycle 2: PE(0,1), PE(1,0) finish, PE(1,1) starts. Cycle 3: PE(1,1)
    # does its last MAC. Cycle 4: buffer captures row 1, row 0 shifts down; cycle 5: row 0.
    res = run_gemm(A22, B22, 2, 2, OS)
    np.testing.assert_array_equal(res.c, [[19, -10], [-13, 50]])
    assert res.fold_cycles == (6,)
    assert (res.macs, res.pe_busy_cycles) == (8, 8)
    assert (res.a_words, res.b_words, res.out_words) == (4, 4, 4)


def test_ws_2x2_hand_traced() -> None:
    # M=3, K=2, N=2. Cycles 0-1: preload B (row 1 first). Stream cycle s (= cycle 2+s): A[m,k]
    # enters row k at s=m+k; C[m,j] is in row 1's register at s=m+1+j and captured at s=m+2+j.
    # The last, C[2,1], is captured at s=5 = cycle 7 -> 8 cycles.
    a = np.array([[1, 2], [3, 4], [5, 6]])
    res = run_gemm(a, B22, 2, 2, WS)
    np.testing.assert_array_equal(res.c, a @ B22)
    assert res.total_cycles == 8
    assert (res.a_words, res.b_words, res.out_words, res.macs) == (6, 4, 6, 12)


def test_ws_edge_fold_psum_crosses_idle_rows() -> None:
    # 4x2 array, 1x1x1 GEMM: preload (cycle 0), MAC (1), rows 1..3 (2-4), capture (5).
    res = run_gemm(np.array([[3]]), np.array([[-4]]), 4, 2, WS)
    assert res.c.tolist() == [[-12]]
    assert res.total_cycles == 6


def test_os_edge_fold_drains_through_idle_rows() -> None:
    # 3x1 array, M=N=1, K=2: MACs in cycles 0-1, then 3 drain cycles to get below row 2.
    res = run_gemm(np.array([[2, 3]]), np.array([[4], [5]]), 3, 1, OS)
    assert res.c.tolist() == [[23]]
    assert res.total_cycles == 5


def test_is_folds_over_k_return_partial_sums_that_add_up() -> None:
    a = np.arange(15).reshape(3, 5) - 7
    b = np.arange(10).reshape(5, 2) * 3 - 11
    res = run_gemm(a, b, 2, 2, IS)  # K=5 on 2 rows -> row folds of 2, 2, 1
    assert [f.rows_used for f in res.folds] == [2, 2, 2, 2, 1, 1]
    total = np.zeros((3, 2), dtype=np.int64)
    for fold in res.folds:
        total[fold.c_rows, fold.c_cols] += fold.partial
    np.testing.assert_array_equal(total, a @ b)
    np.testing.assert_array_equal(res.c, a @ b)
    assert res.out_words == 3 * 2 * 3  # every output leaves once per K fold


@pytest.mark.parametrize(("dataflow", "mac_slots"), [(OS, 4 + 3), (WS, 5), (IS, 4 + 3)])
def test_constant_mac_hook_stretches_every_mac_slot(dataflow: Dataflow, mac_slots: int) -> None:
    # A (3x2) @ B (2x2) on 2x2. Skewed MACs occupy T+Sr+Sc-2 consecutive slots per fold:
    # OS folds (Sr,Sc,T) = (2,2,2), (1,2,2) -> 4 + 3; WS (2,2,3) -> 5; IS (2,2,2), (2,1,2) -> 4 + 3.
    # With every MAC lasting 3 cycles each of those slots costs 2 more; preload/drain do not.
    a, b = np.array([[1, 2], [3, 4], [5, 6]]), B22
    plain = run_gemm(a, b, 2, 2, dataflow)
    slow = run_gemm(a, b, 2, 2, dataflow, mac_cycles=lambda av, bv, mac: np.full(av.shape, 3))
    np.testing.assert_array_equal(slow.c, plain.c)
    assert slow.pe_busy_cycles == 3 * plain.macs == 3 * 12
    assert slow.total_cycles == plain.total_cycles + 2 * mac_slots


def test_value_dependent_hook_slot_lasts_as_long_as_its_longest_pulse() -> None:
    # 1x1 WS array: every stream slot has one MAC, a pulse of |w| cycles. K=1, N=1, M=2, w=-4:
    # preload 1 + two MAC slots of 4 + capture 1 = 10 cycles.
    def pulse(av: np.ndarray, bv: np.ndarray, mac: np.ndarray) -> np.ndarray:
        return np.maximum(np.abs(bv), 1)

    res = run_gemm(np.array([[2], [3]]), np.array([[-4]]), 1, 1, WS, mac_cycles=pulse)
    assert res.c.tolist() == [[-8], [-12]]
    assert (res.total_cycles, res.pe_busy_cycles) == (10, 8)


def test_hook_shorter_than_one_cycle_is_a_bug() -> None:
    with pytest.raises(SimulationError, match="shorter than one cycle"):
        run_gemm(A22, B22, 2, 2, OS, mac_cycles=lambda av, bv, mac: np.zeros(av.shape, int))


@pytest.mark.parametrize(
    ("a", "b", "rows", "dataflow", "match"),
    [
        (np.ones((2, 3), int), np.ones((2, 2), int), 2, OS, "cannot multiply"),
        (np.ones((2, 2)), np.ones((2, 2)), 2, OS, "integer"),
        (np.ones((2, 2), int), np.ones((2, 2), int), 0, OS, "positive int"),
        (np.ones((2, 2), int), np.ones((2, 2), int), 2, "os", "Dataflow"),
    ],
)
def test_bad_inputs_are_programmer_errors(
    a: np.ndarray, b: np.ndarray, rows: int, dataflow: Dataflow, match: str
) -> None:
    with pytest.raises(SimulationError, match=match):
        run_gemm(a, b, rows, 2, dataflow)
