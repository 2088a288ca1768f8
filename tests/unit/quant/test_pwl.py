"""GQA-LUT: published test vectors, integer-only evaluation, genetic breakpoint search."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accelsim.errors import QuantError
from accelsim.quant.pwl import (
    FUNCTIONS,
    evaluate_pwl_float,
    evaluate_pwl_int,
    fit_pwl_genetic,
    format_pwl_table,
    published_table,
    pwl_errors,
)

GELU = published_table("gelu")
EXP = published_table("exp")


def test_published_tables_are_int8_fixed_point() -> None:
    for t in (GELU, EXP):
        assert t.n_segments == 8 and t.breakpoints.size == 7 and t.fits_coef_bits
        np.testing.assert_array_equal(t.slopes_int / 64, t.slopes)  # exact 1|1|6 values
        np.testing.assert_array_equal(t.breakpoints_int[6], t.breakpoints * 64)
    np.testing.assert_array_equal(GELU.slopes_int, [0, -2, -7, 3, 23, 48, 69, 64])
    np.testing.assert_array_equal(GELU.intercepts_int, [0, -6, -17, -8, 0, -1, -14, 0])
    np.testing.assert_array_equal(GELU.breakpoints_int[6], [-193, -141, -57, -27, 2, 40, 179])


@pytest.mark.parametrize(
    ("q", "acc"),
    [
        (64, 69 * 64 - 14 * 64),  # x = 1: segment 6, 1.078125 - 0.21875 = 0.859375
        (-128, -7 * -128 - 17 * 64),  # x = -2: segment 2, 0.21875 - 0.265625
        (0, 0),  # segment 4 through the origin
        (2, 23 * 2),  # x = 0.03125 is a breakpoint: it belongs to the lower segment (4)
        (-27, 3 * -27 - 8 * 64),  # x = -0.421875, breakpoint of segments 3/4 -> segment 3
        (-200, 0),  # below -3.015625: GELU ~ 0
    ],
)
def test_gelu_integer_path_matches_hand_derivation(q: int, acc: int) -> None:
    y = evaluate_pwl_int(np.array([q]), GELU, -6, keep_frac_bits=6)
    assert int(y[0]) == acc
    assert evaluate_pwl_float(q / 64, GELU) == pytest.approx(acc / 4096, abs=0)


def test_gelu_rounding_shift_back_to_input_scale() -> None:
    y = evaluate_pwl_int(np.array([64, -128]), GELU, -6)  # keep_frac_bits = 0
    np.testing.assert_array_equal(y, [55, -3])  # 3520/64 = 55; -192/64 = -3
    assert y[1] * 2.0**-6 == pytest.approx(-0.046875)


def test_gelu_is_identity_above_the_last_breakpoint() -> None:
    q = np.arange(91, 128)  # p = 5: last threshold round(2.796875 * 32) = 90
    np.testing.assert_array_equal(evaluate_pwl_int(q, GELU, -5), q)


def test_exp_table_properties() -> None:
    for p in range(7):  # exp(0) = 1 at every input scale
        y = evaluate_pwl_int(np.array([0]), EXP, -p)
        assert int(y[0]) * 2.0**-p == 1.0
    assert int(evaluate_pwl_int(np.array([-128]), EXP, -4)[0]) == 0  # x = -8 -> 0
    y = evaluate_pwl_int(np.array([-128]), EXP, -6, keep_frac_bits=6)  # x = -2 (a breakpoint)
    assert int(y[0]) == 7 * -128 + 23 * 64  # 0.140625
    x = np.arange(-8, 0, 1e-3)
    assert np.max(np.abs(evaluate_pwl_float(x, EXP) - np.exp(x))) < 0.013


def test_error_report_of_published_gelu() -> None:
    row = pwl_errors(GELU, source="published")
    assert row.input_scale_exp == -5
    assert row.max_abs_float == pytest.approx(0.0242, abs=5e-4)
    assert row.mean_abs_float < 0.007 and row.max_abs_int < 0.03
    assert "| gelu | 8 | published |" in format_pwl_table([row])


def test_genetic_fit_is_seeded_and_improves_on_its_start() -> None:
    t = fit_pwl_genetic("gelu", 8, population=16, generations=40, seed=3)
    again = fit_pwl_genetic("gelu", 8, population=16, generations=40, seed=3)
    np.testing.assert_array_equal(t.breakpoints, again.breakpoints)
    initial = fit_pwl_genetic("gelu", 8, population=16, generations=0, seed=3)
    assert t.fitness_mse is not None and initial.fitness_mse is not None
    assert t.fitness_mse < initial.fitness_mse
    assert np.all(np.diff(t.breakpoints) >= 0) and np.all(np.abs(t.breakpoints) <= 4)
    assert t.n_segments == 8 and t.fits_coef_bits
    x = np.linspace(-4, 4, 801)
    assert np.max(np.abs(evaluate_pwl_float(x, t) - FUNCTIONS["gelu"].fn(x))) < 0.1


def test_rounding_mutation_snaps_breakpoints_to_fixed_point() -> None:
    def on_grid(t: object) -> int:
        return int(np.sum(np.mod(t.breakpoints * 64, 1) == 0))  # type: ignore[attr-defined]

    with_rm = fit_pwl_genetic("exp", 8, population=20, generations=60, seed=0)
    without = fit_pwl_genetic("exp", 8, population=20, generations=60, seed=0,
                              rounding_mutation=False)
    assert on_grid(with_rm) >= 3 and on_grid(without) == 0


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_supported_function_fits(name: str) -> None:
    t = fit_pwl_genetic(name, 8, population=12, generations=15, seed=0)
    row = pwl_errors(t)
    assert math.isfinite(row.max_abs_float) and row.max_abs_float < 0.25
    if name == "reciprocal":  # 1/x reaches 2 and slope -4 on [0.5, 4]: beyond 1|1|6
        assert not t.fits_coef_bits


def test_custom_callable_and_bad_arguments() -> None:
    t = fit_pwl_genetic(np.tanh, 8, (-3.0, 3.0), population=10, generations=5)
    assert t.fn_name == "tanh" and t.x_range == (-3.0, 3.0)
    with pytest.raises(QuantError, match="x_range"):
        fit_pwl_genetic(np.tanh, 8)
    with pytest.raises(QuantError, match="unknown function"):
        fit_pwl_genetic("softplus", 8)
    with pytest.raises(QuantError) as info:
        fit_pwl_genetic("gelu", 1)
    assert info.value.key_path == "n_segments"
    with pytest.raises(QuantError, match="integer inputs"):
        evaluate_pwl_int(np.array([0.5]), GELU, -6)
    with pytest.raises(QuantError) as info:
        evaluate_pwl_int(np.array([1]), GELU, -7)
    assert info.value.key_path == "input_scale_exp"
