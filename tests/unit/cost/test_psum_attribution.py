"""PSUM energy in the energy breakdown (issue 12, item 4): the PSUM buffer and APSQ engine
whole, plus the DRAM joules of PSUM spills and of the PSUM-induced re-fetch; the same joules
the searched mapping reports as ``psum_dram_j``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import accelsim
from accelsim.report import result_to_csv, result_to_json, summary_text

ROOT = Path(__file__).resolve().parents[3]


def _workload(tmp_path: Path, m: int, n: int, k: int) -> Path:
    path = tmp_path / "gemm.yaml"
    path.write_text("schema: accelsim.workload/1\nname: gemm\nsource: 'synthetic'\nlayers:\n"
                    f"  - {{name: gemm, op: gemm, m: {m}, n: {n}, k: {k}}}\n")
    return path


def _per_count_j(result: accelsim.api.Result, key: str) -> float:
    counts = result.layers[0].stats.counts[key]
    return result.energy.by_action_j[key] / counts


def test_spills_are_psum_energy_on_the_dram(tmp_path: Path) -> None:
    """is, stream not cut: 2048 x 32 partial sums of 32 bits (256 KiB) spill from a 64 KiB
    buffer; every stored PSUM is written to DRAM and read back."""
    result = accelsim.run(ROOT / "configs" / "psum32_is.yaml",
                          workload=_workload(tmp_path, 32, 2048, 128),
                          set={"mapping.search": "off", "mapping.stream_tiling": "none"})
    layer = result.layers[0]
    spilled = 2048 * 32 * 32 * 3  # K tiles 0..2 store a PSUM; tiles 1..3 read one
    psum = layer.psum_energy_j
    expected = spilled * (_per_count_j(result, "dram.read_bits")
                          + _per_count_j(result, "dram.write_bits"))
    assert psum["dram"] == pytest.approx(expected)
    assert psum["psum_buffer"] == layer.energy_j["psum_buffer"]  # the buffer holds only PSUMs
    assert psum["dram"] < layer.energy_j["dram"]


def test_refetch_is_psum_energy_and_matches_the_mapping_report(tmp_path: Path) -> None:
    """ws, searched: the mapping's ``psum_dram_j`` is the DRAM PSUM share in the breakdown."""
    result = accelsim.run(ROOT / "configs" / "psum32_ws.yaml",
                          workload=_workload(tmp_path, 2048, 64, 256))
    layer = result.layers[0]
    mapping = layer.stats.mapping
    assert mapping is not None
    assert layer.psum_energy_j.get("dram", 0.0) == pytest.approx(mapping["psum_dram_j"])
    total = sum(layer.psum_energy_j.values())
    assert result.energy.psum_j == pytest.approx(total) and 0 < total < result.energy_j


def test_apsq_engine_is_psum_energy_and_reports_show_it(tmp_path: Path) -> None:
    result = accelsim.run(ROOT / "configs" / "apsq_ws.yaml",
                          workload=_workload(tmp_path, 256, 64, 256))
    psum = result.energy.psum_by_component_j
    assert psum["apsq"] == result.energy.by_component_j["apsq"] > 0
    report = json.loads(result_to_json(result))
    assert report["psum_energy_j"] == pytest.approx(psum)
    assert report["totals"]["psum_energy_j"] == pytest.approx(result.energy.psum_j)
    assert report["layers"][0]["psum_energy_j"] == pytest.approx(psum)
    assert "psum_energy_j" in result_to_csv(result).splitlines()[0]
    assert "PSUM energy" in summary_text(result)


def test_without_psum_traffic_nothing_is_attributed(tmp_path: Path) -> None:
    """os keeps partial sums in the PEs: no PSUM buffer, no spills, no PSUM energy."""
    result = accelsim.run(ROOT / "configs" / "int8_sa.yaml",
                          workload=_workload(tmp_path, 64, 64, 64),
                          set={"system.array.dataflow": "os"})
    assert result.energy.psum_by_component_j == {}
    assert "PSUM energy" not in summary_text(result)


def test_partial_sums_in_the_ofmap_sram_are_psum_energy(tmp_path: Path) -> None:
    """No PSUM buffer (int8_sa, ws): 4 K tiles; each output is written and read back at 32 bits
    once per further K tile, beyond the one write and read of the finished sum."""
    result = accelsim.run(ROOT / "configs" / "int8_sa.yaml",
                          workload=_workload(tmp_path, 64, 32, 128),
                          set={"mapping.search": "off"})
    layer = result.layers[0]
    moved = 3 * 64 * 32 * 32
    per_bit = (_per_count_j(result, "sram.ofmap.read_bits")
               + _per_count_j(result, "sram.ofmap.write_bits"))
    assert layer.psum_energy_j["sram.ofmap"] == pytest.approx(moved * per_bit)
    assert layer.psum_energy_j["sram.ofmap"] < layer.energy_j["sram.ofmap"]
