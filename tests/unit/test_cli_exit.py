"""How the `accelsim` process ends once a command is done (``cli.common.end_process``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from accelsim import cli

REPO = Path(__file__).resolve().parents[2]


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=False)


def test_buffered_output_and_exit_handlers_survive_the_skipped_teardown() -> None:
    done = _python("import atexit, sys; from accelsim.cli.common import end_process; "
                   "atexit.register(lambda: print('handler ran')); "
                   "sys.stdout.write('no newline yet'); end_process(3)")
    assert done.returncode == 3
    assert done.stdout == "no newline yethandler ran\n"


def test_a_live_thread_is_waited_for_as_python_would() -> None:
    done = _python("import threading, time; from accelsim.cli.common import end_process; "
                   "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done')))"
                   ".start(); end_process(4)")
    assert (done.returncode, done.stdout) == (4, "thread done\n")


def test_the_command_ends_with_its_exit_code_and_its_whole_output(
        capsys: pytest.CaptureFixture[str]) -> None:
    args = ["run", "configs/int8_sa.yaml", "--all-layers"]
    ok = subprocess.run([sys.executable, "-m", "accelsim", *args], cwd=REPO,
                        capture_output=True, text=True, timeout=120, check=False)
    assert ok.returncode == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        assert cli.main(args) == 0
    in_process = capsys.readouterr()
    assert (ok.stdout, ok.stderr) == (in_process.out, in_process.err)
    assert ok.stdout.count("\n") > 30
    bad = subprocess.run([sys.executable, "-m", "accelsim", "run", "missing.yaml"], cwd=REPO,
                         capture_output=True, text=True, timeout=60, check=False)
    assert (bad.returncode, bad.stdout) == (2, "")
    assert "config file not found" in bad.stderr
