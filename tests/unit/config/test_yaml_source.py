"""YAML with line numbers: what errors point at, and the libyaml fast path matching PyYAML."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from accelsim.config import yaml_source
from accelsim.config.errors import suggestion, valid_keys
from accelsim.config.run_spec import RunSpec
from accelsim.config.yaml_source import format_key_path, parse_yaml_text
from accelsim.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
TEXT = """\
# a comment
name: x
array:
  rows: 4
  precision: {ifmap_bits: 8}
tables:
  - a.yaml
  - b.yaml
"""


def test_every_key_and_item_has_its_line() -> None:
    located = parse_yaml_text(TEXT, "f.yaml")
    lines = located.source.lines
    assert lines[("name",)] == 2
    assert lines[("array", "rows")] == 4
    assert lines[("array", "precision", "ifmap_bits")] == 5
    assert (lines[("tables", 0)], lines[("tables", 1)]) == (7, 8)
    assert located.data == {"name": "x", "array": {"rows": 4, "precision": {"ifmap_bits": 8}},
                            "tables": ["a.yaml", "b.yaml"]}


def test_line_of_falls_back_to_the_nearest_ancestor() -> None:
    source = parse_yaml_text(TEXT, "f.yaml").source
    assert source.line_of(("array", "cols")) == 3  # missing key: its section's line
    assert source.line_of(("array", "precision", "psum_bits")) == 5
    assert source.line_of(("nowhere", "at", "all")) == 2  # the document starts at line 2


def test_empty_document_is_an_empty_mapping_at_line_1() -> None:
    located = parse_yaml_text("# only a comment\n", "f.yaml")
    assert located.data == {}
    assert located.source.line_of(("name",)) == 1


@pytest.mark.parametrize(("path", "text"), [
    ((), ""),
    (("system",), "system"),
    (("system", "sram", "ifmap", "capacity"), "system.sram.ifmap.capacity"),
    (("system", "tables", 0), "system.tables[0]"),
    (("layers", 3, "kernel"), "layers[3].kernel"),
])
def test_format_key_path(path: tuple, text: str) -> None:
    assert format_key_path(path) == text


def _repository_yaml() -> list[Path]:
    files = sorted((REPO / "configs").rglob("*.yaml")) + sorted((REPO / "workloads").glob("*.yaml"))
    assert len(files) >= 10
    return files


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_libyaml_fast_path_gives_the_same_data_and_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    files = _repository_yaml()
    fast = [parse_yaml_text(p.read_text(), str(p)) for p in files]
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    slow = [parse_yaml_text(p.read_text(), str(p)) for p in files]
    for path, a, b in zip(files, fast, slow, strict=True):
        assert (a.data, a.source.lines) == (b.data, b.source.lines), path


@pytest.mark.parametrize("text", [
    "x: " + "[" * 100_000 + "]" * 100_000,  # libyaml would overflow the C stack on this
    "- " * 100_000 + "x",
    "x: " + "{a: " * 3_000 + "1" + "}" * 3_000,
])
def test_text_nested_too_deep_for_libyaml_is_refused_cleanly(text: str) -> None:
    assert yaml_source._nesting_bound(text) >= yaml_source._C_NESTING_LIMIT  # noqa: SLF001
    with pytest.raises(ConfigError, match="nested more than 64 levels deep"):
        parse_yaml_text(text, "f.yaml")


def test_nesting_bound_admits_real_files_to_the_fast_path() -> None:
    for path in _repository_yaml():
        bound = yaml_source._nesting_bound(path.read_text())  # noqa: SLF001
        assert bound < yaml_source._C_NESTING_LIMIT, path  # noqa: SLF001


def test_error_messages_come_from_pyyaml_whatever_the_parser() -> None:
    """libyaml words its errors differently; the pinned messages are PyYAML's."""
    with pytest.raises(ConfigError) as info:
        parse_yaml_text("a: 1\n\tb: 2\n", "f.yaml")
    assert str(info.value) == ("f.yaml:2: not valid YAML: found character '\\t' that cannot "
                               "start any token")


@pytest.mark.parametrize(("word", "expected"), [
    ("rowz", " (did you mean 'rows'?)"),
    ("ROWS", ""),  # case matters to the matcher; the list of valid keys still shows
    ("colls", " (did you mean 'cols'?)"),
    ("frobnicate", ""),
])
def test_suggestion(word: str, expected: str) -> None:
    assert suggestion(word, ["rows", "cols", "dataflow", "pe", "precision"]) == expected


def test_valid_keys_follow_aliases_and_optional_sections() -> None:
    assert valid_keys(RunSpec, ("system",))[:3] == ["name", "clock", "array"]
    assert "capacity" in valid_keys(RunSpec, ("system", "sram", "shared"))
    assert valid_keys(RunSpec, ("system", "clock")) == []  # a scalar has no keys
    assert valid_keys(RunSpec, ("nope",)) == []
