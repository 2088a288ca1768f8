"""Costs of the ReRAM stack and the GQA-LUT unit come from their cited table entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim import cost
from accelsim.config import load_run_spec

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "configs" / "reram_llm.yaml"


def _priced(**overrides: object) -> tuple[dict[str, float], dict[str, float]]:
    system = load_run_spec(CONFIG, overrides).system
    tables = cost.load_tables(system.tables)
    area = cost.estimate_area(system, tables).by_component_m2
    return cost.action_energies(system, tables), dict(area)


def test_reram_read_is_die_power_per_bit_plus_interface() -> None:
    energies, area = _priced()
    assert energies["reram.read_bits"] == pytest.approx(49.54e-3 / (512 * 100e6) + 0.05e-12,
                                                        rel=1e-3)
    assert energies["reram.write_bits"] == pytest.approx(0.65e-12)
    assert area["reram"] == pytest.approx(4 * 5.553e-6)


def test_int8_pwl_unit_against_fp32_keeps_the_published_ratios() -> None:
    int8_e, int8_a = _priced()
    fp32_e, fp32_a = _priced(**{"system.nonlinear.format": "fp32"})
    assert fp32_a["nonlinear"] / int8_a["nonlinear"] == pytest.approx(5135 / 961, rel=1e-6)
    ratio = fp32_e["nonlinear.lane_passes"] / int8_e["nonlinear.lane_passes"]
    assert ratio == pytest.approx(4.04 / 0.8, rel=1e-6)
