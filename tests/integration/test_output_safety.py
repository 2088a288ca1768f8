"""Outputs never clobber inputs, come all or none, respect the umask, and a full stdout is one
line: each through ``accelsim.cli.main`` with the exact message and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from accelsim import cli
from tests.unit.sweep.helpers import write_tiny_config

REPO = Path(__file__).resolve().parents[2]
TABLE = REPO / "accelsim" / "data" / "tables" / "default_45nm.yaml"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A one-layer run config with its system and workload files next to it."""
    return write_tiny_config(tmp_path)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one in-process command."""
    return (cli.main(list(argv)), *capsys.readouterr())


@pytest.mark.parametrize("flag", ["--json", "--csv", "--timeline"])
@pytest.mark.parametrize("name", ["run.yaml", "sys.yaml", "wl.yaml"])
def test_an_output_that_is_an_input_is_refused(tiny: Path, flag: str, name: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    victim = tiny.parent / name
    before = victim.read_text()
    code, out, err = _run(capsys, "run", str(tiny), flag, str(victim))
    assert code == 2 and out == ""
    assert err.startswith(f"accelsim: error: {victim}: output file is an input of this "
                          "command (")
    assert err.endswith("); refusing to overwrite it\n")
    assert victim.read_text() == before


def test_a_cost_table_as_output_is_refused(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "run", str(tiny), "--json", str(TABLE))
    assert code == 2
    assert err == (f"accelsim: error: {TABLE}: output file is an input of this command "
                   f"({TABLE}); refusing to overwrite it\n")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (unwritable as root)")
def test_an_unwritable_csv_leaves_no_partial_result_set(tiny: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    report = tiny.parent / "r.json"
    code, out, err = _run(capsys, "run", str(tiny), "--json", str(report),
                          "--csv", "/proc/r.csv")
    assert code == 2 and out == ""  # refused before the run
    assert err == "accelsim: error: /proc/r.csv: cannot write output file: No such file or " \
                  "directory\n"
    assert not report.exists()


def test_one_file_for_two_outputs_is_refused(tiny: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    report = tiny.parent / "r.json"
    code, _, err = _run(capsys, "run", str(tiny), "--json", str(report), "--csv", str(report))
    assert code == 2
    assert err == f"accelsim: error: {report}: the same file is given for two outputs\n"


def test_a_device_as_output_is_refused(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "run", str(tiny), "--json", os.devnull)
    assert code == 2
    assert err == (f"accelsim: error: {os.devnull}: output path is not a regular file (a "
                   "device, FIFO or socket); give a file name\n")


def test_reports_get_the_umask_mode(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = os.umask(0o022)
    try:
        paths = [tiny.parent / n for n in ("r.json", "r.csv", "r.trace.json")]
        code, _, _ = _run(capsys, "run", str(tiny), "--json", str(paths[0]), "--csv",
                          str(paths[1]), "--timeline", str(paths[2]))
    finally:
        os.umask(old)
    assert code == 0
    assert [p.stat().st_mode & 0o777 for p in paths] == [0o644] * 3


def test_set_twice_for_one_key_is_refused(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "validate", str(tiny), "--set", "system.array.rows=8",
                        "--set", "system.array.rows=16")
    assert code == 2
    assert err == ("accelsim: error: --set: system.array.rows: given twice; give each key "
                   "once (the last would silently win)\n")


def test_sweep_out_at_its_config_is_refused(tiny: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    before = tiny.read_text()
    code, _, err = _run(capsys, "sweep", str(tiny), "--grid", "system.array.rows=4,8",
                        "--out", str(tiny), "--backend", "inprocess")
    assert code == 2
    assert err == (f"accelsim: error: {tiny}: output file is an input of this command "
                   f"({tiny}); refusing to overwrite it\n")
    assert tiny.read_text() == before


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    path = tmp_path / "w.npz"
    np.savez(path, fc=np.linspace(-1, 1, 16 * 64, dtype=np.float32).reshape(16, 64))
    return path


def test_quantize_out_at_its_input_is_refused(weights: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    before = weights.read_bytes()
    code, _, err = _run(capsys, "quantize", str(weights), "--scheme", "int8", "--out",
                        str(weights))
    assert code == 2
    assert err == (f"accelsim: error: {weights}: --out: the output trace is the input "
                   "weights file; refusing to overwrite it\n")
    assert weights.read_bytes() == before


def test_quantize_an_empty_tensor_is_a_clear_error(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "e.npz"
    np.savez(empty, fc=np.zeros((0, 64), dtype=np.float32))
    code, _, err = _run(capsys, "quantize", str(empty), "--scheme", "int8", "--out",
                        str(tmp_path / "t.npz"))
    assert code == 2
    assert err == (f"accelsim: error: {empty}: fc: the weight tensor is empty (shape 0x64); "
                   "nothing to quantize (leave it out with --exclude)\n")


def test_quantize_failing_mid_write_keeps_the_previous_trace(
        weights: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    trace = tmp_path / "t.npz"
    assert _run(capsys, "quantize", str(weights), "--scheme", "int8", "--out", str(trace))[0] == 0
    before = trace.read_bytes()

    def full_disk(handle: object, **_: object) -> None:
        handle.write(b"PK\x03\x04 half")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", full_disk)
    code, _, err = _run(capsys, "quantize", str(weights), "--scheme", "int4", "--out",
                        str(trace))
    assert code == 2
    assert err == f"accelsim: error: {trace}: cannot write output file: No space left on device\n"
    assert trace.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.npz", "w.npz"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_stdout_on_a_full_device_is_one_line() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "accelsim.cli", "--version"], cwd=REPO,
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(REPO)}, check=False)
    assert done.returncode == 2
    assert done.stderr == ("accelsim: error: standard output: cannot write: No space left on "
                           "device\n")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (unwritable as root)")
def test_plot_to_an_unwritable_place_is_one_line(tiny: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "s.csv"
    assert _run(capsys, "sweep", str(tiny), "--grid", "system.array.rows=4,8", "--out",
                str(results), "--backend", "inprocess", "--no-progress")[0] == 0
    code, _, err = _run(capsys, "plot", str(results), "--kind", "pareto", "--out",
                        "/proc/p.png")
    assert code == 2
    assert err == "accelsim: error: /proc/p.png: cannot write output file: No such file or " \
                  "directory\n"


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".sqlite"])
def test_sweep_results_get_the_umask_mode(tiny: Path, tmp_path: Path, suffix: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / f"s{suffix}"
    old = os.umask(0o022)
    try:
        code = _run(capsys, "sweep", str(tiny), "--grid", "system.array.rows=4,8", "--out",
                    str(results), "--backend", "inprocess", "--no-progress")[0]
    finally:
        os.umask(old)
    assert code == 0
    assert results.stat().st_mode & 0o777 == 0o644
