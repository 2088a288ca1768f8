"""The command line in-process: exit codes, one error line on stderr, atomic output files."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from pathlib import Path

import pytest
import yaml

from accelsim import api, cli
from accelsim.config import RunSpec
from accelsim.config.errors import valid_keys
from accelsim.errors import SimulationError

REPO = Path(__file__).resolve().parents[2]
WORKLOAD = """\
schema: accelsim.workload/1
name: tiny
layers:
  - {name: fc, op: gemm, m: 4, n: 8, k: 16}
  - {name: conv, op: conv2d, ifmap: 6, channels: 3, filters: 4, kernel: 3}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """run.yaml -> sys.yaml (the repository's INT8 system, absolute table path) + wl.yaml."""
    system = yaml.safe_load((REPO / "configs" / "systems" / "int8_32x32.yaml").read_text())
    system["tables"] = [str(REPO / "accelsim" / "data" / "tables" / "default_45nm.yaml")]
    (tmp_path / "sys.yaml").write_text(yaml.safe_dump(system, sort_keys=False))
    (tmp_path / "wl.yaml").write_text(WORKLOAD)
    run = tmp_path / "run.yaml"
    run.write_text("name: cli\nsystem: sys.yaml\nworkload: wl.yaml\n")
    return run


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_error_line(err: str) -> str:
    """The contract for bad input: exactly one line, prefixed, no traceback."""
    assert err.startswith("accelsim: error: ")
    assert err.endswith("\n") and len(err.splitlines()) == 1, repr(err)
    assert "Traceback" not in err
    return err.removeprefix("accelsim: error: ").rstrip("\n")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--version")
    assert (code, err) == (0, "")
    assert re.fullmatch(r"accelsim \S+\n", out)


def test_help_returns_zero_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    assert "run" in out and "validate" in out


COMMAND_NAMES = list(cli.COMMANDS)  # the list grows with the product; its wording does not


@pytest.mark.parametrize(("argv", "message"), [
    ((), f"command line: missing command: {', '.join(COMMAND_NAMES)} (see 'accelsim --help')"),
    (("frob",), "command line: argument command: invalid choice: 'frob' (choose from "
                f"{', '.join(map(repr, COMMAND_NAMES))}) (see 'accelsim --help')"),
    (("run",), "command line: the following arguments are required: config (see 'accelsim "
               "run --help')"),
    (("validate", "a", "b"), "command line: unrecognized arguments: b (see 'accelsim --help')"),
    (("run", "x.yaml", "--set"), "command line: argument --set: expected one argument (see "
                                 "'accelsim run --help')"),
    (("validate", "x.yaml", "--set", "rows"), "--set: expected KEY=VALUE such as "
                                              "system.array.rows=64; got 'rows'"),
])
def test_usage_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str],
                                           argv: tuple[str, ...], message: str) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert (code, out) == (2, "")
    assert assert_one_error_line(err) == message


def test_validate_ok(capsys: pytest.CaptureFixture[str], config: Path) -> None:
    code, out, err = run_cli(capsys, "validate", str(config))
    assert (code, err) == (0, "")
    assert out == (f"{config}: ok (int8_32x32, 32x32 ws; workload tiny with 2 layers, "
                   "2,240 MACs)\n")


def test_validate_applies_overrides(capsys: pytest.CaptureFixture[str], config: Path) -> None:
    code, out, _ = run_cli(capsys, "validate", str(config), "--set", "system.array.rows=8",
                           "--set", "system.array.dataflow=os")
    assert code == 0
    assert "8x32 os" in out


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


# (file to edit, old, new, expected message); {run}, {sys}, {dir} are filled in.
BAD_INPUTS = [
    pytest.param("run", "workload: wl.yaml\n", "workload: wl.yaml\nsimm: 1\n",
                 "{run}:4: simm: unknown key 'simm' (did you mean 'sim'?); valid keys here: "
                 + ", ".join(valid_keys(RunSpec, ())), id="run-typo"),
    pytest.param("sys", "dataflow: ws", "dataflow: xs",
                 "{sys}:6: system.array.dataflow: expected one of 'os', 'ws' or 'is'; got 'xs'",
                 id="system-dataflow"),
    pytest.param("wl", "layers:", "layerz:",
                 "{dir}/wl.yaml:3: layerz: unknown key 'layerz' (did you mean 'layers'?); "
                 "valid keys at the top level: schema, layers, name, source",
                 id="workload-typo"),
    # A table entry the cost tables do not have is found by validate, not only by run.
    pytest.param("sys", "technology: lpddr4", "technology: lpddr99", "lpddr99",
                 id="no-table-entry"),
]


@pytest.mark.parametrize(("where", "old", "new", "message"), BAD_INPUTS)
def test_validate_bad_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str],
                                                  config: Path, where: str, old: str,
                                                  new: str, message: str) -> None:
    _edit(config.parent / {"run": "run.yaml", "sys": "sys.yaml", "wl": "wl.yaml"}[where],
          old, new)
    code, out, err = run_cli(capsys, "validate", str(config))
    assert (code, out) == (2, "")
    text = assert_one_error_line(err)
    expected = message.format(run=config, sys=config.parent / "sys.yaml", dir=config.parent)
    assert (text == expected) if " " in expected else (expected in text)


