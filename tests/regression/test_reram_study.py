"""Golden numbers of the ReRAM LLM decode study (docs/reram.md), and the page in step with them.

The page is regenerated with ``python -m accelsim.sweep.reram_study > docs/reram.md``. This test
remeasures LLaMA-2-7B (with ReRAM and LPDDR3 only) against ``golden/reram_study.json``;
``--update-golden`` rewrites the golden file from the whole study.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from accelsim.report.provenance import accelsim_version
from accelsim.sweep.reram_study import PAIRS, VARIANTS, measure, render, study

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "regression" / "golden" / "reram_study.json"


def _golden() -> dict[str, dict[str, dict[str, float]]]:
    golden = json.loads(GOLDEN.read_text())
    golden.pop("_meta")
    return golden


def test_study_matches_golden(update_golden: bool) -> None:
    if update_golden:
        meta = {"version": accelsim_version(), "date": datetime.date.today().isoformat(),
                "why": "regenerated with --update-golden; see the commit message for the reason",
                "command": "python -m accelsim.sweep.reram_study > docs/reram.md"}
        GOLDEN.write_text(json.dumps({"_meta": meta, **study()}, indent=1) + "\n")
        pytest.skip("golden file rewritten")
    golden = _golden()
    assert set(golden) == {pair.target for pair in PAIRS}
    assert all(set(row) == set(VARIANTS) for row in golden.values())
    pair = next(p for p in PAIRS if p.target == "llama2_7b")
    for variant in ("reram", "lpddr3_only"):
        numbers = measure(pair, variant)
        for key, value in golden[pair.target][variant].items():
            assert numbers[key] == pytest.approx(value, rel=1e-9), (variant, key)


def test_page_is_rendered_from_the_golden_numbers() -> None:
    assert (ROOT / "docs" / "reram.md").read_text() == render(_golden())
