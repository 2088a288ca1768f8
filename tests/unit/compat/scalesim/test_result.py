"""A SCALE-Sim layer result: its bandwidth report and its accelsim action counts."""

from __future__ import annotations

import pytest

from accelsim.compat.scalesim.result import ScaleSimLayerResult

RESULT = ScaleSimLayerResult(
    name="l", total_cycles=100, compute_cycles=80, stall_cycles=20,
    total_cycles_incl_prefetch=130, overall_util_pct=50.0, mapping_efficiency_pct=75.0,
    compute_util_pct=60.0, macs=4096, ifmap_sram_reads=400, filter_sram_reads=300,
    ofmap_sram_writes=200, ifmap_dram_reads=64, filter_dram_reads=32, ofmap_dram_writes=48,
    ifmap_dram_start=-10, ifmap_dram_stop=5, filter_dram_start=-4, filter_dram_stop=3,
    ofmap_dram_start=90, ofmap_dram_stop=129)


def test_bandwidth_report_averages_srams_over_the_layer_and_dram_over_each_window() -> None:
    assert RESULT.bandwidth_report() == pytest.approx({
        "ifmap_sram_bw": 4.0, "filter_sram_bw": 3.0, "ofmap_sram_bw": 2.0,
        "ifmap_dram_bw": 64 / 16, "filter_dram_bw": 32 / 8, "ofmap_dram_bw": 48 / 40})


def test_counts_are_bits_of_one_byte_words() -> None:
    assert RESULT.counts() == {
        "array.mac": 4096, "sram.ifmap.read_bits": 3200, "sram.weight.read_bits": 2400,
        "sram.ofmap.write_bits": 1600, "dram.read_bits": (64 + 32) * 8,
        "dram.write_bits": 48 * 8}
