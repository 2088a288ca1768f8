"""Sweep grids: point order, zipped and derived keys, and the messages of bad definitions."""

from __future__ import annotations

import pytest

from accelsim.errors import ConfigError
from accelsim.sweep.grid import (
    build_grid,
    parse_derive_option,
    parse_grid_option,
    split_values,
)

ROWS, DF = "system.array.rows", "system.array.dataflow"


def test_crossed_keys_vary_first_key_slowest() -> None:
    points = build_grid({ROWS: [8, 16], DF: ["os", "ws", "is"]}).points()
    assert [p.id for p in points] == list(range(6))
    assert [p.overrides() for p in points[:4]] == [
        {ROWS: 8, DF: "os"}, {ROWS: 8, DF: "ws"}, {ROWS: 8, DF: "is"}, {ROWS: 16, DF: "os"}]


def test_zipped_keys_advance_together_and_cross_with_the_grid() -> None:
    grid = build_grid({DF: ["os", "ws"]}, zipped={ROWS: [8, 16, 32],
                                                  "system.array.cols": [4, 8, 16]})
    points = grid.points()
    assert len(points) == 6
    assert points[1].overrides() == {DF: "os", ROWS: 16, "system.array.cols": 8}
    assert grid.keys == (DF, ROWS, "system.array.cols")


def test_several_zip_groups_are_crossed_with_each_other() -> None:
    grid = build_grid(None, zipped=[{ROWS: [8, 16]}, {DF: ["os", "ws", "is"]}])
    assert len(grid.points()) == 6


def test_derived_keys_copy_or_compute_in_order() -> None:
    grid = build_grid({ROWS: [8, 16]}, derived={
        "system.array.cols": ROWS,
        "system.sram.ifmap.capacity": lambda p: f"{p['system.array.cols'] * 2}KiB"})
    assert grid.points()[1].values == (
        (ROWS, 16), ("system.array.cols", 16), ("system.sram.ifmap.capacity", "32KiB"))
    assert grid.origins["system.array.cols"] == "--derive"


def test_an_empty_grid_is_one_point_without_overrides() -> None:
    points = build_grid({}).points()
    assert len(points) == 1 and points[0].overrides() == {}


@pytest.mark.parametrize(("grid", "zipped", "derived", "fixed", "message"), [
    ({ROWS: []}, None, None, None, "--grid: system.array.rows: empty list of values to sweep"),
    ({ROWS: 8}, None, None, None, "expected a list of values to sweep; got 8"),
    ({ROWS: "8,16"}, None, None, None, "expected a list of values to sweep; got '8,16'"),
    ({ROWS: [object()]}, None, None, None, "a swept value must be a number, string"),
    ({ROWS: [float("nan")]}, None, None, None, "a swept value must be finite; got NaN"),
    (None, {ROWS: [8, 16], DF: ["os"]}, None, None,
     "--zip: zipped keys need lists of the same length; system.array.rows has 2, "
     "system.array.dataflow has 1"),
    ({ROWS: [8]}, {ROWS: [16]}, None, None,
     "--zip: system.array.rows: set twice (by --grid and --zip)"),
    ({ROWS: [8]}, None, None, {ROWS: 4}, "--grid: system.array.rows: set twice (by --set and"),
    ({ROWS: [8]}, None, {"system.array.cols": "system.array.rws"}, None,
     "--derive: system.array.cols: derived from 'system.array.rws', which is not a swept or "
     "earlier derived key (keys: system.array.rows)"),
    ({ROWS: [8]}, None, {"system.array.cols": 3}, None,
     "a derived key needs the name of another key or a function; got 3"),
    ({ROWS: [8]}, None, {"system.array.cols": lambda p: 1 / 0}, None,
     "--derive: system.array.cols: the function deriving it failed: ZeroDivisionError"),
])
def test_bad_definitions_are_one_line_config_errors(grid, zipped, derived, fixed,  # noqa: ANN001
                                                    message: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_grid(grid, zipped, derived, fixed).points()
    assert message in info.value.render()
    assert "\n" not in info.value.render()


def test_split_values_keeps_brackets_and_quotes_whole() -> None:
    assert split_values("8,16,[1,2],'a,b',{x: 1, y: 2}") == [
        "8", "16", "[1,2]", "'a,b'", "{x: 1, y: 2}"]


def test_grid_option_values_are_yaml_like_set() -> None:
    assert parse_grid_option("system.array.rows=8, 16,32") == (ROWS, [8, 16, 32])
    assert parse_grid_option("k=ws,64KiB,true,1.5") == ("k", ["ws", "64KiB", True, 1.5])


@pytest.mark.parametrize(("text", "message"), [
    ("system.array.rows", "expected KEY=V1,V2,... such as system.array.rows=8,16,32"),
    ("system.array.rows=", "system.array.rows: empty list of values to sweep"),
    ("system.array.rows=8,", "empty value in '8,' (two commas in a row, or a trailing comma?)"),
])
def test_bad_grid_options(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("?", r"\?").replace(".", r"\.")):
        parse_grid_option(text)


def test_derive_option() -> None:
    assert parse_derive_option("system.array.cols = system.array.rows") == (
        "system.array.cols", ROWS)
    with pytest.raises(ConfigError, match="expected KEY=OTHER_KEY"):
        parse_derive_option("system.array.cols=")
