"""Dense GEMM partitions conserve MACs and move the bits each split implies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.config.system_spec import PrecisionSpec
from accelsim.mapping.partition import even_split, partition_gemm
from accelsim.workload.layers import GemmShape

P = PrecisionSpec(ifmap_bits=8, weight_bits=4, ofmap_bits=8, psum_bits=32)


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 300), n=st.integers(1, 300), k=st.integers(1, 300),
       count=st.integers(1, 3), chiplets=st.integers(1, 16), by=st.sampled_from("nmk"))
def test_conservation(m: int, n: int, k: int, count: int, chiplets: int, by: str) -> None:
    part = partition_gemm(GemmShape(m, n, k, count), chiplets, by, P)
    assert sum(s.macs for s in part.shares) == m * n * k * count
    assert len(part.shares) == min(chiplets, {"n": n, "m": m, "k": k}[by])
    weights = sum(s.weight_bits for s in part.shares)
    sent_a = sum(s.ifmap_bits for s in part.shares)
    others = len(part.shares) - 1
    if by == "m":  # every chiplet needs all weights; A's rows are sent once
        assert weights == len(part.shares) * k * n * 4 * count
        assert sent_a == (m - part.shares[0].gemm.m) * k * 8 * count
    else:         # weights are loaded once in all
        assert weights == k * n * 4 * count
    if by == "n":  # all of A goes to every other chiplet
        assert sent_a == others * m * k * 8 * count
    if by == "k":  # partial sums of M x N at psum width come back from every other chiplet
        assert sum(s.out_bits for s in part.shares) == others * m * n * 32 * count


def test_even_split_and_a_small_case() -> None:
    assert even_split(10, 4) == [3, 3, 2, 2]
    part = partition_gemm(GemmShape(4, 6, 8), 2, "n", P)
    assert [s.gemm for s in part.shares] == [GemmShape(4, 3, 8), GemmShape(4, 3, 8)]
    assert [(s.ifmap_bits, s.weight_bits, s.out_bits) for s in part.shares] == \
        [(0, 8 * 3 * 4, 0), (4 * 8 * 8, 8 * 3 * 4, 4 * 3 * 8)]


@pytest.mark.parametrize("by", ["n", "m", "k"])
def test_one_chiplet_moves_nothing(by: str) -> None:
    (share,) = partition_gemm(GemmShape(5, 7, 9), 1, by, P).shares
    assert (share.ifmap_bits, share.out_bits) == (0, 0)
