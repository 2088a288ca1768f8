"""Hostile YAML inputs: alias bombs, special files and huge files are one ConfigError, fast."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from accelsim.cli import main
from accelsim.config import yaml_source
from accelsim.config.yaml_source import load_yaml_file, parse_yaml_text
from accelsim.errors import ConfigError


def billion_laughs(levels: int = 9) -> str:
    """Each level a list of ten aliases of the one before: 10**levels values from ~600 bytes."""
    lines = ["name: lol", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_within_a_second() -> None:
    start = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        parse_yaml_text(billion_laughs(), "bomb.yaml")
    assert time.monotonic() - start < 3.0  # ~0.3 s alone; unbounded, minutes and gigabytes
    assert caught.value.render() == (
        "bomb.yaml:6: a4[7]: aliases expand this document to more than 100000 repeated "
        "values (nested aliases, as in a 'billion laughs' file); write the values out")


def test_a_few_aliases_still_work() -> None:
    text = "base: &b {rows: 4, cols: 4}\none: *b\ntwo: *b\n"
    assert parse_yaml_text(text, "f.yaml").data == {
        "base": {"rows": 4, "cols": 4}, "one": {"rows": 4, "cols": 4},
        "two": {"rows": 4, "cols": 4}}


def test_the_alias_budget_counts_repeated_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_source, "MAX_ALIAS_VALUES", 3)
    parse_yaml_text("a: &a [1, 2]\nb: *a\n", "f.yaml")  # the list and its two items: 3
    with pytest.raises(ConfigError, match=r"^f.yaml:3: c: aliases expand"):
        parse_yaml_text("a: &a [1, 2]\nb: *a\nc: *a\n", "f.yaml")


def test_a_cycle_is_still_named_as_a_cycle() -> None:
    with pytest.raises(ConfigError, match="a cycle"):
        parse_yaml_text("a: &a [*a]\n", "f.yaml")


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null"])
def test_a_device_is_not_read(special: str) -> None:
    if not Path(special).exists():
        pytest.skip(f"no {special}")
    with pytest.raises(ConfigError) as caught:
        load_yaml_file(Path(special))
    assert caught.value.render() == (
        f"{special}: cannot read config file: not a regular file (a device, FIFO or socket)")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match=r"pipe.yaml: cannot read config file: not a regular "
                       r"file \(a device, FIFO or socket\)$"):
        load_yaml_file(fifo)


def test_a_directory_is_not_read(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r": cannot read config file: not a regular file "
                       r"\(a directory\)$"):
        load_yaml_file(tmp_path)


def test_a_huge_file_is_refused_unparsed(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (yaml_source.MAX_FILE_BYTES + 1))
    start = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_yaml_file(big, what="workload")
    assert time.monotonic() - start < 3.0
    assert caught.value.render() == (
        f"{big}: workload file is larger than 4 MiB; refusing to read it")


@pytest.mark.parametrize("argv", [["validate", "/dev/zero"], ["run", "/dev/zero"]])
def test_cli_exits_2_on_a_device(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "accelsim: error: /dev/zero: cannot read config file: not a regular file "
        "(a device, FIFO or socket)\n")


def test_cli_exits_2_on_an_alias_bomb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(billion_laughs())
    assert main(["validate", str(bomb)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"accelsim: error: {bomb}:6: a4[7]: aliases expand this document")
    assert len(err.splitlines()) == 1
