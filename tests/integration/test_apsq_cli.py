"""The PSUM-buffer configs from the command line: they run, and bad PSUM input exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim import cli

REPO = Path(__file__).resolve().parents[2]
APSQ_WS = str(REPO / "configs" / "apsq_ws.yaml")


@pytest.mark.parametrize(("command", "setting", "message"), [
    ("run", "system.psum_buffer.quantization=none",
     "psum_buffer.word_bits 8 cannot hold the 32-bit accumulation"),
    ("run", "system.psum_buffer.capacity=64b", "too small for one tile step"),
    ("run", "system.psum_buffer.group_size=0", "system.psum_buffer.group_size: input should be "
     "greater than or equal to 1"),
    ("run", "system.psum_buffer.group_size=4", "layer 'attention.self.scores' has 2 K tile(s)"),
    ("validate", "system.psum_buffer.group_size=4",
     "layer 'attention.self.scores' has 2 K tile(s)"),
])
def test_bad_psum_input_is_one_line_and_exit_2(command: str, setting: str, message: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    strict = "system.psum_buffer.short_reduction=error"  # the shipped config says one_group
    assert cli.main([command, APSQ_WS, "--set", setting, "--set", strict]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_one_group_runs_short_reductions_at_any_group_size(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", APSQ_WS, "--set", "system.psum_buffer.group_size=4"]) == 0
    assert ": ok (" in capsys.readouterr().out
    assert cli.main(["validate", APSQ_WS, "--set", "system.psum_buffer.short_reduction=wrong"]) == 2
    assert "short_reduction" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["apsq_ws", "apsq_is", "psum32_ws", "psum32_is"])
def test_shipped_psum_configs_validate(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(REPO / "configs" / f"{name}.yaml")]) == 0
    assert ": ok (" in capsys.readouterr().out
