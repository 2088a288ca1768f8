"""PSUM buffer and APSQ engine in the cost layer: priced from the tables, cited, optional."""

from __future__ import annotations

import pytest

from accelsim.cost import action_energies, estimate_area, load_tables
from accelsim.cost.components import inventory
from tests.unit.cost.systems import DEFAULT_TABLE, TABLES, make_system

OFMAP = {"capacity": "64KiB", "width": "256b", "banks": 4}


def _system(quantization: str, word_bits: int):  # type: ignore[no-untyped-def]
    sram = {op: {"capacity": "64KiB", "width": "256b"} for op in ("ifmap", "weight")}
    return make_system(sram={**sram, "ofmap": OFMAP}, psum_buffer={
        **OFMAP, "word_bits": word_bits, "quantization": quantization, "group_size": 2})


def test_no_psum_buffer_means_no_new_components() -> None:
    names = [spec.name for spec in inventory(make_system())]
    assert "psum_buffer" not in names and "apsq" not in names


def test_psum_buffer_is_priced_like_an_sram_macro_of_its_size() -> None:
    tables = load_tables([DEFAULT_TABLE])
    system = _system("none", 32)
    energies = action_energies(system, tables)
    assert energies["psum_buffer.read_bits"] == pytest.approx(energies["sram.ofmap.read_bits"])
    assert energies["psum_buffer.write_bits"] == pytest.approx(energies["sram.ofmap.write_bits"])
    area = estimate_area(system, tables).by_component_m2
    assert area["psum_buffer"] == pytest.approx(area["sram.ofmap"])


def test_apsq_engine_has_the_cited_area_and_a_shift_add_per_requantization() -> None:
    tables = load_tables([DEFAULT_TABLE, TABLES / "apsq.yaml"])
    system = _system("apsq", 8)
    breakdown = estimate_area(system, tables)
    engine_m2 = breakdown.by_component_m2["apsq"]
    assert 86410e-12 < engine_m2 < 4 * 86410e-12  # 28 nm figure scaled up to 45 nm
    cited = [r for r in breakdown.provenance if r.component == "apsq" and r.entries]
    assert any("apsq.rae.28nm" in r.entries for r in cited)
    energies = action_energies(system, tables)
    adder = action_energies(make_system(), tables)["array.mac"] - 0.2e-12  # 32-bit add
    assert energies["apsq.requant_ops"] > adder > 0  # the add plus a shifter op


def test_engine_group_registers_are_priced_per_bit_as_registers() -> None:
    """group_sum_home: engine: the open group sums are register bits (Aladdin), far cheaper per
    bit than the buffer macro; no area of their own (inside the engine's cited area)."""
    tables = load_tables([DEFAULT_TABLE, TABLES / "apsq.yaml"])
    energies = action_energies(_system("apsq", 8), tables)
    assert 0 < energies["apsq.write_bits"] < energies["psum_buffer.write_bits"] / 4
    assert 0 < energies["apsq.read_bits"] < energies["psum_buffer.read_bits"]
    parts = [p for spec in inventory(_system("apsq", 8)) if spec.name == "apsq"
             for p in spec.parts if p.name == "group_registers"]
    assert len(parts) == 1 and parts[0].instances == 0.0
