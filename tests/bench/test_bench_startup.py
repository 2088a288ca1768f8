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


def test_cases_take_turns_and_each_gets_its_best_round() -> None:
    cases = [(("-c", "pass"), ROOT), (("-c", "import json"), ROOT)]
    timings = bs.measure_all(cases, runs=2)
    assert len(timings) == 2 and all(0 < t.cpu_s < 30 for t in timings)


def test_each_breakdown_step_runs_the_steps_before_it() -> None:
    codes = bs._step_codes()
    assert len(codes) == len(bs.STEPS)
    for before, after in zip(codes, codes[1:], strict=False):
        assert after[1].startswith(before[1].removesuffix("; import os; os._exit(0)"))
    assert all(code[1].endswith("os._exit(0)") for code in codes)
