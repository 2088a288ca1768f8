"""The snapshot of the parsed built-in tables: current, used only for identical bytes, and
giving exactly what parsing the YAML gives."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from accelsim.cost import compiled, load_tables, table_files
from accelsim.cost import tables as tables_module
from accelsim.cost.tables import CostTables
from accelsim.data import builtin_table_names, builtin_table_path, compiled_tables_text
from accelsim.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "compile_tables", ROOT / "docs" / "tools" / "compile_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Every test reads the tables and the snapshot afresh (both are cached per process)."""
    tables_module._PARSED.clear()
    compiled._snapshot.cache_clear()
    yield
    tables_module._PARSED.clear()
    compiled._snapshot.cache_clear()


def _outcome(path: Path) -> object:
    """The tables ``path`` loads into, or the message it is refused with (some built-in
    tables use node rules that only the defaults they are merged into define)."""
    try:
        return load_tables([path])
    except ConfigError as exc:
        return str(exc)


def _parsed_without_snapshot(monkeypatch: pytest.MonkeyPatch, path: Path) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(compiled, "lookup", lambda text: None)
        outcome = _outcome(path)
    tables_module._PARSED.clear()
    return outcome


def test_the_shipped_snapshot_is_what_the_built_in_files_parse_to() -> None:
    assert compiled_tables_text() == _tool().snapshot_text(), (
        "accelsim/data/compiled_tables.json is stale: run python docs/tools/compile_tables.py")


@pytest.mark.parametrize("name", builtin_table_names())
def test_each_built_in_table_reads_the_same_from_the_snapshot_as_from_yaml(
        monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    path = builtin_table_path(name)
    parsed = _parsed_without_snapshot(monkeypatch, path)

    def no_parsing(text: str, file: str) -> None:
        raise AssertionError(f"{file} was parsed, not read from the snapshot")

    monkeypatch.setattr(table_files, "read_contents", no_parsing)
    from_snapshot = _outcome(path)
    assert from_snapshot == parsed
    assert isinstance(parsed, str) or (isinstance(parsed, CostTables)
                                       and (parsed.entries or parsed.node_rules)), name


def test_a_copy_with_the_same_bytes_uses_the_snapshot_and_names_the_copy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = builtin_table_path("default_45nm").parent
    copy = tmp_path / "tables"
    shutil.copytree(source, copy)
    expected = _parsed_without_snapshot(monkeypatch, copy / "default_45nm.yaml")
    tables = load_tables([copy / "default_45nm.yaml"])
    assert tables == expected
    assert {Path(entry.file).parent for entry in tables.entries.values()} == {copy.resolve()}


def test_an_edited_built_in_file_is_parsed_with_its_new_lines_and_values(
        tmp_path: Path) -> None:
    text = builtin_table_path("apsq").read_text(encoding="utf-8")
    assert "area: 86410um2" in text or "86410" in text.replace(",", "").replace("_", "")
    edited = tmp_path / "apsq.yaml"
    edited.write_text("# an added first line\n" + text, encoding="utf-8")
    assert compiled.lookup(edited.read_text(encoding="utf-8")) is None
    original = load_tables([builtin_table_path("apsq")]).entries["apsq.rae.28nm"]
    entry = load_tables([edited]).entries["apsq.rae.28nm"]
    assert entry.line == (original.line or 0) + 1
    assert entry.area_m2 == original.area_m2 and entry.file == str(edited.resolve())


def test_a_snapshot_of_another_format_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled, "compiled_tables_text", lambda: '{"format": 0, "files": {}}')
    assert compiled.lookup(builtin_table_path("apsq").read_text(encoding="utf-8")) is None


def test_no_snapshot_means_every_file_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled, "compiled_tables_text", lambda: None)
    path = builtin_table_path("reram")
    assert compiled.lookup(path.read_text(encoding="utf-8")) is None
    assert load_tables([path]).entries
