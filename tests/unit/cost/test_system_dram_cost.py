"""The system DRAM model's cost side: LPDDR3 access energy and background power from its cited
entry, the logic die's static power, the LRU's butterflies (docs/reram.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim import cost
from accelsim.config import load_run_spec

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "configs" / "reram_llm.yaml"


def _leakage(**overrides: object) -> dict[str, float]:
    system = load_run_spec(CONFIG, overrides).system
    return cost.leakage_power(system, cost.load_tables(system.tables))


def test_lpddr3_background_and_refresh_power_is_the_derived_entry() -> None:
    assert _leakage()["dram"] == pytest.approx(61.6e-3)


def test_without_background_dram_has_no_idle_power() -> None:
    assert _leakage(**{"system.dram.background": False})["dram"] == 0.0


def test_logic_die_static_power_is_the_papers_minimum() -> None:
    assert _leakage()["logic"] == pytest.approx(0.265)
    assert "logic" not in _leakage(**{"system.logic": None})


def test_lpddr3_energy_per_bit_and_butterfly_price() -> None:
    system = load_run_spec(CONFIG).system
    energies = cost.action_energies(system, cost.load_tables(system.tables))
    assert energies["dram.read_bits"] == pytest.approx(8.38e-12)
    assert energies["dram.write_bits"] == pytest.approx(8.61e-12)
    assert 0 < energies["rotation.butterfly_ops"] < energies["array.mac"]
