"""The MiniLM accuracy harness: one calibration for every weight scheme, scale bits shown."""

from __future__ import annotations

import numpy as np
import pytest

from accelsim.quant.accuracy import (
    AccuracyRow,
    AccuracySettings,
    AccuracyTable,
    avg_scale_bits,
    render_markdown,
    weight_schemes,
)
from accelsim.quant.frontend import quantize_matrix


def test_default_keeps_the_historical_calibrations() -> None:
    schemes = weight_schemes(AccuracySettings())
    assert {k: o.calibration for k, o in schemes.items() if k != "fineq"} == dict.fromkeys(
        ("int8", "int4c", "int4g", "int3g"), "minmax")
    assert schemes["fineq"].fineq is None  # FineQConfig() default: MSE


@pytest.mark.parametrize("calibration", ["minmax", "mse"])
def test_one_calibration_for_every_scheme(calibration: str) -> None:
    schemes = weight_schemes(AccuracySettings(weight_calibration=calibration))
    assert all(o.calibration == calibration for o in schemes.values())
    fineq = schemes["fineq"].fineq
    assert fineq is not None and fineq.calibration == calibration


def test_scale_bits_count_one_scale_per_channel_or_group() -> None:
    w = np.random.default_rng(0).standard_normal((8, 128))
    schemes = weight_schemes(AccuracySettings())
    per_channel = {"c": quantize_matrix(w, schemes["int4c"])}
    per_group = {"g": quantize_matrix(w, schemes["int4g"])}  # groups of 64
    assert avg_scale_bits(per_channel, 16) == pytest.approx(16 / 128)
    assert avg_scale_bits(per_group, 16) == pytest.approx(16 / 64)


def test_markdown_shows_scale_bits_and_the_calibration() -> None:
    row = AccuracyRow("int4_group", "INT4 per-group (64)", "fp32", "fp32", "exact", 4.0,
                      0.95, 0.91, 0.25)
    text = render_markdown(AccuracyTable((row,), 60, 700, AccuracySettings(
        weight_calibration="mse"), ()))
    assert "| `int4_group` | INT4 per-group (64) | 4.00 | 0.250 | fp32 |" in text
    assert "every scheme mse-calibrated" in text
