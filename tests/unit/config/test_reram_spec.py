"""The ReRAM stack spec: bandwidth derived from the geometry, inconsistent geometry refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from accelsim.config.reram_spec import ReramSpec


def test_paper_geometry_gives_the_papers_bandwidth() -> None:
    spec = ReramSpec.model_validate({"bandwidth": "25.6GB/s"})
    assert spec.derived_bandwidth_bits_per_s == pytest.approx(25.6e9 * 8)
    assert spec.read_bits_per_cycle == 2048
    assert spec.capacity_bits == 8 * 2**20 * 8


def test_stated_bandwidth_inconsistent_with_bumps_is_an_error() -> None:
    with pytest.raises(ValidationError, match="inconsistent with the geometry"):
        ReramSpec.model_validate({"bandwidth": "30GB/s"})


def test_banks_must_read_what_the_bumps_carry() -> None:
    with pytest.raises(ValidationError, match="must match"):
        ReramSpec.model_validate({"banks_per_die": 4})
    wider = ReramSpec.model_validate({"banks_per_die": 16, "bits_per_bump_per_cycle": 2,
                                      "bandwidth": "51.2GB/s"})
    assert wider.read_bits_per_cycle == 4096
