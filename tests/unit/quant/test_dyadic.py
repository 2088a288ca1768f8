"""Dyadic requantization: (m0, shift) pairs and the integer-only rescaling pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from accelsim.errors import QuantError
from accelsim.quant.dyadic import dyadic_from_real, dyadic_from_real_array, requantize_int


@pytest.mark.parametrize("m", [0.5, 0.25, 1e-3, 0.0123456, 0.9999999, 1.7])
def test_dyadic_pair_is_normalized_and_accurate(m: float) -> None:
    m0, shift = dyadic_from_real(m, bits=31)
    assert 2**30 <= m0 < 2**31  # all 31 bits used
    assert abs(m0 / 2**shift - m) <= m * 2.0**-31


def test_powers_of_two_are_exact_and_zero_is_zero() -> None:
    assert dyadic_from_real(0.5, bits=8) == (128, 8)
    assert dyadic_from_real(0.0) == (0, 0)
    m0, shift = dyadic_from_real(0.75, bits=2)
    assert (m0, shift) == (3, 2)


def test_tiny_multiplier_gives_up_precision_not_range() -> None:
    m0, shift = dyadic_from_real(3e-12)
    assert shift == 62 and m0 / 2**shift == pytest.approx(3e-12, rel=1e-6)


def test_requantize_matches_hand_computed_example() -> None:
    acc = np.array([-1000, -3, 0, 5, 150, 123456], dtype=np.int64)
    m0, shift = dyadic_from_real(0.01)
    out = requantize_int(acc, m0, shift, 3, out_bits=8, signed=True)
    np.testing.assert_array_equal(out, [-7, 3, 3, 3, 5, 127])  # 1.5 -> 2 (half up), clamp
    assert out.dtype == np.int64


def test_per_channel_multipliers_broadcast_on_the_last_axis() -> None:
    acc = np.arange(-6, 6, dtype=np.int32).reshape(3, 4) * 100
    m = np.array([0.01, 0.02, 0.05, 0.1])
    m0, shift = dyadic_from_real_array(m)
    out = requantize_int(acc, m0, shift, np.array([0, 1, 2, 3]), out_bits=8, signed=False)
    expect = np.clip(np.floor(acc * m + 0.5) + [0, 1, 2, 3], 0, 255)
    np.testing.assert_array_equal(out, expect)


def test_requantize_rejects_floats_and_overflow() -> None:
    with pytest.raises(QuantError, match="acc"):
        requantize_int(np.array([1.5]), 1, 0, 0, 8, True)
    with pytest.raises(QuantError, match="int64"):
        requantize_int(np.array([2**40]), 2**30, 31, 0, 8, True)
    with pytest.raises(QuantError) as info:
        requantize_int(np.array([1]), 1, 0, 0, 40, True)
    assert info.value.key_path == "out_bits"


def test_bad_multiplier_raises() -> None:
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(QuantError):
            dyadic_from_real(bad)
    with pytest.raises(QuantError, match="left shift"):
        dyadic_from_real(2.0**40, bits=31)
