"""The width rule (accelsim.config.widths) and how the array spec resolves and checks it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from accelsim.config.system_spec import ArraySpec
from accelsim.config.widths import bits_for, product_range, sum_bits


def _array(**precision: object) -> ArraySpec:
    return ArraySpec.model_validate({"rows": 32, "cols": 8, "dataflow": "ws",
                                     "precision": precision})


def test_the_rule_in_numbers() -> None:
    assert product_range(8, 8) == (-128 * 127, 128 * 128)
    assert product_range(8, 3, w_max=3) == (-384, 384)
    assert [bits_for(-1, 0), bits_for(0, 1), bits_for(-128, 127), bits_for(0, 128)] == \
        [1, 2, 8, 9]
    assert [sum_bits(8, 8, n) for n in (1, 2, 31, 32, 33, 64)] == [16, 17, 20, 21, 21, 22]
    assert sum_bits(8, 3, 32, w_max=3) == 15


def test_auto_follows_precision_depth_and_pe_kind() -> None:
    assert _array().psum_width == 21
    assert _array(weight_bits=4).psum_width == 17
    temporal = ArraySpec.model_validate({
        "rows": 32, "cols": 8, "dataflow": "ws", "pe": "temporal",
        "temporal": {"code": "magnitude", "cap": 3}, "precision": {"weight_bits": 3}})
    assert temporal.psum_width == 15
    assert _array().accumulation_width == 32
    assert _array(psum_bits=24).accumulation_width == 24


def test_too_narrow_widths_are_refused_naming_the_key() -> None:
    with pytest.raises(ValidationError, match="precision.psum_bits 20 cannot hold"):
        _array(psum_bits=20)
    with pytest.raises(ValidationError, match="precision.accumulation_bits 18 is narrower"):
        _array(accumulation_bits=18)
    assert _array(psum_bits=21).psum_width == 21
