"""Golden numbers of the EP vs FSE-DP study (docs/moe.md), and the page in step with them.

The page is regenerated with ``python docs/tools/moe_study.py > docs/moe.md``. This test
remeasures a few cases (the whole study takes about half a minute) against
``golden/moe_study.json``; ``--update-golden`` rewrites the golden file from the whole study.
"""

from __future__ import annotations

from pathlib import Path

from tests.regression.doc_tools import load_tool
from tests.regression.golden import (
    assert_page_shows,
    assert_variants_close,
    read_golden,
    rewrite_if_asked,
)

ROOT = Path(__file__).resolve().parents[2]
_STUDY = load_tool("moe_study")
Case, cases, measure, render, study = (_STUDY.Case, _STUDY.cases, _STUDY.measure,
                                       _STUDY.render, _STUDY.study)
GOLDEN = ROOT / "tests" / "regression" / "golden" / "moe_study.json"
CHECKED = [Case("deepseek_moe_16b", 16, 2, 2, "ideal"), Case("deepseek_moe_16b", 64, 2, 2, "ideal"),
           Case("deepseek_moe_16b", 64, 2, 2, "array"), Case("phi35_moe", 64, 2, 2, "ideal")]


def test_study_matches_golden(update_golden: bool) -> None:
    rewrite_if_asked(update_golden, GOLDEN, study,
                     "python docs/tools/moe_study.py > docs/moe.md")
    golden = read_golden(GOLDEN)
    assert set(golden) == {case.key for case in cases()}
    for case in CHECKED:
        assert_variants_close(measure(case), golden[case.key], case.key)


def test_docs_page_is_the_golden_study() -> None:
    assert_page_shows(ROOT / "docs" / "moe.md", render(read_golden(GOLDEN)),
                      "run python docs/tools/moe_study.py > docs/moe.md "
                      "(and pytest tests/regression/test_moe_study.py --update-golden)")


def test_headline_claims_hold_in_the_golden_study() -> None:
    golden = read_golden(GOLDEN)
    speedups = [g["ep"]["cycles"] / g["fse_dp"]["cycles"]
                for key, g in golden.items() if key.endswith("/ideal")]
    assert 1.0 < min(speedups) and max(speedups) < 2.5
    low_batch = golden["deepseek_moe_16b/t16/2x2/ideal"]
    saved = 1 - low_batch["fse_dp"]["max_peak_buffer_bytes"] / \
        low_batch["ep"]["max_peak_buffer_bytes"]
    assert saved > 0.5
