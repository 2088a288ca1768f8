"""Golden numbers of the PSUM/APSQ study (docs/apsq.md), and the page in step with them.

The page is regenerated with ``python -m accelsim.sweep.apsq_study > docs/apsq.md``. This test
remeasures a few cases against ``golden/apsq_study.json``; ``--update-golden`` rewrites the
golden file from the whole study (about 6 s).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from accelsim.report.provenance import accelsim_version
from accelsim.sweep.apsq_study import GROUP_SIZES, cases, measure, render, study

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "regression" / "golden" / "apsq_study.json"
CHECKED = ("bert_base_seq128/ws", "bert_base_seq128/is", "efficientvit_b1_like/ws")


def _golden() -> dict[str, dict[str, dict[str, float]]]:
    golden = json.loads(GOLDEN.read_text())
    golden.pop("_meta")
    return golden


def test_study_matches_golden(update_golden: bool) -> None:
    if update_golden:
        meta = {"version": accelsim_version(), "date": datetime.date.today().isoformat(),
                "why": "regenerated with --update-golden; see the commit message for the reason",
                "command": "python -m accelsim.sweep.apsq_study > docs/apsq.md"}
        GOLDEN.write_text(json.dumps({"_meta": meta, **study()}, indent=1) + "\n")
        pytest.skip("golden file rewritten")
    golden = _golden()
    assert set(golden) == {case.key for case in cases()}
    for case in cases():
        if case.key not in CHECKED:
            continue
        got = measure(case)
        for variant, numbers in golden[case.key].items():
            for field, expected in numbers.items():
                assert got[variant][field] == pytest.approx(expected, rel=1e-9), \
                    f"{case.key} {variant} {field}"


def test_docs_page_is_the_golden_study() -> None:
    assert (ROOT / "docs" / "apsq.md").read_text() == render(_golden()), (
        "docs/apsq.md is stale: run python -m accelsim.sweep.apsq_study > docs/apsq.md "
        "(and pytest tests/regression/test_apsq_study.py --update-golden)")


def test_int8_psums_save_most_buffer_energy_at_gs1_and_less_as_gs_grows() -> None:
    for key, numbers in _golden().items():
        base = numbers["psum32"]["psum_j"]
        ratios = [numbers[f"apsq_gs{gs}"]["psum_j"] / base for gs in GROUP_SIZES]
        assert 0.25 < ratios[0] < 0.45, key  # 8/32 of the bits, plus requantization + leakage
        assert ratios == sorted(ratios) and ratios[-1] < 1.0, key
