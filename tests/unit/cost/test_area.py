"""Area: the 32x32 INT8 array and 3 x 64 KiB SRAMs against a hand computation from costs.md."""

from __future__ import annotations

import math

import pytest

from accelsim.cost import CostTables, estimate_area
from tests.unit.cost.systems import make_system

UM2, MM2 = 1e-12, 1e-6
ALADDIN_AREA_TO_45 = 19 / 13  # Stillmaker matrix, 40 nm is 5/13 of the way 45 -> 32 nm:
# (1 - 5/13) * m[45][45] + 5/13 * m[32][45] = 8/13 + 5/13 * 2.2
PE_AT_40_UM2 = 6350 * (8 / 32) * (8 / 32) + 278 + (8 + 8 + 32) * 5.98  # mult + 32b add + regs
SRAM_64KIB_256B_MM2 = math.sqrt(0.1034 * 0.4738)  # log-log between the 32 and 128 KiB rows


def test_area_of_the_int8_32x32_system(default_tables: CostTables) -> None:
    area = estimate_area(make_system(), default_tables)
    array_m2 = 1024 * PE_AT_40_UM2 * ALADDIN_AREA_TO_45 * UM2
    assert area.by_component_m2["array"] == pytest.approx(array_m2)
    for operand in ("ifmap", "weight", "ofmap"):
        assert area.by_component_m2[f"sram.{operand}"] == pytest.approx(SRAM_64KIB_256B_MM2 * MM2)
    assert area.by_component_m2["dram"] == 0.0
    assert area.total_m2 == pytest.approx(array_m2 + 3 * SRAM_64KIB_256B_MM2 * MM2)
    assert area.total_m2 == pytest.approx(2.1036 * MM2, rel=1e-4)


def test_dram_area_is_reported_as_not_modelled(default_tables: CostTables) -> None:
    area = estimate_area(make_system(), default_tables)
    record = next(r for r in area.provenance if r.component == "dram")
    assert (record.status, record.value, record.entries) == ("not modelled", 0.0, ())
    assert area.notes == ("dram.interface area: DRAM devices and the DRAM PHY are not tabled; "
                          "their area is not counted",)


def test_banks_and_shared_buffers(default_tables: CostTables) -> None:
    banked = {op: {"capacity": "64KiB", "width": "256b", "banks": 4}
              for op in ("ifmap", "weight", "ofmap")}
    area = estimate_area(make_system(sram=banked), default_tables)
    assert area.by_component_m2["sram.ifmap"] == pytest.approx(
        4 * math.sqrt(0.0308 * 0.1034) * MM2)  # 4 banks of 16 KiB: between 8 and 32 KiB
    shared = estimate_area(make_system(sram={"shared": {"capacity": "128KiB", "width": "256b"}}),
                           default_tables)
    parts = [shared.by_component_m2[f"sram.{op}"] for op in ("ifmap", "weight", "ofmap")]
    assert sum(parts) == pytest.approx(0.4738 * MM2) and parts[0] == pytest.approx(parts[2])


@pytest.mark.parametrize(("dataflow", "shadow_bits"), [("ws", 8), ("is", 8)])
def test_fold_overlap_doubles_the_stationary_register(
        default_tables: CostTables, dataflow: str, shadow_bits: int) -> None:
    """fold_overlap: weights adds a second stationary register (8 bits at INT8) and the one-bit
    buffer select per PE, priced per bit like the other pipeline registers."""
    def array_area(overlap: str) -> float:
        array = {"rows": 32, "cols": 32, "dataflow": dataflow, "fold_overlap": overlap}
        return estimate_area(make_system(array=array), default_tables).by_component_m2["array"]
    extra = 1024 * (shadow_bits + 1) * 5.98 * ALADDIN_AREA_TO_45 * UM2
    assert array_area("weights") - array_area("none") == pytest.approx(extra)


def test_derived_widths_size_the_pe(default_tables: CostTables) -> None:
    """psum_bits auto: a 32-row ws column of 8x8 products needs 8 + 8 + 5 = 21 bits, so the
    accumulator (linear in bits) and the partial-sum register shrink to 21 bits."""
    auto = make_system(array={"rows": 32, "cols": 32, "dataflow": "ws"})
    assert auto.array.psum_width == 21
    pe_at_40 = 6350 * (8 / 32) * (8 / 32) + 278 * 21 / 32 + (8 + 8 + 21) * 5.98
    area = estimate_area(auto, default_tables)
    assert area.by_component_m2["array"] == pytest.approx(1024 * pe_at_40 * ALADDIN_AREA_TO_45
                                                          * UM2)
