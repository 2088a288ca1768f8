"""Golden numbers of the PSUM/APSQ study (docs/apsq.md), and the page in step with them.

The page is regenerated with ``python docs/tools/apsq_study.py > docs/apsq.md``. This test
remeasures a few cases against ``golden/apsq_study.json``; ``--update-golden`` rewrites the
golden file from the whole study (about 6 s).
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
_STUDY = load_tool("apsq_study")
GROUP_SIZES, cases, measure = _STUDY.GROUP_SIZES, _STUDY.cases, _STUDY.measure
render, study = _STUDY.render, _STUDY.study
GOLDEN = ROOT / "tests" / "regression" / "golden" / "apsq_study.json"
CHECKED = ("bert_base_seq128/ws", "bert_base_seq128/is", "efficientvit_b1_like/ws")


def test_study_matches_golden(update_golden: bool) -> None:
    rewrite_if_asked(update_golden, GOLDEN, study,
                     "python docs/tools/apsq_study.py > docs/apsq.md")
    golden = read_golden(GOLDEN)
    assert set(golden) == {case.key for case in cases()}
    for case in cases():
        if case.key not in CHECKED:
            continue
        assert_variants_close(measure(case), golden[case.key], case.key)


def test_docs_page_is_the_golden_study() -> None:
    assert_page_shows(ROOT / "docs" / "apsq.md", render(read_golden(GOLDEN)),
                      "run python docs/tools/apsq_study.py > docs/apsq.md "
                      "(and pytest tests/regression/test_apsq_study.py --update-golden)")


def test_int8_psums_save_most_buffer_energy_at_gs1_and_less_as_gs_grows() -> None:
    for key, numbers in read_golden(GOLDEN).items():
        base = numbers["psum32"]["psum_j"]
        ratios = [numbers[f"apsq_gs{gs}"]["psum_j"] / base for gs in GROUP_SIZES]
        assert 0.25 < ratios[0] < 0.45, key  # 8/32 of the bits, plus requantization + leakage
        assert ratios == sorted(ratios) and ratios[-1] < 1.0, key
