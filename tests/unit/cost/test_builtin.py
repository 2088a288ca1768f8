"""The built-in cost tables: which ones each component kind needs, and how a config names one."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.cost import builtin, load_tables
from accelsim.cost.builtin import KIND_CLASSES, default_tables, resolve_table
from accelsim.data import builtin_table_names, builtin_table_path
from accelsim.errors import ConfigError


@pytest.mark.parametrize(("kinds", "expected"), [
    (["array", "sram", "psum_buffer", "dram"], ("builtin:default_45nm",)),
    (["temporal_pe"], ("builtin:default_45nm", "builtin:temporal_pe")),
    (["decoder"], ("builtin:default_45nm", "builtin:temporal_pe")),
    # shifter is in temporal_pe.yaml and apsq.yaml: the APSQ engine takes apsq.yaml's
    (["apsq"], ("builtin:default_45nm", "builtin:apsq")),
    (["reram"], ("builtin:reram",)),
    (["nonlinear"], ("builtin:gqa_lut",)),
    (["d2d_link"], ("builtin:d2d_links",)),
    (["d2d_link", "apsq", "temporal_pe", "array"],
     ("builtin:default_45nm", "builtin:temporal_pe", "builtin:apsq", "builtin:d2d_links")),
    ([], ()),
])
def test_each_kind_gets_the_tables_that_price_it(kinds: list[str],
                                                 expected: tuple[str, ...]) -> None:
    assert default_tables(kinds) == expected


@pytest.mark.parametrize("kind", sorted(KIND_CLASSES))
def test_the_default_tables_price_every_class_of_the_kind(kind: str) -> None:
    files = [resolve_table(entry, Path.cwd()) for entry in default_tables([kind])]
    classes = {entry.cls for entry in load_tables(files).entries.values()}
    assert set(KIND_CLASSES[kind]) <= classes


def test_an_unknown_kind_is_an_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="component kind 'systolic'"):
        default_tables(["array", "systolic"])


def test_a_kind_whose_table_is_missing_is_an_error_naming_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tuple(name for name in builtin_table_names() if name != "temporal_pe")
    monkeypatch.setattr(builtin, "builtin_table_names", lambda: shipped)
    builtin._classes_by_table.cache_clear()  # read once per process: forget the real tables
    try:
        assert default_tables(["array"]) == ("builtin:default_45nm",)
        with pytest.raises(ConfigError, match="kind 'temporal_pe' needs a cost table for "
                                              "class 'counter'"):
            default_tables(["temporal_pe"])
    finally:
        builtin._classes_by_table.cache_clear()


def test_resolve_table_reads_builtin_names_and_paths(tmp_path: Path) -> None:
    assert resolve_table("builtin:default_45nm", tmp_path) == \
        str(builtin_table_path("default_45nm"))
    assert Path(resolve_table("builtin:d2d_links", tmp_path)).is_file()
    assert resolve_table("tables/t.yaml", tmp_path) == str(tmp_path / "tables" / "t.yaml")
    assert resolve_table("/abs/t.yaml", tmp_path) == "/abs/t.yaml"


def test_an_unknown_builtin_name_suggests_the_closest() -> None:
    with pytest.raises(ConfigError, match="did you mean builtin:temporal_pe"):
        resolve_table("builtin:temporal", Path.cwd())


def test_every_default_table_is_shipped() -> None:
    assert set(builtin.DEFAULT_TABLE_ORDER) <= set(builtin_table_names())
