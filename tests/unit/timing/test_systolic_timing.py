"""Closed-form systolic timing: hand-computed cases, edge folds, large layers, input checks."""

from __future__ import annotations

import itertools
import math

import pytest

from accelsim.errors import SimulationError
from accelsim.timing import (
    FoldShape,
    FoldWords,
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
    spatial_dims,
)
from accelsim.types import Dataflow
from accelsim.workload.layers import Conv2dLayer

OS, WS, IS = Dataflow.OS, Dataflow.WS, Dataflow.IS


def test_spatial_dims_follow_the_scalesim_mapping() -> None:
    assert spatial_dims(OS, m=5, n=6, k=7) == (5, 6, 7)  # rows<-M, cols<-N, time<-K
    assert spatial_dims(WS, m=5, n=6, k=7) == (7, 6, 5)  # rows<-K, cols<-N, time<-M
    assert spatial_dims(IS, m=5, n=6, k=7) == (7, 5, 6)  # rows<-K, cols<-M, time<-N


def test_fold_shapes_split_full_and_edge_folds() -> None:
    # WS, K=10 on 4 rows -> 2 full + edge of 2; N=7 on 3 cols -> 2 full + edge of 1; T=M=9.
    assert fold_shapes(WS, 4, 3, m=9, n=7, k=10) == (
        FoldShape(4, 3, 9, 4),
        FoldShape(4, 1, 9, 2),
        FoldShape(2, 3, 9, 2),
        FoldShape(2, 1, 9, 1),
    )
    # Array larger than the layer: one edge fold only.
    assert fold_shapes(OS, 8, 8, m=3, n=2, k=5) == (FoldShape(3, 2, 5, 1),)
    # Exact multiples: no edge folds.
    assert fold_shapes(IS, 2, 2, m=4, n=3, k=6) == (FoldShape(2, 2, 3, 6),)


def test_os_full_fold_hand_computed_equals_scalesim() -> None:
    # 2x2 array, M=N=K=2. A[i,t] and B[t,j] meet in PE(i,j) in cycle t+i+j, so the last MAC is
    # PE(1,1) in cycle 3 (4 compute cycles). Drain: cycle 4 captures row 1 below the bottom
    # edge while row 0 shifts down, cycle 5 captures row 0 -> 6 cycles = 2Sr+Sc+T-2.
    fold = FoldShape(2, 2, 2, 1)
    assert fold_cycles(2, 2, fold, OS) == 6 == 2 * 2 + 2 + 2 - 2


def test_ws_full_fold_hand_computed_is_scalesim_plus_one() -> None:
    # 2x2 array, M=3, K=2, N=2 (Sr=2, Sc=2, T=3). Cycles 0-1 shift the B tile in from the top.
    # Stream cycle s = cycle 2+s: A[m,k] enters row k in s=m+k and reaches PE(k,j) in s=m+k+j.
    # C[2,1] is complete in PE(1,1)'s register at s=2+1+1=4 (cycle 6); the output buffer
    # captures it from the bottom row in cycle 7 -> 8 cycles, SCALE-Sim's 2*2+2+3-2=7 plus one.
    fold = FoldShape(2, 2, 3, 1)
    assert fold_cycles(2, 2, fold, WS) == 8
    assert fold_cycles(2, 2, fold, IS) == 8


def test_edge_fold_pays_for_the_idle_rows_it_crosses() -> None:
    # WS on a 4x2 array, one used PE, T=1: preload cycle 0, MAC in cycle 1, the psum crosses
    # rows 1, 2, 3 (cycles 2-4) and is captured in cycle 5 -> 6 cycles.
    assert fold_cycles(4, 2, FoldShape(1, 1, 1, 1), WS) == 6
    # OS on a 3x1 array, one PE, K=2: MACs in cycles 0-1; the result needs 3 drain cycles
    # (row 0 -> row 1 -> row 2 -> buffer) -> 5 cycles.
    assert fold_cycles(3, 1, FoldShape(1, 1, 2, 1), OS) == 5


def test_idle_columns_cost_nothing() -> None:
    fold = FoldShape(3, 2, 5, 1)
    for dataflow in Dataflow:
        assert fold_cycles(3, 2, fold, dataflow) == fold_cycles(3, 9, fold, dataflow)


@pytest.mark.parametrize("dataflow", list(Dataflow))
def test_fold_cycles_formulas(dataflow: Dataflow) -> None:
    for rows, cols, sr, sc, t in itertools.product(range(1, 5), range(1, 4), *[range(1, 4)] * 3):
        if sr > rows or sc > cols:
            continue
        base = t + sr + sc + rows - 2
        expected = base if dataflow is OS else base + 1
        assert fold_cycles(rows, cols, FoldShape(sr, sc, t, 1), dataflow) == expected


def test_gemm_cycles_sum_the_fold_shapes_times_counts() -> None:
    # WS 4x3 array, M=9, N=7, K=10: T+Sr+Sc+R-1 per fold.
    expected = 4 * (9 + 4 + 3 + 4 - 1) + 2 * (9 + 4 + 1 + 4 - 1)
    expected += 2 * (9 + 2 + 3 + 4 - 1) + 1 * (9 + 2 + 1 + 4 - 1)
    assert gemm_compute_cycles(WS, 4, 3, m=9, n=7, k=10) == expected == 159


def test_operand_words_per_dataflow() -> None:
    fold = FoldShape(rows_used=3, cols_used=2, stream_len=5, count=1)
    assert fold_operand_words(fold, OS) == FoldWords(a_words=15, b_words=10, out_words=6)
    assert fold_operand_words(fold, WS) == FoldWords(a_words=15, b_words=6, out_words=10)
    assert fold_operand_words(fold, IS) == FoldWords(a_words=6, b_words=15, out_words=10)


