"""Kill a running `accelsim sweep` with SIGKILL, resume it with --resume: the final results equal
an uninterrupted run, and no point is lost or duplicated."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas.testing as pdt
import pytest

import accelsim
from accelsim import cli
from accelsim.sweep import load_results

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "configs" / "int8_sa.yaml"
ROWS = [4, 8, 12, 16, 24, 32, 48, 64]
FLOWS = ["os", "ws", "is"]
CAPACITIES = ["32KiB", "64KiB"]
TOTAL = len(ROWS) * len(FLOWS) * len(CAPACITIES)
ARGS = ["sweep", str(CONFIG), "--grid", f"system.array.rows={','.join(map(str, ROWS))}",
        "--grid", f"system.array.dataflow={','.join(FLOWS)}",
        "--grid", f"system.sram.ifmap.capacity={','.join(CAPACITIES)}",
        "--derive", "system.array.cols=system.array.rows"]


def _points(store: Path) -> list[tuple[int, int, str]]:
    """(point, session, record) of every stored point; [] while the store does not exist."""
    if not store.exists():
        return []
    try:
        with sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True) as db:
            return db.execute("SELECT point, session, record FROM points").fetchall()
    except sqlite3.OperationalError:  # created but not yet renamed into place, or locked
        return []


def _kill_midway(store: Path, log: Path) -> list[tuple[int, int, str]]:
    """Start the sweep in its own process group; SIGKILL the group once some points are in."""
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "accelsim.cli", *ARGS, "--out", str(store), "--workers", "2"],
            stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True, cwd=REPO)
    try:
        deadline = time.monotonic() + 120
        while len(_points(store)) < 6:
            assert process.poll() is None, f"sweep ended early: {log.read_text()}"
            assert time.monotonic() < deadline, "no progress within 120 s"
            time.sleep(0.005)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    return _points(store)


def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    store = tmp_path / "results.sqlite"
    before = _kill_midway(store, tmp_path / "stderr.log")
    assert 6 <= len(before) < TOTAL, "the kill came too late to test anything"
    print(f"killed with {len(before)} of {TOTAL} points stored")
    assert {session for _, session, _ in before} == {1}

    code = cli.main([*ARGS, "--out", str(store), "--resume", "--no-progress"])
    assert code == 0, capsys.readouterr().err

    after = _points(store)
    ids = [point for point, _, _ in after]
    assert sorted(ids) == list(range(TOTAL))  # none lost, none twice
    kept = {point: record for point, session, record in after if session == 1}
    assert kept == {point: record for point, _, record in before}  # untouched by the resume
    assert {session for _, session, _ in after} == {1, 2}

    grid = {"system.array.rows": ROWS, "system.array.dataflow": FLOWS,
            "system.sram.ifmap.capacity": CAPACITIES}
    derived = {"system.array.cols": "system.array.rows"}
    uninterrupted = accelsim.sweep(CONFIG, grid, derived=derived, backend="inprocess")
    resumed = accelsim.sweep(CONFIG, grid, derived=derived, store=store, resume=True)
    pdt.assert_frame_equal(resumed, uninterrupted, check_exact=True)
    pdt.assert_frame_equal(load_results(store), uninterrupted, check_exact=True,
                           check_dtype=False)
