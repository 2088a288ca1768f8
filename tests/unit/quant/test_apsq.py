"""APSQ: additive requantization of K-tiled partial sums with power-of-two scales."""

from __future__ import annotations

import numpy as np
import pytest

from accelsim.errors import QuantError
from accelsim.quant.apsq import (
    apsq_error_table,
    apsq_matmul,
    bert_like_operands,
    format_apsq_table,
    pow2_exponent,
)

A1 = np.ones((1, 4), dtype=np.int64)
B20 = np.full((4, 1), 20, dtype=np.int64)  # every tile adds p_k = 20; exact sum 80


@pytest.mark.parametrize(("gs", "expect_codes"), [(1, 4), (2, 6), (4, 5)])
def test_hand_computed_int4_recurrence(gs: int, expect_codes: int) -> None:
    # max stored running sum 80, INT4 max 7 -> s = 2^4 (7·16 = 112 >= 80 > 7·8)
    # gs=1: (0+20+8)>>4=1, (16+20+8)>>4=2, (32+20+8)>>4=3, (48+20+8)>>4=4  -> 64
    # gs=2: (0+40+8)>>4=3, (48+40+8)>>4=6                                 -> 96
    # gs=4: (80+8)>>4=5                                                    -> 80 (exact)
    r = apsq_matmul(A1, B20, k_tile=1, psum_bits=4, group_size=gs)
    assert int(r.scale_exp) == 4
    assert int(r.out_codes[0, 0]) == expect_codes
    assert r.out[0, 0] == expect_codes * 16 and r.exact[0, 0] == 80
    assert r.num_requantizations == 4 // gs and r.num_tiles == 4


def test_wide_psum_with_unit_scale_is_exact() -> None:
    a, b = bert_like_operands((8, 100, 12), seed=1)
    r = apsq_matmul(a, b, k_tile=16, psum_bits=32, group_size=1)
    assert int(r.scale_exp) == 0 and r.saturations == 0
    np.testing.assert_array_equal(r.out_codes, a.astype(np.int64) @ b.astype(np.int64))
    assert r.mse == 0.0 and r.num_requantizations == 7  # ceil(100 / 16)


def test_quantize_once_is_plain_output_quantization() -> None:
    a, b = bert_like_operands((16, 96, 24), seed=2)
    r = apsq_matmul(a, b, k_tile=8, psum_bits=8, group_size=12)  # 12 tiles = whole K
    e = int(r.scale_exp)
    exact = a.astype(np.int64) @ b.astype(np.int64)
    np.testing.assert_array_equal(r.out_codes, np.clip((exact + (1 << (e - 1))) >> e, -128, 127))
    assert r.max_abs_error <= 2 ** (e - 1)


def test_error_falls_with_group_size_and_psum_bits() -> None:
    rows = apsq_error_table(shape=(32, 256, 64), k_tile=16, seed=0)
    err = {(r.psum_bits, r.group_size): r.rel_rmse for r in rows}
    for bits in (4, 6, 8):
        chain = [err[(bits, gs)] for gs in (1, 2, 4, 8, None)]
        assert all(x > y for x, y in zip(chain, chain[1:], strict=False))
    for gs in (1, 2, 4, 8, None):
        assert err[(4, gs)] > err[(6, gs)] > err[(8, gs)]
    assert err[(8, 1)] < 0.15 and err[(8, None)] < 0.02
    table = format_apsq_table(rows)
    assert table.count("\n") == len(rows) + 1 and "| INT8 | all (once) | 1 |" in table


def test_channel_scales_are_powers_of_two_per_column() -> None:
    a, b = bert_like_operands((8, 64, 5), seed=3)
    b = b * np.array([1, 1, 1, 1, 0])  # one all-zero column
    r = apsq_matmul(a, b, k_tile=8, psum_bits=8, scale_mode="pow2_channel")
    assert r.scale_exp.shape == (5,) and int(r.scale_exp[4]) == 0
    assert np.all(r.out[:, 4] == 0)
    shared = apsq_matmul(a, b, k_tile=8, psum_bits=8)
    assert np.all(r.scale_exp <= shared.scale_exp)


def test_pow2_exponent_is_the_smallest_that_fits() -> None:
    m = np.array([0, 1, 127, 128, 254, 255, 10**9])
    e = pow2_exponent(m, 8)
    assert np.all(127 << e >= m)
    assert np.all((e == 0) | (127 << np.maximum(e - 1, 0) < m))
    np.testing.assert_array_equal(e[:6], [0, 0, 0, 1, 1, 2])


def test_bad_inputs_raise_quant_error() -> None:
    with pytest.raises(QuantError, match="inner dimensions"):
        apsq_matmul(np.ones((2, 3), int), np.ones((4, 2), int), k_tile=2)
    with pytest.raises(QuantError, match="integer"):
        apsq_matmul(np.ones((2, 3)), np.ones((3, 2), int), k_tile=2)
    with pytest.raises(QuantError) as info:
        apsq_matmul(np.ones((2, 3), int), np.ones((3, 2), int), k_tile=0)
    assert info.value.key_path == "k_tile"
    with pytest.raises(QuantError, match="scale mode"):
        apsq_matmul(np.ones((2, 3), int), np.ones((3, 2), int), k_tile=1, scale_mode="lsq")
    with pytest.raises(QuantError) as info:
        apsq_matmul(np.ones((2, 3), int), np.ones((3, 2), int), k_tile=1, psum_bits=1)
    assert info.value.key_path == "psum_bits"