def test_gemm_words_count_reloads_and_partial_sums() -> None:
    # WS, K=10 over 4 rows -> 3 row folds: every output word leaves 3 times as a partial sum,
    # every weight enters once, A is streamed once per column fold (N=7 over 3 cols -> 3).
    words = gemm_operand_words(WS, 4, 3, m=9, n=7, k=10)
    assert words == FoldWords(a_words=9 * 10 * 3, b_words=10 * 7, out_words=9 * 7 * 3)


@pytest.mark.parametrize("dataflow", list(Dataflow))
def test_macs_busy_and_utilization(dataflow: Dataflow) -> None:
    m, n, k, rows, cols = 9, 7, 10, 4, 3
    assert gemm_macs(dataflow, rows, cols, m, n, k) == m * n * k
    assert gemm_pe_busy_cycles(dataflow, rows, cols, m, n, k) == m * n * k
    cycles = gemm_compute_cycles(dataflow, rows, cols, m, n, k)
    assert gemm_utilization(dataflow, rows, cols, m, n, k) == m * n * k / (rows * cols * cycles)
    assert fold_macs(FoldShape(2, 3, 4, 9)) == 24 == fold_pe_busy_cycles(FoldShape(2, 3, 4, 9))


def _resnet18_layers() -> list[Conv2dLayer]:
    """ResNet-18 convolutions (224x224 input), downsampling 1x1 convs included."""
    layers = [Conv2dLayer("conv1", 224, 224, 3, 7, 7, 64, 2, 2, 3, 3)]
    size, channels = 56, 64
    for stage, out_ch in enumerate((64, 128, 256, 512)):
        stride = 1 if stage == 0 else 2
        out = size // stride
        layers.append(Conv2dLayer(f"s{stage}a", size, size, channels, 3, 3, out_ch, stride,
                                  stride, 1, 1))
        if stride == 2:
            layers.append(Conv2dLayer(f"s{stage}ds", size, size, channels, 1, 1, out_ch, 2, 2))
        layers += [Conv2dLayer(f"s{stage}{i}", out, out, out_ch, 3, 3, out_ch, 1, 1, 1, 1)
                   for i in range(3)]
        size, channels = out, out_ch
    return layers


def _cycles_by_enumeration(dataflow: Dataflow, rows: int, cols: int, m: int, n: int,
                           k: int) -> int:
    """Independent check: walk every fold (O(folds)) instead of the <=4 distinct shapes."""
    dim_r, dim_c, t = spatial_dims(dataflow, m, n, k)
    total = 0
    for r0 in range(0, dim_r, rows):
        for c0 in range(0, dim_c, cols):
            sr, sc = min(rows, dim_r - r0), min(cols, dim_c - c0)
            total += t + sr + sc + rows - 2 + (dataflow is not OS)
    return total


def test_resnet18_conv1_on_32x32_hand_computed() -> None:
    gemm = _resnet18_layers()[0].gemm()
    assert (gemm.m, gemm.n, gemm.k) == (112 * 112, 64, 147)
    # OS: 392 x 2 full folds, T=147: 784 * (147+32+32+32-2).
    assert gemm_compute_cycles(OS, 32, 32, gemm.m, gemm.n, gemm.k) == 784 * 241 == 188_944
    # WS: K=147 -> 4 full rows + edge of 19; N=64 -> 2 full; T=M=12544.
    ws = 8 * (12544 + 32 + 32 + 32 - 1) + 2 * (12544 + 19 + 32 + 32 - 1)
    assert gemm_compute_cycles(WS, 32, 32, gemm.m, gemm.n, gemm.k) == ws == 126_364
    # IS: K -> 4 full + 19; M=12544 -> 392 full columns; T=N=64.
    is_ = 1568 * (64 + 32 + 32 + 32 - 1) + 392 * (64 + 19 + 32 + 32 - 1)
    assert gemm_compute_cycles(IS, 32, 32, gemm.m, gemm.n, gemm.k) == is_ == 306_544


def test_resnet18_on_32x32_matches_enumeration() -> None:
    """Every dataflow on every ResNet-18 GEMM: the closed form equals the enumeration. (Its
    speed is measured in bench/, never in a timed test: these machines are shared.)"""
    gemms = [layer.gemm() for layer in _resnet18_layers()]
    assert len(gemms) == 20
    cases = [(df, g.m, g.n, g.k) for df in Dataflow for g in gemms]
    for df, m, n, k in cases:
        cycles = gemm_compute_cycles(df, 32, 32, m, n, k)
        assert cycles == _cycles_by_enumeration(df, 32, 32, m, n, k)
        lower = math.ceil(m * n * k / (32 * 32))  # no schedule beats perfect PE use
        assert cycles > lower


@pytest.mark.parametrize(
    "args",
    [(0, 4, 3, 3, 3), (4, -1, 3, 3, 3), (4, 4, 0, 3, 3), (4, 4, 3, 2.5, 3), (4, 4, 3, 3, True)],
)
def test_non_positive_or_non_int_sizes_are_programmer_errors(args: tuple) -> None:
    with pytest.raises(SimulationError, match="positive int"):
        gemm_compute_cycles(WS, *args)


def test_fold_larger_than_array_and_bad_dataflow_are_rejected() -> None:
    with pytest.raises(SimulationError, match="3x2 PEs of a 2x2 array"):
        fold_cycles(2, 2, FoldShape(3, 2, 4, 1), OS)
    with pytest.raises(SimulationError, match="Dataflow"):
        spatial_dims("ws", 1, 1, 1)  # type: ignore[arg-type]
