"""Every case of the fuzzing campaign (bench/fuzz_campaign.py) holds: expected exit code, no
traceback, one error line, in time, no worker outliving its driver, no input or previous
output lost, no temporary file left. Signal cases take seconds each: marked slow."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import fuzz_campaign  # noqa: E402
from fuzz_cases import Case, all_cases  # noqa: E402

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="Linux: the campaign finds workers in /proc")


def _param(case: Case) -> object:
    marks = [pytest.mark.slow] if case.group == "signals" or case.max_seconds > 20 else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in all_cases()])
def test_case_holds(case: Case, tmp_path: Path) -> None:
    outcome = fuzz_campaign.run_case(case, tmp_path)
    assert outcome.ok, (outcome.problems, outcome.stderr[-2000:])


def test_every_group_is_covered() -> None:
    groups = {case.group for case in all_cases()}
    assert groups == {"aliases", "huge", "signals"}
    names = " ".join(case.name for case in all_cases())
    for needle in ("billion laughs", "/dev/zero", "FIFO", "zip-bomb", "SIGINT", "SIGTERM",
                   "SIGKILL", "sweep", "quantize"):
        assert needle in names
