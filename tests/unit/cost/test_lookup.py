"""Looking figures up: CACTI rows hit exactly, monotone between, the width/latency/node rules."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from accelsim.cost import CostTables, Quantity, load_tables
from accelsim.cost.lookup import Request, Target, resolve
from accelsim.errors import ConfigError
from tests.unit.cost.systems import TABLES

KIB = 8 * 1024
AT_45 = Target(45e-9, 0.9)
QUANTITIES = [Quantity("energy", "read"), Quantity("energy", "write"), Quantity("area"),
              Quantity("leakage")]


def _sram(tables: CostTables, quantity: Quantity, capacity_bits: float, width_bits: float,
          target: Target = AT_45) -> float:
    request = Request("sram", quantity, {"capacity": capacity_bits, "width": width_bits}, "test")
    return resolve(tables, request, target).value


def test_every_cacti_row_is_hit_exactly(default_tables: CostTables) -> None:
    rows = [e for e in default_tables.entries.values() if e.cls == "sram"]
    assert len(rows) == 48
    for row in rows:
        target = Target(float(row.node_m or 0), 0.9)
        for quantity in QUANTITIES:
            got = _sram(default_tables, quantity, float(row.attributes["capacity"]),
                        float(row.attributes["width"]), target)
            assert got == row.value(quantity), (row.id, quantity)


@pytest.mark.parametrize(("capacity_kib", "width", "read_pj", "write_pj", "area_mm2"), [
    (8, 64, 6.14, 7.88, 0.0263), (1024, 64, 93.52, 76.18, 3.2628),
    (32, 256, 26.84, 51.79, 0.1034), (4096, 256, 521.72, 472.45, 13.6230)])
def test_rows_equal_costs_md_section_3(default_tables: CostTables, capacity_kib: int,
                                       width: int, read_pj: float, write_pj: float,
                                       area_mm2: float) -> None:
    bits = capacity_kib * KIB
    assert _sram(default_tables, QUANTITIES[0], bits, width) == pytest.approx(read_pj * 1e-12)
    assert _sram(default_tables, QUANTITIES[1], bits, width) == pytest.approx(write_pj * 1e-12)
    assert _sram(default_tables, QUANTITIES[2], bits, width) == pytest.approx(area_mm2 * 1e-6)


@pytest.mark.parametrize("node_nm", [65, 45, 22])
@pytest.mark.parametrize("width", [64, 256])
def test_interpolation_is_monotone_in_capacity(default_tables: CostTables, node_nm: int,
                                               width: int) -> None:
    target = Target(node_nm * 1e-9, 0.9)
    sizes = [KIB * 2 ** (i / 8) for i in range(0, 97)]  # 1 KiB .. 4 MiB, 8 points per octave
    for quantity in QUANTITIES:
        values = [_sram(default_tables, quantity, size, width, target) for size in sizes]
        assert all(b >= a for a, b in zip(values, values[1:], strict=False)), quantity


def test_capacity_and_width_are_log_log(default_tables: CostTables) -> None:
    read = QUANTITIES[0]
    mid = _sram(default_tables, read, 64 * KIB, 256)  # halfway between 32 and 128 KiB on log
    assert mid == pytest.approx(math.sqrt(26.84 * 73.76) * 1e-12)
    width_mid = _sram(default_tables, read, 8 * KIB, 128)
    assert width_mid == pytest.approx(math.sqrt(6.14 * 11.48) * 1e-12)


def test_extrapolation_is_said_in_the_steps(default_tables: CostTables) -> None:
    request = Request("sram", QUANTITIES[0], {"capacity": 64.0 * KIB, "width": 1024.0}, "test")
    resolved = resolve(default_tables, request, AT_45)
    assert ("width 1024b: log-log between 64b and 256b (extrapolated beyond the table's rows)"
            in resolved.steps)
    assert len(resolved.entries) == 4 and resolved.derived


def test_width_rules_scale_from_the_nearest_row(default_tables: CostTables) -> None:
    energy = Quantity("energy", "op")
    adder = resolve(default_tables, Request("int_adder", energy, {"bits": 24.0}, "t"), AT_45)
    assert adder.value == pytest.approx(0.1e-12 * 24 / 32)
    assert adder.steps == ("bits 24 from 32: linear x0.75",)
    mult = resolve(default_tables, Request("int_multiplier", energy,
                                           {"a_bits": 4.0, "b_bits": 8.0}, "t"), AT_45)
    assert mult.value == pytest.approx(0.2e-12 * 4 * 8 / 64)
    assert [e.id for e in mult.entries] == ["horowitz2014.int8_mult"]


def test_latency_uses_the_nearest_column_and_node_is_scaled(default_tables: CostTables) -> None:
    request = Request("int_adder", Quantity("leakage"), {"bits": 32.0, "latency": 1e-9}, "t")
    resolved = resolve(default_tables, request, AT_45)
    assert [e.id for e in resolved.entries] == ["aladdin.int_adder32.5ns"]
    assert resolved.steps[0] == "latency 1ns: nearest characterized 5ns used as is"
    assert resolved.steps[1].startswith("node 40 nm -> 45 nm 0.9 V by stillmaker2017: leakage x")
    assert resolved.scaled_from == "40 nm"
    e45 = 1.103 * 0.81 - 0.362 * 0.9 + 0.2767
    e32 = 0.9559 * 0.81 - 0.7823 * 0.9 + 0.471
    e40 = e45 + (e32 - e45) * 5 / 13
    assert resolved.value == pytest.approx(0.0024e-3 * e45 / e40)


def test_the_nearest_node_with_data_is_chosen(default_tables: CostTables) -> None:
    at_22 = _sram(default_tables, QUANTITIES[0], 8 * KIB, 64, Target(22e-9, 0.8))
    assert at_22 == pytest.approx(1.59e-12)
    request = Request("sram", QUANTITIES[2], {"capacity": 8.0 * KIB, "width": 64.0}, "t")
    at_28 = resolve(default_tables, request, Target(28e-9, 0.8))
    assert [e.id for e in at_28.entries] == ["cacti7.sram.22nm.w64.8KiB"]
    assert at_28.scaled_from == "22 nm" and at_28.value > 0.0063e-6


def test_missing_class_and_quantity_name_the_tables(default_tables: CostTables) -> None:
    with pytest.raises(ConfigError) as info:
        resolve(default_tables, Request("int_multiplyer", Quantity("area"), {}, "array.x"), AT_45)
    text = str(info.value)
    assert text.startswith("no table entry for class 'int_multiplyer' (needed by array.x) "
                           "(did you mean 'int_multiplier'?); tables read: ")
    assert str(TABLES / "horowitz2014_45nm.yaml") in text
    with pytest.raises(ConfigError, match=r"^no table entry gives area for class 'fp_adder' "
                                          r"\(needed by t\); its entries give energy\.op; "):
        resolve(default_tables, Request("fp_adder", Quantity("area"), {"bits": 32.0}, "t"), AT_45)


def test_an_unknown_dram_technology_lists_the_known_ones(default_tables: CostTables) -> None:
    request = Request("dram", Quantity("energy", "read"), {"technology": "lpddr5"}, "dram")
    with pytest.raises(ConfigError, match=r"^no 'dram' entry gives energy\.read at "
                                          r"technology=lpddr5 \(needed by dram\); the tables "
                                          r"have technology=ddr3, gddr5, hbm2, hmc, lpddr, lpddr3, "
                                          r"lpddr4 \(did you mean 'lpddr'\?\)"):
        resolve(default_tables, request, AT_45)


def test_ambiguous_and_unscalable_entries_are_errors(write_table: Callable[..., Path]) -> None:
    entry = ("  - {{id: {id}, class: widget, energy: {{op: 1pJ}}, node: 45nm, "
             "source: 'a paper, 45 nm', status: V{extra}}}\n")
    two = write_table("schema: accelsim.table/1\nentries:\n" + entry.format(id="a", extra="")
                      + entry.format(id="b", extra=""))
    with pytest.raises(ConfigError, match=r"^2 'widget' entries match energy\.op for t equally "
                                          r"well: a \(.*t\.yaml:3\), b \(.*t\.yaml:4\)"):
        resolve(load_tables([two]), Request("widget", Quantity("energy", "op"), {}, "t"), AT_45)
    fixed = write_table("schema: accelsim.table/1\nentries:\n"
                        + entry.format(id="a", extra=", scaling: {node: none}"), "f.yaml")
    with pytest.raises(ConfigError, match=r"f\.yaml:3: entries\[0\]: a is characterized at "
                                          r"45 nm and may not be scaled \(scaling\.node: none\), "
                                          r"but the system is at 22 nm \(needed by t\)"):
        resolve(load_tables([fixed]), Request("widget", Quantity("energy", "op"), {}, "t"),
                Target(22e-9, 0.8))


def test_a_resolved_figure_is_kept_per_tables_and_equals_a_fresh_lookup(
        default_tables: CostTables) -> None:
    request = Request("sram", Quantity("energy", "read"), {"capacity": 64 * KIB, "width": 64},
                      "sram.ifmap")
    first = resolve(default_tables, request, AT_45)
    fresh = CostTables(default_tables.files, default_tables.entries, default_tables.node_rules)
    assert resolve(fresh, request, AT_45) == first
    # the same figure for another component is the kept one; another target is not
    assert resolve(default_tables, Request(request.cls, request.quantity, request.attributes,
                                           "sram.weight"), AT_45) is first
    at_22 = resolve(default_tables, request, Target(22e-9, 0.9))
    assert at_22.value != first.value


def test_an_error_is_not_kept_and_names_each_asker(default_tables: CostTables) -> None:
    for asker in ("a.part", "b.part"):
        with pytest.raises(ConfigError, match=f"needed by {asker}"):
            resolve(default_tables, Request("no_such_class", Quantity("area"), {}, asker), AT_45)
