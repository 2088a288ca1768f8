"""``system.dram.efficiency``: the channel sustains that fraction of its bandwidth, exactly."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from accelsim import api
from accelsim.config import load_run_spec
from accelsim.sim.engine import channel_for

ROOT = Path(__file__).resolve().parents[3]


def test_efficiency_scales_cycles_per_bit_exactly() -> None:
    full = load_run_spec(ROOT / "configs" / "int8_sa.yaml").system
    slow = load_run_spec(ROOT / "configs" / "int8_sa.yaml",
                         {"system.dram.efficiency": 0.8}).system
    assert channel_for(slow).cycles_per_bit == channel_for(full).cycles_per_bit / Fraction(4, 5)
    assert channel_for(slow).latency_cycles == channel_for(full).latency_cycles


def test_the_default_is_the_peak() -> None:
    system = load_run_spec(ROOT / "configs" / "int8_sa.yaml").system
    assert system.dram.efficiency == 1.0 and system.dram.background is False


def test_a_dram_bound_one_chip_run_slows_down() -> None:
    config = ROOT / "configs" / "int8_sa.yaml"
    full = api.run(config, set={"system.dram.bandwidth": "1GB/s"})
    half = api.run(config, set={"system.dram.bandwidth": "1GB/s",
                                "system.dram.efficiency": 0.5})
    assert half.total_cycles > full.total_cycles
    assert half.stats.total_counts() == full.stats.total_counts()
