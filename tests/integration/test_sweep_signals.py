"""A sweep driver killed by SIGKILL or SIGTERM takes its pool workers with it (none left holding
the caller's pipes), and SIGTERM is one line on stderr, like SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="Linux: workers are found in /proc")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(pid) and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except (OSError, IndexError):
        return False


def _wait_until(condition: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def _start_sweep(tmp_path: Path) -> tuple[subprocess.Popen[str], list[int]]:
    rows = ",".join(str(r) for r in range(4, 60))
    process = subprocess.Popen(
        [sys.executable, "-m", "accelsim.cli", "sweep", str(REPO / "configs" / "int8_sa.yaml"),
         "--grid", f"system.array.rows={rows}", "--out", str(tmp_path / "s.csv"),
         "--backend", "local", "--workers", "2", "--no-progress"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    if not _wait_until(lambda: len(_children(process.pid)) >= 2, 30):
        process.kill()
        pytest.fail("the sweep did not start its two workers")
    return process, _children(process.pid)


def test_sigkill_of_the_driver_ends_its_workers(tmp_path: Path) -> None:
    process, workers = _start_sweep(tmp_path)
    process.kill()
    process.wait(timeout=5)
    assert _wait_until(lambda: not any(_running(w) for w in workers), 5), \
        "pool workers outlived their driver"


def test_sigterm_ends_workers_and_prints_one_line(tmp_path: Path) -> None:
    process, workers = _start_sweep(tmp_path)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=10)  # returns: no worker holds the pipes
    assert process.returncode == 128 + signal.SIGTERM
    assert err.splitlines()[-1] == "accelsim: terminated (SIGTERM)"
    assert all(line.startswith("accelsim: ") for line in err.splitlines())
    assert "Traceback" not in err
    assert _wait_until(lambda: not any(_running(w) for w in workers), 5)
