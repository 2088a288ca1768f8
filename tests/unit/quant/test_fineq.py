"""FineQ: cluster rule, container layout, average bits, decode, hardware magnitudes."""

from __future__ import annotations

import numpy as np
import pytest

from accelsim.errors import QuantError
from accelsim.quant.fineq import FineQConfig, fineq_decode, fineq_quantize
from accelsim.quant.uniform import quantization_error, quantize_uniform

MINMAX = FineQConfig(calibration="minmax")


def test_default_layout_is_one_byte_per_cluster() -> None:
    cfg = FineQConfig()
    assert (cfg.index_bits, cfg.outlier_field_bits, cfg.normal_bits) == (2, 2, 2)
    assert cfg.required_bits == 8 and cfg.container_width == 8
    assert cfg.bits_per_weight == pytest.approx(8 / 3)
    assert cfg.outlier_sets == ((), (0,), (1,), (2,))  # index 0 = none, 1..3 = member
    full = FineQConfig(outlier_code="full")  # 2 + 3 + 2 + 2 = 9 -> nibble-aligned 12
    assert full.required_bits == 9 and full.container_width == 12
    assert FineQConfig(outlier_code="full", align_bits=8).container_width == 16


def test_outlier_rule_on_a_hand_made_row() -> None:
    # scale = max|w| / 3 = 1 (minmax): clusters [3, 0.4, -0.6] [1, -1, 0.2] [-2.2, 2.4, 0.1]
    w = np.array([[3.0, 0.4, -0.6, 1.0, -1.0, 0.2, -2.2, 2.4, 0.1]])
    t = fineq_quantize(w, MINMAX)
    assert float(t.scale.squeeze()) == pytest.approx(1.0)
    np.testing.assert_array_equal(t.q, [[3, 0, -1, 1, -1, 0, -1, 2, 0]])
    # first cluster: member 0 is the outlier; second: none needed; third: only the largest
    # member (2.4) gets 3 bits, -2.2 saturates to the normal range
    np.testing.assert_array_equal(t.outlier, [[1, 0, 0, 0, 0, 0, 0, 1, 0]])
    assert t.outlier_fraction == pytest.approx(2 / 3)


def test_container_bits_of_a_hand_made_cluster() -> None:
    w = np.array([[3.0, 0.4, -0.6, 1.0, -1.0, 0.2, -2.2, 2.4, 0.1]])
    c = fineq_quantize(w, MINMAX).encode()
    # LSB first: index(2) | f0(2) | f1(2) | f2(2); sign-magnitude fields, outlier = sign|(|q|-2)
    # cluster 0: index 1, f0 = +3 -> 0b01, f1 = 0 -> 0b00, f2 = -1 -> 0b11
    # cluster 1: index 0, f0 = +1 -> 0b01, f1 = -1 -> 0b11, f2 = 0
    # cluster 2: index 2, f0 = -1 -> 0b11, f1 = +2 -> 0b00, f2 = 0
    expect = [0b11_00_01_01, 0b00_11_01_00, 0b00_00_11_10]
    assert c.dtype == np.uint8
    np.testing.assert_array_equal(c, [expect])
    decoded = fineq_decode(c, MINMAX, w.shape)
    np.testing.assert_array_equal(decoded, [[3, 0, -1, 1, -1, 0, -1, 2, 0]])


def test_magnitudes_are_pulse_lengths_within_the_outlier_range() -> None:
    w = np.random.default_rng(0).standard_normal((16, 96))
    t = fineq_quantize(w)
    mags = t.magnitudes()
    assert mags.dtype == np.uint8 and mags.max() == 3
    np.testing.assert_array_equal(mags, np.abs(t.q))
    assert np.all(mags[~t.outlier] <= 1) and np.all(mags[t.outlier] >= 2)