def test_validate_missing_config_exits_2(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "validate", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert assert_one_error_line(err) == f"{tmp_path / 'nope.yaml'}: config file not found"


def test_run_prints_summary_and_writes_every_output(capsys: pytest.CaptureFixture[str],
                                                    config: Path) -> None:
    out_dir = config.parent
    paths = {flag: out_dir / f"out.{flag}" for flag in ("json", "csv", "timeline")}
    argv = ["run", str(config)]
    for flag, path in paths.items():
        argv += [f"--{flag}", str(path)]
    code, out, err = run_cli(capsys, *argv)
    assert (code, err) == (0, "")
    assert "total cycles" in out
    for path in paths.values():
        assert f"wrote {path}\n" in out
    report = json.loads(paths["json"].read_text())
    assert report["schema"] == "accelsim.report/1"
    assert [layer["name"] for layer in report["layers"]] == ["fc", "conv"]
    assert paths["csv"].read_text().splitlines()[0].startswith("layer,")
    assert "traceEvents" in json.loads(paths["timeline"].read_text())
    assert sorted(p.name for p in out_dir.iterdir() if p.name.startswith(".out")) == []


def test_run_with_override_and_workload_flag(capsys: pytest.CaptureFixture[str],
                                             config: Path) -> None:
    other = config.parent / "other.yaml"
    other.write_text(WORKLOAD.replace("name: tiny", "name: other"))
    report = config.parent / "r.json"
    code, _, err = run_cli(capsys, "run", str(config), "--workload", str(other),
                           "--set", "system.array.rows=8", "--json", str(report))
    assert (code, err) == (0, "")
    data = json.loads(report.read_text())
    assert data["workload"]["name"] == "other"
    assert data["config"]["system"]["array"]["rows"] == 8


def test_failed_run_leaves_existing_outputs_untouched(capsys: pytest.CaptureFixture[str],
                                                      config: Path) -> None:
    outputs = [config.parent / name for name in ("r.json", "r.csv", "r.trace")]
    for path in outputs:
        path.write_text("previous\n")
    config.write_text(config.read_text().replace("wl.yaml", "missing.yaml"))
    code, out, err = run_cli(capsys, "run", str(config), "--json", str(outputs[0]),
                             "--csv", str(outputs[1]), "--timeline", str(outputs[2]))
    assert (code, out) == (2, "")
    assert assert_one_error_line(err).endswith("workload file not found: "
                                               f"{config.parent / 'missing.yaml'}")
    assert [path.read_text() for path in outputs] == ["previous\n"] * 3


def test_write_failure_keeps_the_old_file_and_no_temporary(capsys: pytest.CaptureFixture[str],
                                                           config: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    report = config.parent / "r.json"
    report.write_text("previous\n")

    def refuse(src: str, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    code, _, err = run_cli(capsys, "run", str(config), "--json", str(report))
    assert code == 2
    assert assert_one_error_line(err) == (f"{report}: cannot write output file: No space left "
                                          "on device")
    assert report.read_text() == "previous\n"
    assert [p.name for p in config.parent.iterdir() if p.name.startswith(".r.json")] == []


@pytest.mark.parametrize(("make_path", "message"), [
    (lambda d: d / "no" / "such" / "dir" / "r.json", "{d}/no/such/dir: output directory does "
                                                      "not exist"),
    (lambda d: d, "{d}: output path is a directory"),
    (lambda d: d / ("x" * 300), "{d}/" + "x" * 300 + ": cannot write output file: File name "
                                                      "too long"),
])
def test_unwritable_output_is_refused_before_running(capsys: pytest.CaptureFixture[str],
                                                     config: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     make_path, message: str) -> None:
    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run started although its output cannot be written")

    monkeypatch.setattr(api, "run", must_not_run)
    code, _, err = run_cli(capsys, "run", str(config), "--json", str(make_path(config.parent)))
    assert code == 2
    assert assert_one_error_line(err) == message.format(d=config.parent)


def test_write_atomic_replaces_content(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    cli.write_atomic(str(target), "new\n")
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_line_breaks_in_messages_never_split_the_error(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path) -> None:
    weird = tmp_path / "a\nb\rc\u2028d.yaml"
    code, _, err = run_cli(capsys, "validate", str(weird))
    assert code == 2
    assert assert_one_error_line(err).endswith(": config file not found")


def test_one_line_joins_every_kind_of_line_break() -> None:
    assert cli.one_line("a\nb\r\nc\rd\u2028e\x85f") == "a b c d e f"


def test_internal_error_exits_1(capsys: pytest.CaptureFixture[str], config: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise SimulationError("the scheduler lost a tile")

    monkeypatch.setattr(api, "load", broken)
    code, _, err = run_cli(capsys, "validate", str(config))
    assert code == 1
    assert err == ("accelsim: internal error: the scheduler lost a tile (please report "
                   "this)\n")


def test_interrupt_exits_130(capsys: pytest.CaptureFixture[str], config: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "load", interrupted)
    code, _, err = run_cli(capsys, "validate", str(config))
    assert (code, err) == (130, "accelsim: interrupted\n")


def test_closed_stdout_stops_quietly(capsys: pytest.CaptureFixture[str], config: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """``accelsim validate ... | head``: the reader went away; no traceback, SIGPIPE's status."""

    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert cli.main(["validate", str(config)]) == 141
    assert capsys.readouterr().err == ""


def test_validate_takes_a_workload_and_python_m_accelsim_is_the_command(capsys) -> None:  # noqa: ANN001
    import subprocess
    import sys
    from pathlib import Path

    from accelsim import cli as accelsim_cli

    root = Path(__file__).resolve().parents[2]
    assert accelsim_cli.main(["validate", str(root / "configs" / "int8_sa.yaml"), "--workload",
                              str(root / "workloads" / "bert_base_seq128.yaml")]) == 0
    assert "workload bert_base_seq128 with 8 layers" in capsys.readouterr().out
    done = subprocess.run([sys.executable, "-m", "accelsim", "--version"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.startswith("accelsim")
