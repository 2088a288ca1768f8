"""Golden numbers of the EP vs FSE-DP study (docs/moe.md), and the page in step with them.

The page is regenerated with ``python -m accelsim.sweep.moe_study > docs/moe.md``. This test
remeasures a few cases (the whole study takes about half a minute) against
``golden/moe_study.json``; ``--update-golden`` rewrites the golden file from the whole study.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from accelsim.report.provenance import accelsim_version
from accelsim.sweep.moe_study import Case, cases, measure, render, study

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "regression" / "golden" / "moe_study.json"
CHECKED = [Case("deepseek_moe_16b", 16, 2, 2, "ideal"), Case("deepseek_moe_16b", 64, 2, 2, "ideal"),
           Case("deepseek_moe_16b", 64, 2, 2, "array"), Case("phi35_moe", 64, 2, 2, "ideal")]


def _golden() -> dict[str, dict[str, dict[str, float]]]:
    golden = json.loads(GOLDEN.read_text())
    golden.pop("_meta")
    return golden


def test_study_matches_golden(update_golden: bool) -> None:
    if update_golden:
        meta = {"version": accelsim_version(),
                "date": datetime.date.today().isoformat(),
                "why": "regenerated with --update-golden; see the commit message for the reason",
                "command": "python -m accelsim.sweep.moe_study > docs/moe.md"}
        GOLDEN.write_text(json.dumps({"_meta": meta, **study()}, indent=1) + "\n")
        pytest.skip("golden file rewritten")
    golden = _golden()
    assert set(golden) == {case.key for case in cases()}
    for case in CHECKED:
        got = measure(case)
        for strategy, numbers in golden[case.key].items():
            for field, expected in numbers.items():
                assert got[strategy][field] == pytest.approx(expected, rel=1e-9), \
                    f"{case.key} {strategy} {field}"


def test_docs_page_is_the_golden_study() -> None:
    assert (ROOT / "docs" / "moe.md").read_text() == render(_golden()), (
        "docs/moe.md is stale: run python -m accelsim.sweep.moe_study > docs/moe.md "
        "(and pytest tests/regression/test_moe_study.py --update-golden)")


def test_headline_claims_hold_in_the_golden_study() -> None:
    golden = _golden()
    speedups = [g["ep"]["cycles"] / g["fse_dp"]["cycles"]
                for key, g in golden.items() if key.endswith("/ideal")]
    assert 1.0 < min(speedups) and max(speedups) < 2.5
    low_batch = golden["deepseek_moe_16b/t16/2x2/ideal"]
    saved = 1 - low_batch["fse_dp"]["max_peak_buffer_bytes"] / \
        low_batch["ep"]["max_peak_buffer_bytes"]
    assert saved > 0.5
