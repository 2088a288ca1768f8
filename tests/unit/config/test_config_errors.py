"""Every kind of bad config gives one pinned line: file:line, key path, message, did-you-mean.

The texts are the user interface of `accelsim validate`; a change to any of them is a change
to that interface and should be made here on purpose.
"""

from __future__ import annotations

import pytest

from accelsim.config import RunSpec, parse_override
from accelsim.config.errors import valid_keys
from accelsim.errors import ConfigError

from .conftest import RUN as R
from .conftest import SYSTEM as S
from .conftest import ConfigTree

# (where, old, new, expected): `where` is "run" or "system" (replace `old` by `new` in that
# file; old=None replaces the whole file) or "set" (`new` is the overrides mapping).
# "<array keys>" and the like stand for the list of valid keys there, which grows with the
# specs; the sim section's list is spelled out once, to pin the format.
SECTIONS = {"<top keys>": (), "<system keys>": ("system",), "<array keys>": ("system", "array"),
            "<buffer keys>": ("system", "sram", "ifmap"), "<dram keys>": ("system", "dram"),
            "<mapping keys>": ("mapping",)}


def expand(expected: str) -> str:
    for token, path in SECTIONS.items():
        expected = expected.replace(token, ", ".join(valid_keys(RunSpec, path)))
    return expected