def test_fineq_beats_int2_at_two_and_two_thirds_bits() -> None:
    w = np.random.default_rng(1).standard_normal((64, 384))
    t = fineq_quantize(w)
    assert t.avg_bits_per_weight == pytest.approx(8 / 3)
    fine = quantization_error(w, t)["sqnr_db"]
    int2 = quantization_error(w, quantize_uniform(w, 2, granularity="channel",
                                                  calibration="mse"))["sqnr_db"]
    assert fine > int2 + 2.0
    assert quantization_error(w, fineq_quantize(w, MINMAX))["sqnr_db"] < fine  # MSE scale helps


def test_ragged_rows_are_padded_and_group_scales_work() -> None:
    w = np.random.default_rng(2).standard_normal((4, 10))  # 10 = 3 + 3 + 3 + 1
    t = fineq_quantize(w)
    c = t.encode()
    assert c.shape == (4, 4) and t.avg_bits_per_weight == pytest.approx(4 * 8 / 10)
    np.testing.assert_array_equal(fineq_decode(c, t.cfg, w.shape), t.q)
    g = fineq_quantize(np.random.default_rng(3).standard_normal((4, 12)),
                       FineQConfig(scale_group_size=6))
    assert g.scale.shape == (4, 2) and g.dequantize().shape == (4, 12)


def test_clusters_along_another_axis() -> None:
    w = np.random.default_rng(5).standard_normal((10, 4))  # input dim first
    t = fineq_quantize(w, axis=0)
    assert t.scale.shape == (1, 4) and t.encode().shape == (4, 4)
    np.testing.assert_array_equal(fineq_decode(t.encode(), t.cfg, w.shape, axis=0), t.q)
    np.testing.assert_array_equal(fineq_quantize(w.T).q, t.q.T)


def test_ratio_rule_allows_fewer_outliers_than_max_abs() -> None:
    w = np.random.default_rng(4).standard_normal((32, 96))
    base = fineq_quantize(w, MINMAX)
    ratio = fineq_quantize(w, FineQConfig(calibration="minmax", outlier_rule="ratio"))
    assert ratio.outlier.sum() < base.outlier.sum()
    assert np.all(ratio.outlier <= base.outlier)  # a subset: same scale, stricter test


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"cluster_size": 0}, "cluster_size"),
        ({"normal_bits": 9}, "normal_bits"),
        ({"outlier_bits": 2}, "outlier_bits"),
        ({"max_outliers_per_cluster": 4}, "max_outliers_per_cluster"),
        ({"outlier_rule": "random"}, "outlier_rule"),
        ({"container_bits": 7}, "container_bits"),
        ({"scale_group_size": 4}, "scale_group_size"),
        ({"cluster_size": 16, "normal_bits": 4, "outlier_bits": 8,
          "max_outliers_per_cluster": 8, "outlier_code": "full"}, "cluster_size"),
    ],
)
def test_bad_config_raises_quant_error(kwargs: dict, key: str) -> None:
    with pytest.raises(QuantError) as info:
        FineQConfig(**kwargs)
    assert info.value.key_path == key


def test_bad_inputs_raise_quant_error() -> None:
    with pytest.raises(QuantError, match="NaN"):
        fineq_quantize(np.array([[1.0, np.inf, 0.0]]))
    with pytest.raises(QuantError, match="does not divide"):
        fineq_quantize(np.ones((2, 9)), FineQConfig(scale_group_size=6))
    with pytest.raises(QuantError, match="containers"):
        fineq_decode(np.zeros((2, 3), np.uint8), FineQConfig(), (2, 12))
    corrupt = np.full((1, 1), 0b11, np.uint8)  # index 3 is fine; 2-member sets are not allowed
    assert fineq_decode(corrupt, FineQConfig(), (1, 3)).shape == (1, 3)
    with pytest.raises(QuantError, match="corrupt"):
        fineq_decode(np.full((1, 1), 0b1111, np.uint8), FineQConfig(max_outliers_per_cluster=2,
                                                                   cluster_size=3), (1, 3))
