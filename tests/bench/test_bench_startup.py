"""bench/bench_startup.py: one timed ``accelsim --help`` process, and a failing command named."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import bench_startup as bs  # noqa: E402


def test_a_help_process_is_timed() -> None:
    t = bs.time_once(("--help",))
    assert 0 < t.cpu_s < 30 and t.cpu_s <= t.wall_s + 0.5
    assert t.rss_mib > 1


def test_a_failing_command_is_an_error_naming_it() -> None:
    with pytest.raises(RuntimeError, match="no-such-command"):
        bs.time_once(("no-such-command",))
