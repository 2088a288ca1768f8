"""Uniform quantization: Krishnamoorthi's formulas, granularities, calibrations, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accelsim.errors import QuantError
from accelsim.quant.uniform import quantization_error, quantize_uniform


def test_symmetric_per_tensor_matches_hand_computed_codes() -> None:
    w = np.array([[-1.0, -0.5, 0.0, 0.26, 1.0]])
    qt = quantize_uniform(w, 3)  # Δ = 1 / 3, codes in -4..3
    assert qt.scale == pytest.approx(1 / 3)
    np.testing.assert_array_equal(qt.q, [[-3, -2, 0, 1, 3]])  # -1.5 rounds half to even
    assert qt.signed and int(qt.zero_point) == 0
    np.testing.assert_allclose(qt.dequantize(), [[-1, -2 / 3, 0, 1 / 3, 1]])


def test_affine_represents_zero_exactly_and_uses_full_unsigned_range() -> None:
    w = np.array([0.5, 1.0, 2.0, 3.5])  # range extended to include 0 -> [0, 3.5]
    qt = quantize_uniform(w, 4, symmetric=False)
    assert qt.scale == pytest.approx(3.5 / 15)
    assert int(qt.zero_point) == 0
    assert qt.q.min() >= 0 and qt.q.max() == 15 and not qt.signed
    w2 = np.array([-1.0, -0.2, 0.0, 2.0])
    qt2 = quantize_uniform(w2, 8, symmetric=False)
    zp = int(qt2.zero_point)
    assert zp == round(1.0 / (3.0 / 255))  # z = round(-x_min / Δ)
    assert qt2.dequantize()[2] == 0.0  # real zero is exact


@pytest.mark.parametrize("bits", [2, 4, 8])
@pytest.mark.parametrize("symmetric", [True, False])
def test_error_bounded_by_half_step_without_clipping(bits: int, symmetric: bool) -> None:
    rng = np.random.default_rng(bits)
    w = rng.standard_normal((16, 64))
    qt = quantize_uniform(w, bits, symmetric=symmetric, granularity="channel")
    err = np.abs(qt.dequantize() - w)
    assert np.all(err <= qt.expanded(qt.scale) / 2 + 1e-12)
    assert qt.q.min() >= qt.qmin and qt.q.max() <= qt.qmax


def test_channel_and_group_scales_have_the_documented_shapes() -> None:
    w = np.random.default_rng(0).standard_normal((8, 96))
    ch = quantize_uniform(w, 4, granularity="channel")
    gr = quantize_uniform(w, 4, granularity="group", group_size=32)
    assert ch.scale.shape == (8,) and gr.scale.shape == (8, 3)
    # each channel's own max maps to the largest code
    np.testing.assert_allclose(ch.scale, np.abs(w).max(axis=1) / 7)
    np.testing.assert_allclose(gr.scale, np.abs(w.reshape(8, 3, 32)).max(axis=2) / 7)


def test_finer_granularity_and_mse_calibration_reduce_error() -> None:
    rng = np.random.default_rng(1)
    w = rng.standard_normal((32, 256)) * rng.uniform(0.1, 3.0, (32, 1))  # per-row spreads
    mse = {g: quantization_error(w, quantize_uniform(w, 4, granularity=g, **kw))["mse"]
           for g, kw in (("tensor", {}), ("channel", {}), ("group", {"group_size": 32}))}
    assert mse["group"] < mse["channel"] < mse["tensor"]
    minmax = quantization_error(w, quantize_uniform(w, 3, granularity="channel"))["mse"]
    best = quantization_error(w, quantize_uniform(w, 3, granularity="channel",
                                                  calibration="mse"))["mse"]
    assert best < 0.9 * minmax


def test_percentile_clips_a_single_outlier() -> None:
    w = np.concatenate([np.linspace(-1, 1, 9999), [100.0]])
    qt = quantize_uniform(w, 8, calibration="percentile", percentile=99.9)
    assert qt.scale < 100 / 127 / 10  # the outlier no longer sets the scale
    assert qt.q.max() == 127  # ... and saturates


def test_quantization_error_reports_sqnr() -> None:
    w = np.array([1.0, -1.0, 0.5])
    exact = quantize_uniform(np.array([1.0, -1.0, 0.0]), 2)
    assert quantization_error(np.array([1.0, -1.0, 0.0]), exact)["sqnr_db"] == math.inf
    e = quantization_error(w, quantize_uniform(w, 2))
    assert e["mse"] == pytest.approx(0.25 / 3)  # 0.5 -> round(0.5) = 0
    assert e["sqnr_db"] == pytest.approx(10 * math.log10((2.25 / 3) / (0.25 / 3)))


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"bits": 9}, "bits"),
        ({"bits": 1}, "bits"),
        ({"bits": 4, "granularity": "row"}, "granularity"),
        ({"bits": 4, "calibration": "kl"}, "calibration"),
        ({"bits": 4, "granularity": "group", "group_size": 5}, "group_size"),
        ({"bits": 4, "granularity": "group", "group_size": 0}, "group_size"),
        ({"bits": 4, "granularity": "channel", "group_size": 4}, "group_size"),
        ({"bits": 4, "granularity": "channel", "axis": 2}, "axis"),
    ],
)
def test_bad_options_raise_quant_error_naming_the_parameter(kwargs: dict, key: str) -> None:
    with pytest.raises(QuantError) as info:
        quantize_uniform(np.ones((4, 8)), **kwargs)
    assert info.value.key_path == key


def test_nan_weights_are_rejected_with_the_tensor_name() -> None:
    with pytest.raises(QuantError, match=r"layer0\.weight: contains 1 NaN/Inf"):
        quantize_uniform(np.array([1.0, np.nan]), 8, name="layer0.weight")
