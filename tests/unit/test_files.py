"""Atomic outputs: all or nothing, the previous file kept on any failure, the umask's mode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from accelsim import files
from accelsim.errors import InputError


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def test_outputs_get_the_umask_mode_not_0600(tmp_path: Path, umask_027: None) -> None:
    target = tmp_path / "r.json"
    files.write_text_atomic(target, "{}\n")
    assert target.stat().st_mode & 0o777 == 0o640
    assert target.read_text() == "{}\n"


def test_a_failed_rename_keeps_the_previous_file(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.json"
    target.write_text("previous\n")

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(InputError) as caught:
        files.write_text_atomic(target, "new\n")
    assert caught.value.render() == f"{target}: cannot write output file: No space left on device"
    assert target.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left


def test_several_outputs_are_written_all_or_none(tmp_path: Path) -> None:
    first, second = tmp_path / "r.json", tmp_path / "gone" / "r.csv"
    first.write_text("previous\n")
    with pytest.raises(InputError, match=r"gone/r.csv: cannot write output file: No such file"):
        files.write_texts_atomic([(first, "new\n"), (second, "new\n")])
    assert first.read_text() == "previous\n"


def test_an_exception_in_the_writer_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "t.npz"
    target.write_bytes(b"previous")
    with pytest.raises(KeyboardInterrupt), files.staged_outputs([target]) as (tmp,):
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.npz"]


WRITER = """
import sys, time
from pathlib import Path
from accelsim.files import staged_outputs
with staged_outputs([Path(sys.argv[1])]) as (tmp,):
    with tmp.open("wb") as fh:
        fh.write(b"half of a trace")
        fh.flush()
        print("writing", flush=True)
        time.sleep(30)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigkill_mid_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "t.npz"
    target.write_bytes(b"previous")
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], cwd=repo,
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(repo)})
    assert proc.stdout is not None
    assert proc.stdout.readline() == "writing\n"
    start = time.monotonic()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=5)
    assert time.monotonic() - start < 5
    assert target.read_bytes() == b"previous"
