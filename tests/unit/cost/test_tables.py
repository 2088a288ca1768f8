"""The table loader: strict validation with pinned messages, merging, and the default tables."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from accelsim.cost import CostTables, Quantity, load_tables
from accelsim.cost.schema import ATTRIBUTE_NAMES, ScalingModel
from accelsim.errors import ConfigError
from tests.unit.cost.systems import DEFAULT_TABLE, TABLES

ENTRY_KEYS = ("id, class, attributes, energy, area, leakage, node, vdd, source, status, scaling, "
              "scaled_from, notes")
GOOD = """\
schema: accelsim.table/1
entries:
  - id: my.add
    class: int_adder
    attributes: {bits: 8}
    energy: {op: 0.03pJ}
    node: 45nm
    vdd: 0.9V
    source: "Horowitz, ISSCC 2014 (45 nm, 0.9 V)"
    status: V
"""


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_tables([path])
    return str(info.value)


def test_a_good_file_loads_into_si_values(write_table: Callable[..., Path]) -> None:
    tables = load_tables([write_table(GOOD)])
    entry = tables.entries["my.add"]
    assert entry.cls == "int_adder"
    assert entry.energy["op"].joules == pytest.approx(0.03e-12)
    assert not entry.energy["op"].per_bit
    assert entry.node_m == pytest.approx(45e-9) and entry.vdd_v == pytest.approx(0.9)
    assert entry.scaling == {"bits": "exact"}
    assert entry.line == 3 and entry.where.endswith("t.yaml:3")


@pytest.mark.parametrize(("replace", "by", "message"), [
    ("    class: int_adder\n", "    clas: int_adder\n",
     f"t.yaml:4: entries[0].clas: unknown key 'clas' (did you mean 'class'?); valid keys here: "
     f"{ENTRY_KEYS} (and 1 more problem)"),
    ('    source: "Horowitz, ISSCC 2014 (45 nm, 0.9 V)"\n', "",
     "t.yaml:3: entries[0].source: required key is missing: every entry must cite its source "
     "(paper, table, node, V)"),
    ("{op: 0.03pJ}", "{op: 0.03pW}",
     "t.yaml:6: entries[0].energy.op: expected an energy per action with a unit, such as "
     "'0.2pJ', or per bit moved, such as '8pJ/bit'; got '0.03pW'"),
    ("{op: 0.03pJ}", "{op: 0.03}",
     "t.yaml:6: entries[0].energy.op: expected an energy per action with a unit, such as "
     "'0.2pJ', or per bit moved, such as '8pJ/bit'; got 0.03"),
    ("node: 45nm", "node: 45",
     "t.yaml:7: entries[0].node: expected a length with a unit, such as '45nm' or '2mm'; got "
     "the bare number 45 (no unit)"),
    ("status: V", "status: U",
     "t.yaml:10: entries[0].status: status 'U' (unverified) is refused: check the figure "
     "against its original source and mark it V, or derive it by a stated method and mark it D"),
    ("{bits: 8}", "{bitz: 8}",
     "t.yaml:5: entries[0].attributes.bitz: unknown key 'bitz' (did you mean 'bits'?); valid "
     "keys here: bits, a_bits, b_bits, capacity, width, latency, technology"),
    ("    status: V\n", "    status: V\n    scaling: {bits: cubic}\n",
     "t.yaml:11: entries[0].scaling.bits: expected one of 'exact', 'nearest', 'linear', "
     "'quadratic' or 'loglog'; got 'cubic'"),
    ("    status: V\n", "    status: V\n    scaling: {width: loglog}\n",
     "t.yaml:3: entries[0]: scaling.width is given but attributes.width is not"),
    ("schema: accelsim.table/1", "schema: accelsim.table/2",
     "t.yaml:1: schema: expected one of 'accelsim.table/1'; got 'accelsim.table/2'"),
])
def test_loader_errors_are_pinned(write_table: Callable[..., Path], replace: str, by: str,
                                  message: str) -> None:
    assert replace in GOOD
    text = _error(write_table(GOOD.replace(replace, by)))
    assert text.endswith(message), text


def test_an_entry_must_price_something(write_table: Callable[..., Path]) -> None:
    text = _error(write_table(GOOD.replace("    energy: {op: 0.03pJ}\n", "")))
    assert text.endswith("t.yaml:3: entries[0]: an entry must give at least one of energy, "
                         "area, leakage")


def test_a_bad_default_points_at_the_defaults_block(write_table: Callable[..., Path]) -> None:
    text = _error(write_table(
        "schema: accelsim.table/1\ndefaults:\n  status: V\n  node: 45mm2\nentries:\n"
        "  - {id: x, class: int_adder, energy: {op: 1pJ}, source: 'paper, 45 nm'}\n"))
    assert text.endswith("t.yaml:4: defaults.node: expected a length with a unit, such as "
                         "'45nm' or '2mm'; 'mm2' is not a unit of length (in '45mm2')"), text


def test_duplicate_ids_in_one_file_are_refused(write_table: Callable[..., Path]) -> None:
    doubled = GOOD + GOOD.split("entries:\n", 1)[1]
    assert _error(write_table(doubled)).endswith("t.yaml:11: duplicate entry id 'my.add' in "
                                                 "this file")


def test_an_unknown_node_rule_is_refused_at_load(write_table: Callable[..., Path]) -> None:
    text = _error(write_table(GOOD.replace("    status: V\n",
                                           "    status: V\n    scaling: {node: stilmaker2017}\n")))
    assert "t.yaml:3: entries[0].scaling.node: node-scaling rule 'stilmaker2017' is not " \
           "defined in the tables read" in text
    assert text.endswith("; defined: none")


def test_missing_file_and_include_cycle(write_table: Callable[..., Path], tmp_path: Path) -> None:
    assert _error(tmp_path / "nope.yaml").endswith("nope.yaml: cost table file not found")
    write_table("schema: accelsim.table/1\ninclude: [b.yaml]\n", "a.yaml")
    path = write_table("schema: accelsim.table/1\ninclude: [a.yaml]\n", "b.yaml")
    assert re.search(r"a\.yaml:2: include\[0\]: include cycle: .*b\.yaml includes itself",
                     _error(path))


def test_later_files_override_by_id_and_shadow_by_class(write_table: Callable[..., Path]) -> None:
    first = write_table(GOOD, "first.yaml")
    second = write_table(GOOD.replace("0.03pJ", "0.05pJ").replace("my.add", "other.add")
                         .replace("{bits: 8}", "{bits: 16}"), "second.yaml")
    same_id = write_table(GOOD.replace("0.03pJ", "0.04pJ"), "third.yaml")
    tables = load_tables([first, second])
    energy = Quantity("energy", "op")
    assert [e.id for e in tables.providing("int_adder", energy)] == ["other.add"]
    assert set(tables.entries) == {"my.add", "other.add"}
    replaced = load_tables([first, same_id])
    assert replaced.entries["my.add"].energy["op"].joules == pytest.approx(0.04e-12)


def test_default_tables_cite_a_source_and_only_v_or_d(default_tables: CostTables) -> None:
    assert len(default_tables.entries) == 70
    for entry in default_tables.entries.values():
        assert entry.status in ("V", "D")
        assert "docs/costs.md" in entry.source, entry.id
    assert {e.status for e in default_tables.entries.values() if e.cls == "sram"} == {"D"}
    rule = default_tables.node_rules["stillmaker2017"]
    assert "doi 10.1016/j.vlsi.2017.02.002" in rule.source


@pytest.mark.parametrize(("entry_id", "joules"), [
    ("horowitz2014.int8_add", 0.03e-12), ("horowitz2014.int32_add", 0.1e-12),
    ("horowitz2014.int8_mult", 0.2e-12), ("horowitz2014.int32_mult", 3.1e-12),
    ("aladdin.int_mult32.1ns", 12.68e-12), ("aladdin.register.1ns", 0.009e-12),
])
def test_default_arithmetic_rows_match_costs_md(default_tables: CostTables, entry_id: str,
                                                joules: float) -> None:
    entry = default_tables.entries[entry_id]
    action = "write" if entry.cls == "register" else "op"
    assert entry.energy[action].joules == pytest.approx(joules)


@pytest.mark.parametrize(("technology", "pj_per_bit"), [
    ("lpddr4", 8), ("ddr3", 70), ("gddr5", 14), ("hbm2", 3.9), ("lpddr", 40), ("hmc", 4.2)])
def test_default_dram_rows_are_per_bit_and_node_free(default_tables: CostTables,
                                                     technology: str, pj_per_bit: float) -> None:
    entry = default_tables.entries[f"accelergy.dram.{technology}"]
    assert entry.energy["read"] == entry.energy["write"]
    assert entry.energy["read"].per_bit and entry.node_m is None
    assert entry.energy["read"].joules == pytest.approx(pj_per_bit * 1e-12)


def test_every_table_file_loads_on_its_own() -> None:
    for path in sorted(TABLES.glob("*.yaml")):
        if path.name == DEFAULT_TABLE.name:
            continue
        tables = load_tables([TABLES / "stillmaker2017.yaml", path])
        assert tables.files[-1] == str(path)


def test_scaling_has_one_rule_per_attribute_plus_the_node_rule() -> None:
    """ScalingModel spells its fields out (so the type checker sees them); they must stay the
    attributes' names, in order, after the node rule."""
    assert tuple(ScalingModel.model_fields) == ("node", *ATTRIBUTE_NAMES)


def test_tables_are_parsed_once_per_content(write_table: Callable[..., Path]) -> None:
    """Same bytes: the same parsed tables (no re-parse); new bytes in the file or in an
    included file: parsed again, never a stale result."""
    part = write_table(GOOD, "part.yaml")
    top = write_table("schema: accelsim.table/1\ninclude: [part.yaml]\n", "top.yaml")
    first = load_tables([top])
    assert load_tables([str(top)]) is first
    part.write_text(GOOD.replace("0.03pJ", "0.07pJ"))
    changed = load_tables([top])
    assert changed is not first
    assert changed.entries["my.add"].energy["op"].joules == pytest.approx(0.07e-12)
    part.unlink()
    assert _error(top).endswith("included table file not found: " + str(part))