CASES = [
    pytest.param(
        "run", "workload:", "workloda:",
        "TMP/run.yaml:3: workloda: unknown key 'workloda' (did you mean 'workload'?); valid"
        " keys here: <top keys> (and 1 more problem)",
        id="run_top_typo"),
    pytest.param(
        "run", "  seed: 1", "  sed: 1",
        "TMP/run.yaml:7: sim.sed: unknown key 'sed' (did you mean 'seed'?); valid keys here:"
        ' seed, timeline',
        id="run_nested_typo"),
    pytest.param(
        "run", "fold_order", "fold_ordr",
        "TMP/run.yaml:5: mapping.fold_ordr: unknown key 'fold_ordr' (did you mean"
        " 'fold_order'?); valid keys here: <mapping keys>",
        id="run_nested_typo2"),
    pytest.param(
        "system", "clock:", "clok:",
        "TMP/systems/sys.yaml:2: system.clok: unknown key 'clok' (did you mean 'clock'?);"
        " valid keys here: <system keys> (and 1 more problem)",
        id="sys_top_typo"),
    pytest.param(
        "system", "rows:", "rowz:",
        "TMP/systems/sys.yaml:4: system.array.rowz: unknown key 'rowz' (did you mean"
        " 'rows'?); valid keys here: <array keys> (and 1 more problem)",
        id="sys_array_typo"),
    pytest.param(
        "system", "ifmap: {capacity", "ifmap: {capacty",
        "TMP/systems/sys.yaml:8: system.sram.ifmap.capacty: unknown key 'capacty' (did you"
        " mean 'capacity'?); valid keys here: <buffer keys> (and 1 more problem)",
        id="sys_deep_typo"),
    pytest.param(
        "system", "latency:", "latncy:",
        "TMP/systems/sys.yaml:13: system.dram.latncy: unknown key 'latncy' (did you mean"
        " 'latency'?); valid keys here: <dram keys>",
        id="sys_deep_typo2"),
    pytest.param(
        "system", "  dataflow: ws", "  dataflow: ws\n  frobnicate: 3",
        "TMP/systems/sys.yaml:7: system.array.frobnicate: unknown key 'frobnicate'; valid"
        " keys here: <array keys>",
        id="unknown_no_suggestion"),
    pytest.param(
        "run", "name: run\n", "",
        'TMP/run.yaml:1: name: required key is missing',
        id="missing_name"),
    pytest.param(
        "run", "workload: wl.yaml\n", "",
        'TMP/run.yaml:1: workload: required key is missing',
        id="missing_workload"),
    pytest.param(
        "system", "  rows: 4\n", "",
        'TMP/systems/sys.yaml:3: system.array.rows: required key is missing',
        id="missing_rows"),
    pytest.param(
        "system", "ifmap: {capacity: 8KiB, width: 64b}", "ifmap: {width: 64b}",
        'TMP/systems/sys.yaml:8: system.sram.ifmap.capacity: required key is missing',
        id="missing_capacity"),
    pytest.param(
        "system", "  weight: {capacity: 8KiB, width: 64b}\n", "",
        "TMP/systems/sys.yaml:7: system.sram: missing buffer(s) weight (or give one 'shared')",
        id="missing_sram_buffer"),
    pytest.param(
        "system", "sram:\n", "sram:\n  shared: {capacity: 8KiB}\n",
        "TMP/systems/sys.yaml:7: system.sram: give either 'shared' or"
        " 'ifmap'/'weight'/'ofmap', not both",
        id="both_layouts"),
    pytest.param(
        "system", "rows: 4", 'rows: "4"',
        "TMP/systems/sys.yaml:4: system.array.rows: input should be a valid integer (got '4')",
        id="rows_str"),
    pytest.param(
        "system", "rows: 4", "rows: 4.0",
        'TMP/systems/sys.yaml:4: system.array.rows: input should be a valid integer (got 4.0)',
        id="rows_float"),
    pytest.param(
        "system", "rows: 4", "rows: true",
        'TMP/systems/sys.yaml:4: system.array.rows: input should be a valid integer (got'
        ' True)',
        id="rows_bool"),
    pytest.param(
        "system", "rows: 4", "rows: [4]",
        'TMP/systems/sys.yaml:4: system.array.rows: input should be a valid integer (got [4])',
        id="rows_list"),
    pytest.param(
        "system", "rows: 4", "rows: null",
        'TMP/systems/sys.yaml:4: system.array.rows: input should be a valid integer (got'
        ' None)',
        id="rows_null"),
    pytest.param(
        "system", "rows: 4", "rows: 0",
        'TMP/systems/sys.yaml:4: system.array.rows: input should be greater than 0',
        id="rows_zero"),
    pytest.param(
        "system", "rows: 4", "rows: -4",
        'TMP/systems/sys.yaml:4: system.array.rows: input should be greater than 0 (got -4)',
        id="rows_neg"),
    pytest.param(
        "system", "rows: 4", "rows: 100000",
        'TMP/systems/sys.yaml:4: system.array.rows: input should be less than or equal to'
        ' 65536 (got 100000)',
        id="rows_huge"),
    pytest.param(
        "system", "array:\n  rows: 4\n  cols: 4\n  dataflow: ws\n", "array: 4\n",
        'TMP/systems/sys.yaml:3: system.array: expected a mapping of keys; got 4',
        id="array_scalar"),
    pytest.param(
        "run", "seed: 1", "seed: -1",
        'TMP/run.yaml:7: sim.seed: input should be greater than or equal to 0 (got -1)',
        id="seed_neg"),
    pytest.param(
        "system", "ifmap: {capacity: 8KiB, width: 64b}",
        "ifmap: {capacity: 8KiB, width: 64b, double_buffered: yes please}",
        'TMP/systems/sys.yaml:8: system.sram.ifmap.double_buffered: input should be a valid'
        " boolean (got 'yes please')",
        id="bool_str"),
    pytest.param(
        "run", "name: run", "name: 7",
        'TMP/run.yaml:1: name: input should be a valid string (got 7)',
        id="name_int"),
    pytest.param(
        "system", "tables:\n  - ../tables/t.yaml\n", "tables: ../tables/t.yaml\n",
        'TMP/systems/sys.yaml:14: system.tables: input should be a valid list (got'
        " '../tables/t.yaml')",
        id="tables_str"),
    pytest.param(
        "system", "ifmap: {capacity: 8KiB", "ifmap: {capacity: 64KB/s",
        'TMP/systems/sys.yaml:8: system.sram.ifmap.capacity: expected a capacity with a'
        " unit, such as '64KiB', '2MB' or '512b'; 'KB/s' is not a unit of capacity (in"
        " '64KB/s')",
        id="capacity_rate"),
    pytest.param(
        "system", "clock: 1GHz", "clock: 1ns",
        'TMP/systems/sys.yaml:2: system.clock: expected a frequency with a unit, such as'
        " '1GHz' or '500MHz'; 'ns' is not a unit of frequency (in '1ns')",
        id="clock_time"),
    pytest.param(
        "system", "latency: 100ns", "latency: 1GHz",
        'TMP/systems/sys.yaml:13: system.dram.latency: expected a time with a unit, such as'
        " '2ns' or '1.5us'; 'GHz' is not a unit of time (in '1GHz')",
        id="latency_freq"),
    pytest.param(
        "system", "latency: 100ns", "latency: 100",
        'TMP/systems/sys.yaml:13: system.dram.latency: expected a time with a unit, such as'
        " '2ns' or '1.5us'; got the bare number 100 (no unit)",
        id="latency_bare"),
    pytest.param(
        "system", "clock: 1GHz", 'clock: "1000000000"',
        'TMP/systems/sys.yaml:2: system.clock: expected a frequency with a unit, such as'
        " '1GHz' or '500MHz'; got '1000000000' (no unit)",
        id="clock_bare_str"),
    pytest.param(
        "system", "bandwidth: 6.4GB/s", "bandwidth: 6.4GB",
        'TMP/systems/sys.yaml:12: system.dram.bandwidth: expected a bandwidth with a unit,'
        " such as '25.6GB/s' or '100Gb/s'; 'GB' is not a unit of bandwidth (in '6.4GB')",
        id="bandwidth_capacity"),
    pytest.param(
        "system", "ifmap: {capacity: 8KiB", "ifmap: {capacity: 0KiB",
        'TMP/systems/sys.yaml:8: system.sram.ifmap.capacity: must be greater than zero (got'
        " '0KiB')",
        id="capacity_zero"),
    pytest.param(
        "system", "ifmap: {capacity: 8KiB", "ifmap: {capacity: -8KiB",
        'TMP/systems/sys.yaml:8: system.sram.ifmap.capacity: must be greater than zero (got'
        " '-8KiB')",
        id="capacity_neg"),
    pytest.param(
        "system", "ifmap: {capacity: 8KiB, width: 64b", "ifmap: {capacity: 8KiB, width: 0.5b",
        'TMP/systems/sys.yaml:8: system.sram.ifmap.width: must be a whole number of bits,'
        " got 0.5 bits (got '0.5b')",
        id="width_fraction"),
    pytest.param(
        "system", "clock: 1GHz", "clock: 0GHz",
        "TMP/systems/sys.yaml:2: system.clock: must be at least 1Hz (got '0GHz')",
        id="clock_zero"),
    # Upper bounds: far beyond any chip, but finite (a fuzzed 1e154 V overflowed the costing).
    pytest.param(
        "system", "clock: 1GHz", "clock: 1e3THz",
        "TMP/systems/sys.yaml:2: system.clock: must be at most 100THz (got '1e3THz')",
        id="clock_too_high"),
    pytest.param(
        "system", "latency: 100ns", "latency: 2s",
        "TMP/systems/sys.yaml:13: system.dram.latency: must be at most 1s (got '2s')",
        id="latency_too_long"),
    pytest.param(
        "system", "bandwidth: 6.4GB/s", "bandwidth: 0.5b/s",
        "TMP/systems/sys.yaml:12: system.dram.bandwidth: must be at least 1b/s (got '0.5b/s')",
        id="bandwidth_too_low"),
    pytest.param(
        "system", "ifmap: {capacity: 8KiB", "ifmap: {capacity: 2048TiB",
        "TMP/systems/sys.yaml:8: system.sram.ifmap.capacity: must be at most 1024TiB (got"
        " '2048TiB')",
        id="capacity_too_big"),
    pytest.param(  # fuzz regression: a key with '[' was dropped from the path, then IndexError
        "set", None, {"[": None},
        "--set [=null: [: unknown key '['; valid keys here: <top keys>",
        id="bracket_key_regression"),
    pytest.param(
        "set", None, {"system.technology.vdd": "1.3e154V"},
        "--set system.technology.vdd=1.3e154V: system.technology.vdd: must be at most 10V (got"
        " '1.3e154V')",
        id="vdd_overflow_regression"),
    pytest.param(
        "system", "latency: 100ns", "latency: -1ns",
        "TMP/systems/sys.yaml:13: system.dram.latency: must not be negative (got '-1ns')",
        id="latency_neg"),
    pytest.param(
        "system", "clock: 1GHz", "clock: 1e999GHz",
        'TMP/systems/sys.yaml:2: system.clock: expected a frequency with a unit, such as'
        " '1GHz' or '500MHz'; got the non-finite value '1e999GHz'",
        id="clock_inf"),
    pytest.param(
        "system", "dataflow: ws", "dataflow: rs",
        "TMP/systems/sys.yaml:6: system.array.dataflow: expected one of 'os', 'ws' or 'is';"
        " got 'rs'",
        id="dataflow_bad"),
    pytest.param(
        "system", "dataflow: ws", "dataflow: WS",
        "TMP/systems/sys.yaml:6: system.array.dataflow: expected one of 'os', 'ws' or 'is';"
        " got 'WS'",
        id="dataflow_upper"),
    pytest.param(
        "system", "dataflow: ws", "dataflow: 1",
        "TMP/systems/sys.yaml:6: system.array.dataflow: expected one of 'os', 'ws' or 'is';"
        ' got 1',
        id="dataflow_int"),
    pytest.param(
        "run", "fold_order: rows_first", "fold_order: diagonal",
        "TMP/run.yaml:5: mapping.fold_order: expected one of 'rows_first' or 'cols_first';"
        " got 'diagonal'",
        id="fold_order_bad"),
    pytest.param(
        "run", "seed: 1", "seed: [1",
        "TMP/run.yaml:8: not valid YAML: expected ',' or ']', but got '<stream end>'",
        id="unclosed_bracket"),
    pytest.param(
        "system", "ifmap: {capacity: 8KiB, width: 64b}", "ifmap: {capacity: 8KiB, width: 64b",
        "TMP/systems/sys.yaml:9: system: not valid YAML: expected ',' or '}', but got ':'",
        id="unclosed_brace_sys"),
    pytest.param(
        "run", "  seed: 1", "\tseed: 1",
        "TMP/run.yaml:7: not valid YAML: found character '\\t' that cannot start any token",
        id="tab"),
    pytest.param(
        "run", None, "- name: run\n- system: x\n",
        'TMP/run.yaml:1: a run config must be a mapping of keys (name, system, workload, ...)',
        id="top_list"),
    pytest.param(
        "run", None, "just a string\n",
        'TMP/run.yaml:1: a run config must be a mapping of keys (name, system, workload, ...)',
        id="top_scalar"),
    pytest.param(
        "system", None, "- 1\n- 2\n",
        'TMP/systems/sys.yaml:1: system: expected a mapping of keys; got [1, 2]',
        id="sys_top_list"),
    pytest.param(
        "run", None, "",
        'TMP/run.yaml:1: name: required key is missing (and 2 more problems)',
        id="empty_run"),
    pytest.param(
        "system", None, "",
        'TMP/systems/sys.yaml:1: system.name: required key is missing (and 4 more problems)',
        id="empty_sys"),
    pytest.param(
        "run", None, R + "name: again\n",
        "TMP/run.yaml:8: name: duplicate key 'name'",
        id="dup_run"),
    pytest.param(
        "system", "  cols: 4\n", "  cols: 4\n  rows: 8\n",
        "TMP/systems/sys.yaml:6: system.array.rows: duplicate key 'rows'",
        id="dup_sys"),
    pytest.param(
        "run", "systems/sys.yaml", "systems/nope.yaml",
        "TMP/run.yaml:2: system: system file 'systems/nope.yaml' not found (looked in"
        ' TMP/systems)',
        id="missing_include"),
    pytest.param(
        "run", "wl.yaml", "nope.yaml",
        'TMP/run.yaml:3: workload: workload file not found: TMP/nope.yaml',
        id="missing_workload_file"),
    pytest.param(
        "system", "../tables/t.yaml", "../tables/nope.yaml",
        'TMP/systems/sys.yaml:15: system.tables[0]: cost table file not found:'
        ' TMP/tables/nope.yaml',
        id="missing_table"),
    pytest.param(
        "system", "../tables/t.yaml", "builtin:default_45mn",
        "TMP/systems/sys.yaml:15: system.tables[0]: unknown built-in cost table 'default_45mn'; "
        "did you mean builtin:default_45nm? (built-in: accelergy_dram, aladdin_40nm, apsq, "
        "cacti7_sram, d2d_links, default_45nm, gqa_lut, horowitz2014_45nm, reram, "
        "stillmaker2017, temporal_pe)",
        id="unknown_builtin_table"),
    pytest.param(
        "run", "system: systems/sys.yaml", "system: 3",
        'TMP/run.yaml:2: system: expected a mapping of keys; got 3',
        id="system_int"),
    pytest.param(
        "run", "system: systems/sys.yaml", 'system: ""',
        "TMP/run.yaml:2: system: expected a system file path or a mapping of keys; got ''",
        id="system_empty_str"),
    pytest.param(
        "set", None, {"system.array.rowz": 8},
        "--set system.array.rowz=8: system.array.rowz: unknown key 'rowz' (did you mean"
        " 'rows'?); valid keys here: <array keys>",
        id="ov_rows_typo"),
    pytest.param(
        "set", None, {"system.array.fold_overlap": "weights", "system.array.dataflow": "os"},
        "TMP/systems/sys.yaml:3: system.array: fold_overlap 'weights' double-buffers the"
        " stationary operand, but dataflow 'os' keeps the outputs in the PEs (no stationary"
        " weights or inputs to preload); use dataflow ws or is, or fold_overlap none",
        id="ov_fold_overlap_os"),
    pytest.param(
        "set", None, {"system.array.fold_overlap": "weights", "system.array.pe": "temporal"},
        "TMP/systems/sys.yaml:3: system.array: fold_overlap 'weights' with pe 'temporal' is"
        " not modelled: with two folds in flight a lock-step slot holds MACs of two tiles, so"
        " its length mixes both tiles' pulse codes and the per-fold temporal cycles no longer"
        " hold; use fold_overlap none",
        id="ov_fold_overlap_temporal"),
    pytest.param(
        "set", None, {"system.array.preload_rows_per_cycle": 2},
        "TMP/systems/sys.yaml:3: system.array: preload_rows_per_cycle > 1 is modelled with"
        " double-buffered stationary registers only; set fold_overlap 'weights' or"
        " preload_rows_per_cycle 1",
        id="ov_intake_without_overlap"),
    pytest.param(
        "set", None, {"system.array.stationary_buffers": 4},
        "TMP/systems/sys.yaml:3: system.array: stationary_buffers > 2 needs fold_overlap"
        " 'weights' (the registers hold the folds in flight)",
        id="ov_buffers_without_overlap"),
    pytest.param(
        "set", None, {"system.array.fold_overlap": "weight"},
        "--set system.array.fold_overlap=weight: system.array.fold_overlap: unknown fold"
        " overlap 'weight' (did you mean 'weights'?); expected one of none, weights",
        id="ov_fold_overlap_typo"),
    pytest.param(
        "set", None, {"system.arry.rows": 8},
        "--set system.arry.rows=8: system.arry: unknown key 'arry' (did you mean 'array'?);"
        " valid keys here: <system keys>",
        id="ov_section_typo"),
    pytest.param(
        "set", None, {"sytem.array.rows": 8},
        "--set sytem.array.rows=8: sytem: unknown key 'sytem' (did you mean 'system'?);"
        " valid keys here: <top keys>",
        id="ov_top_typo"),
    pytest.param(
        "set", None, {"system.array.rows.x": 8},
        '--set system.array.rows.x=8: system.array.rows.x: cannot set a key inside a value'
        ' that is not a mapping',
        id="ov_through_scalar"),
    pytest.param(
        "set", None, {"name.first": "x"},
        '--set name.first=x: name.first: cannot set a key inside a value that is not a'
        ' mapping',
        id="ov_through_scalar2"),
    pytest.param(
        "set", None, {"system.tables.0": "x"},
        '--set system.tables.0=x: system.tables.0: cannot set a key inside a value that is'
        ' not a mapping',
        id="ov_through_list"),
    pytest.param(
        "set", None, {"system.array.rows": "many"},
        '--set system.array.rows=many: system.array.rows: input should be a valid integer'
        " (got 'many')",
        id="ov_bad_value"),
    pytest.param(
        "set", None, {"system.clock": "3ns"},
        '--set system.clock=3ns: system.clock: expected a frequency with a unit, such as'
        " '1GHz' or '500MHz'; 'ns' is not a unit of frequency (in '3ns')",
        id="ov_bad_unit"),
    pytest.param(
        "set", None, {"system.dram": None},
        '--set system.dram=null: system.dram: expected a mapping of keys; got None',
        id="ov_null_section"),
    pytest.param(
        "set", None, {"system.tables": ["nope.yaml"]},
        '--set system.tables=[nope.yaml]: system.tables[0]: cost table file not found:'
        ' nope.yaml',
        id="ov_missing_table"),
    pytest.param(
        "set", None, {"workload": "/nonexistent/w.yaml"},
        '--set workload=/nonexistent/w.yaml: workload: workload file not found:'
        ' /nonexistent/w.yaml',
        id="ov_missing_workload"),
    pytest.param(
        "set", None, {"sim.sed": 3},
        "--set sim.sed=3: sim.sed: unknown key 'sed' (did you mean 'seed'?); valid keys"
        ' here: seed, timeline',
        id="ov_last_key_unknown"),
]


