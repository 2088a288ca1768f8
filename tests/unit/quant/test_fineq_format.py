"""FineQ formats: level sets, code counts (information vs stored bits), enumerated packing, the
named readings and the user overrides."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accelsim.errors import QuantError
from accelsim.quant.fineq import FineQConfig, fineq_decode, fineq_quantize
from accelsim.quant.fineq_format import (
    DEFAULT_FORMAT,
    FORMATS,
    build_config,
    describe,
    named_format,
    parse_overrides,
)


def test_default_uses_135_of_256_codes() -> None:
    cfg = FineQConfig()
    assert named_format(DEFAULT_FORMAT).config == cfg
    assert cfg.normal_levels == (-1, 0, 1) and cfg.outlier_only_levels == (-3, -2, 2, 3)
    # 3^3 clusters without an outlier + 3 positions x 4 outlier values x 3^2
    assert cfg.value_count == 27 + 3 * 4 * 9 == 135 == cfg.code_count
    assert cfg.container_width == 8 and cfg.value_bits == 3
    assert cfg.information_bits_per_weight == pytest.approx(math.log2(135) / 3)  # 2.36 of 2.67


def test_full_code_has_redundant_codes_but_the_same_values() -> None:
    full = FineQConfig(outlier_code="full")
    assert full.value_count == 135 and full.code_count == 27 + 3 * 7 * 9
    w = np.random.default_rng(0).standard_normal((8, 96))
    np.testing.assert_array_equal(fineq_quantize(w, full).q, fineq_quantize(w).q)


def test_explicit_levels_round_to_the_nearest_level() -> None:
    # outlier levels +-4, +-8 only (not a contiguous range): 2.9 -> 4 (outlier), 6.1 -> 8
    cfg = FineQConfig(outlier_magnitudes=(4, 8), calibration="minmax")
    w = np.array([[8.0, 0.3, -2.9, 6.1, 1.2, 0.0]])
    t = fineq_quantize(w, cfg)
    assert float(t.scale.squeeze()) == pytest.approx(1.0)  # max|w| / 8
    np.testing.assert_array_equal(t.q, [[8, 0, -1, 8, 1, 0]])
    # in the first cluster only the largest member may be the outlier: -2.9 saturates to -1
    np.testing.assert_array_equal(t.outlier, [[1, 0, 0, 1, 0, 0]])
    assert cfg.value_bits == 5  # sign + 4 magnitude bits for 8


@pytest.mark.parametrize("fmt", [f.name for f in FORMATS])
def test_every_named_format_round_trips(fmt: str) -> None:
    cfg = named_format(fmt).config
    w = np.random.default_rng(1).standard_t(3, (6, 30))
    t = fineq_quantize(w, cfg)
    c = t.encode()
    assert cfg.value_count <= cfg.code_count <= 2 ** cfg.container_width
    assert int(c.max()) < (cfg.value_count if cfg.packing == "enumerated"
                           else 2 ** cfg.container_width)
    q, out = fineq_decode(c, cfg, w.shape, return_outliers=True)
    np.testing.assert_array_equal(q, t.q)
    np.testing.assert_array_equal(out, t.outlier)
    assert np.abs(t.q).max() <= cfg.outlier_max < 2 ** (cfg.value_bits - 1)


def test_enumerated_packing_fits_wider_outliers_in_a_byte() -> None:
    wide = named_format("wide8").config
    assert wide.value_count == 27 + 3 * 8 * 9 == 243 and wide.container_width == 8
    assert wide.bits_per_weight == pytest.approx(8 / 3) and wide.index_bits == 0
    w = np.random.default_rng(2).standard_t(3, (32, 384))  # heavy tails: outliers need range
    err = {n: np.mean((fineq_quantize(w, named_format(n).config).dequantize() - w) ** 2)
           for n in ("offset8", "wide8")}
    assert err["wide8"] < 0.8 * err["offset8"]  # the 108 unused codes buy range, same bits
    with pytest.raises(QuantError, match="corrupt"):
        fineq_decode(np.full((1, 1), 250, np.uint8), wide, (1, 3))


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [({"normal_magnitudes": (1, 2)}, "normal_magnitudes"),
     ({"outlier_magnitudes": (3, 2)}, "outlier_magnitudes"),
     ({"outlier_magnitudes": (0, 1)}, "outlier_magnitudes"),
     ({"outlier_magnitudes": (200,)}, "outlier_magnitudes"),
     ({"packing": "dense"}, "packing"),
     ({"mse_min_ratio": 0.0}, "mse_min_ratio"),
     ({"scale_bits": -1}, "scale_bits")],
)
def test_bad_level_sets_and_packings_are_named(kwargs: dict, key: str) -> None:
    with pytest.raises(QuantError) as info:
        FineQConfig(**kwargs)
    assert info.value.key_path == key


def test_overrides_are_typed_and_checked() -> None:
    got = parse_overrides(["packing=enumerated", "outlier_magnitudes=2,3,4,5", "align_bits=8"])
    assert got == {"packing": "enumerated", "outlier_magnitudes": (2, 3, 4, 5), "align_bits": 8}
    assert build_config("offset8", got) == named_format("wide8").config
    with pytest.raises(QuantError, match="did you mean 'packing'"):
        parse_overrides(["pakcing=fields"])
    with pytest.raises(QuantError, match="integers"):
        parse_overrides(["outlier_magnitudes=2,x"])
    with pytest.raises(QuantError, match="did you mean 'wide8'") as info:
        named_format("wide")
    assert info.value.key_path == "--fineq-format"
    with pytest.raises(QuantError) as bad:
        build_config("offset8", {"container_bits": 4})
    assert bad.value.key_path == "--fineq container_bits"


def test_describe_says_levels_packing_and_codes() -> None:
    assert describe(FineQConfig()) == ("normal {-1,0,1}, outlier {-3,-2,2,3}, <= 1 per 3, "
                                       "fields in 8 bits (135 of 256 codes)")
    assert "outlier {}" in describe(named_format("no_outliers").config)
