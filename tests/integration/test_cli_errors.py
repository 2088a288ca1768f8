"""The installed ``accelsim`` command, as a user runs it: exit codes and one-line errors.

The in-process tests (tests/unit/test_cli.py) cover the cases; these run the console script in
a subprocess, so that what reaches the terminal (interpreter start-up, buffering, exit status,
a closed pipe) is checked too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from accelsim.config import RunSpec
from accelsim.config.errors import valid_keys

REPO = Path(__file__).resolve().parents[2]
ARRAY_KEYS = valid_keys(RunSpec, ("system", "array"))
SCRIPT = Path(sys.executable).parent / "accelsim"
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "accelsim.cli"]
WORKLOAD = """\
schema: accelsim.workload/1
name: tiny
layers:
  - {name: fc, op: gemm, m: 4, n: 8, k: 16}
  - {name: conv, op: conv2d, ifmap: 6, channels: 3, filters: 4, kernel: 3}
"""


def accelsim(*argv: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    system = yaml.safe_load((REPO / "configs" / "systems" / "int8_32x32.yaml").read_text())
    system["tables"] = [str(REPO / "accelsim" / "data" / "tables" / "default_45nm.yaml")]
    (tmp_path / "sys.yaml").write_text(yaml.safe_dump(system, sort_keys=False))
    (tmp_path / "wl.yaml").write_text(WORKLOAD)
    run = tmp_path / "run.yaml"
    run.write_text("name: it\nsystem: sys.yaml\nworkload: wl.yaml\n")
    return run


def test_validate_repository_configs_exit_0() -> None:
    for name in ("int8_sa.yaml", "fineq_sa.yaml"):
        done = accelsim("validate", f"configs/{name}")
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        assert done.stdout.startswith(f"configs/{name}: ok (")


def test_run_writes_a_json_report(config: Path) -> None:
    report = config.parent / "r.json"
    done = accelsim("run", str(config), "--json", str(report))
    assert (done.returncode, done.stderr) == (0, "")
    totals = json.loads(report.read_text())["totals"]
    assert totals["cycles"] == totals["compute_cycles"] + totals["stall_cycles"] > 0


BAD = [
    pytest.param(["validate"], "command line: the following arguments are required: config "
                 "(see 'accelsim validate --help')", id="no-config"),
    pytest.param(["validate", "{dir}/missing.yaml"], "{dir}/missing.yaml: config file not found",
                 id="missing-config"),
    pytest.param(["validate", "{run}", "--set", "system.array.rowz=8"],
                 "--set system.array.rowz=8: system.array.rowz: unknown key 'rowz' (did you "
                 "mean 'rows'?); valid keys here: " + ", ".join(ARRAY_KEYS),
                 id="set-typo"),
    pytest.param(["validate", "{run}", "--set", "system.clock=5"],
                 "--set system.clock=5: system.clock: expected a frequency with a unit, such "
                 "as '1GHz' or '500MHz'; got the bare number 5 (no unit)", id="set-bare-number"),
    pytest.param(["run", "{run}", "--set", "workload=nope.yaml"], None, id="missing-workload"),
]


@pytest.mark.parametrize(("argv", "message"), BAD)
def test_bad_input_exits_2_with_exactly_one_line(config: Path, argv: list[str],
                                                 message: str | None) -> None:
    fill = {"run": str(config), "dir": str(config.parent)}
    done = accelsim(*(arg.format(**fill) for arg in argv), cwd=config.parent)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("accelsim: error: ")
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    if message is not None:
        assert done.stderr == f"accelsim: error: {message.format(**fill)}\n"
    else:
        assert done.stderr.endswith(f"workload file not found: {config.parent}/nope.yaml\n")


@pytest.mark.parametrize("text", ["name: [unclosed\n", "\tname: tab\n", "\x00\x01binary"])
def test_garbage_config_exits_2_with_one_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    done = accelsim("validate", str(path))
    assert done.returncode == 2
    assert done.stderr.startswith(f"accelsim: error: {path}")
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


def test_failed_run_keeps_the_previous_report(config: Path) -> None:
    report = config.parent / "r.json"
    report.write_text("previous\n")
    (config.parent / "sys.yaml").write_text("name: [broken\n")
    done = accelsim("run", str(config), "--json", str(report))
    assert done.returncode == 2
    assert report.read_text() == "previous\n"


def test_closed_stdout_is_not_a_traceback(config: Path) -> None:
    """``accelsim run ... | head -1``: stop quietly, with SIGPIPE's status."""
    process = subprocess.Popen([*COMMAND, "run", str(config), "--all-layers"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    assert process.wait(timeout=120) == 141
    assert process.stderr.read() == ""


def test_version_is_one_line() -> None:
    done = accelsim("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("accelsim ") and done.stdout.count("\n") == 1