@pytest.mark.parametrize(("where", "old", "new", "expected"), CASES)
def test_bad_config_gives_one_pinned_line(tree: ConfigTree, where: str, old: str | None,
                                          new: object, expected: str) -> None:
    run, system, overrides = R, S, None
    if where == "set":
        overrides = new
    elif where == "run":
        assert old is None or old in R, "the case no longer applies to RUN"
        run = str(new) if old is None else R.replace(old, str(new))
    else:
        assert old is None or old in S, "the case no longer applies to SYSTEM"
        system = str(new) if old is None else S.replace(old, str(new))
    assert tree.error(run, system, overrides) == expand(expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("system.array.rows", "--set: expected KEY=VALUE such as system.array.rows=64; got "
                          "'system.array.rows'"),
    ("=64", "--set: expected KEY=VALUE such as system.array.rows=64; got '=64'"),
    ("  =64", "--set: expected KEY=VALUE such as system.array.rows=64; got '  =64'"),
])
def test_override_without_key_or_equals_is_refused(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_override(text)
    assert str(info.value) == expected


@pytest.mark.parametrize(("text", "key", "value"), [
    ("system.array.rows=64", "system.array.rows", 64),
    (" system.clock = 2GHz ", "system.clock", "2GHz"),
    ("sim.timeline=true", "sim.timeline", True),
    ("system.tables=[a.yaml, b.yaml]", "system.tables", ["a.yaml", "b.yaml"]),
    ("system.dram.energy_per_bit=null", "system.dram.energy_per_bit", None),
    ("name=", "name", ""),
    ("name=a=b", "name", "a=b"),
    ("name=[unclosed", "name", "[unclosed"),  # not YAML: kept as the text written
    ("sim.seed=" + "9" * 5000, "sim.seed", "9" * 5000),  # int() refuses 5000 digits
    ("name=!!int x", "name", "!!int x"),
])
def test_override_values_are_read_as_yaml(text: str, key: str, value: object) -> None:
    assert parse_override(text) == (key, value)


# Inputs that once crashed the loader with a traceback (found by probing and by
# tests/properties/test_config_fuzz.py); each must now be one ConfigError line.
HOSTILE = [
    pytest.param("run", R + "<<: {x: 1}\n",
                 "TMP/run.yaml:8: merge keys ('<<') are not supported; write the keys out "
                 "(anchors '&name' and aliases '*name' do work)", id="merge_key"),
    pytest.param("run", R + "x: &a [*a]\n",
                 "TMP/run.yaml:8: x[0]: an alias refers to a node that contains it (a cycle)",
                 id="alias_cycle"),
    pytest.param("run", R + "x: &a {y: *a}\n",
                 "TMP/run.yaml:8: x.y: an alias refers to a node that contains it (a cycle)",
                 id="alias_cycle_mapping"),
    pytest.param("run", "x: " + "[" * 1000 + "]" * 1000 + "\n",
                 "TMP/run.yaml: not valid YAML: nested more than 64 levels deep",
                 id="deep_flow"),
    pytest.param("run", "x:\n" + "".join("  " * i + "y:\n" for i in range(1, 80)),
                 "TMP/run.yaml:66: x" + ".y" * 64 + ": nested more than 64 levels deep",
                 id="deep_block"),
    pytest.param("system", S.replace("rows: 4", "rows: " + "9" * 5000),
                 "TMP/systems/sys.yaml:4: system.array.rows: cannot read the value "
                 "'9999999999999999999999999999999999999999...': Exceeds the limit (4300 "
                 "digits) for integer string conversion: value has 5000 digits", id="huge_int"),
    pytest.param("run", R.replace("name: run", "name: 2024-13-01"),
                 "TMP/run.yaml:1: name: cannot read the value '2024-13-01': month must be in "
                 "1..12", id="bad_date"),
    pytest.param("run", R.replace("name: run", "name: !!int x"),
                 "TMP/run.yaml:1: name: cannot read the value 'x': invalid literal for int() "
                 "with base 10: 'x'", id="bad_int_tag"),
    pytest.param("run", R.replace("name: run", "name: !!python/name:os.system"),
                 "TMP/run.yaml:1: not valid YAML: could not determine a constructor for the tag "
                 "'tag:yaml.org,2002:python/name:os.system'", id="python_tag"),
    pytest.param("run", R.replace("name: run", "name: r\x00n"),
                 "TMP/run.yaml:1: not valid YAML: special characters are not allowed",
                 id="nul_char"),
    pytest.param("run", R.replace("workload: wl.yaml", 'workload: "w\\0l.yaml"'),
                 "TMP/run.yaml:3: workload: workload file not found: TMP/w\x00l.yaml",
                 id="nul_in_path"),
    pytest.param("run", R.replace("workload: wl.yaml", "workload: " + "w" * 300),
                 "TMP/run.yaml:3: workload: workload file not found: TMP/" + "w" * 300,
                 id="name_too_long"),
    pytest.param("run", R.replace("systems/sys.yaml", "s" * 300),
                 f"TMP/run.yaml:2: system: system file '{'s' * 300}' not found (looked in TMP)",
                 id="include_name_too_long"),
    pytest.param("system", S.replace("../tables/t.yaml", '"t\\0.yaml"'),
                 "TMP/systems/sys.yaml:15: system.tables[0]: cost table file not found: "
                 "TMP/systems/t\x00.yaml", id="nul_in_table"),
    pytest.param("run", R.replace("seed: 1", "seed: 1\n  8: x"),
                 "TMP/run.yaml:8: sim: keys must be names, got 8", id="int_key"),
    pytest.param("run", R.replace("seed: 1", "seed: 1\n  [a]: x"),
                 "TMP/run.yaml:8: sim: keys must be names, got a sequence", id="list_key"),
    pytest.param("run", R.replace("seed: 1", "seed: 1\n  ~: x"),
                 "TMP/run.yaml:8: sim: keys must be names, got None", id="null_key"),
]


@pytest.mark.parametrize(("where", "text", "expected"), HOSTILE)
def test_hostile_yaml_is_one_config_error(tree: ConfigTree, where: str, text: str,
                                          expected: str) -> None:
    run, system = (text, S) if where == "run" else (R, text)
    assert tree.error(run, system) == expected


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"system.clock": 10**5000},
     "--set system.clock=<int>: system.clock: expected a frequency with a unit, such as "
     "'1GHz' or '500MHz'; got the bare number <an integer too long to print> (no unit)"),
    ({"system.array.rows": 10**5000},
     "--set system.array.rows=<int>: system.array.rows: input should be less than or equal "
     "to 65536 (got <an integer too long to print>)"),
    ({"system.clock": "x" * 100},
     f"--set system.clock={'x' * 60}...: system.clock: expected a frequency with a unit, "
     f"such as '1GHz' or '500MHz'; got '{'x' * 59}..."),
    ({"system.name": object()},
     "--set system.name=<object>: system.name: input should be a valid string"),
    ({"system.sram.ifmap": {"capacity": "1KiB", "width": "8b", "banks": "x"}},
     "--set system.sram.ifmap={capacity: 1KiB, width: 8b, banks: x}: "
     "system.sram.ifmap.banks: input should be a valid integer (got 'x')"),
])
def test_python_override_values_are_shown_safely(tree: ConfigTree, overrides: dict,
                                                 expected: str) -> None:
    assert tree.error(overrides=overrides) == expected
