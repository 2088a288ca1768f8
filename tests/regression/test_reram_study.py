"""Golden numbers of the ReRAM LLM decode study (docs/reram.md), and the page in step with them.

The page is regenerated with ``python docs/tools/reram_study.py > docs/reram.md``. This test
remeasures LLaMA-2-7B (the one configuration, its BF16 speculative-decoding baseline and two
corners of the acceptance x draft-length grid) against ``golden/reram_study.json``;
``--update-golden`` rewrites the golden file from the whole study (about a minute).
"""

from __future__ import annotations

from pathlib import Path

from tests.regression.doc_tools import load_tool
from tests.regression.golden import (
    assert_fields_close,
    assert_page_shows,
    read_golden,
    rewrite_if_asked,
)

ROOT = Path(__file__).resolve().parents[2]
_STUDY = load_tool("reram_study")
PAIRS, VARIANTS, measure = _STUDY.PAIRS, _STUDY.VARIANTS, _STUDY.measure
render, study, SENSITIVITY = _STUDY.render, _STUDY.study, _STUDY.SENSITIVITY
GOLDEN = ROOT / "tests" / "regression" / "golden" / "reram_study.json"
LLAMA2 = next(p for p in PAIRS if p.target == "llama2_7b")


def test_study_matches_golden(update_golden: bool) -> None:
    rewrite_if_asked(update_golden, GOLDEN, study,
                     "python docs/tools/reram_study.py > docs/reram.md")
    golden = read_golden(GOLDEN)
    assert set(golden) == {"pairs", "sensitivity"}
    assert set(golden["pairs"]) == {pair.target for pair in PAIRS}
    assert all(set(row) == set(VARIANTS) for row in golden["pairs"].values())
    for variant in ("reram", "bf16_sd"):
        assert_fields_close(measure(LLAMA2, variant), golden["pairs"][LLAMA2.target][variant],
                            variant)


def test_sensitivity_grid_matches_golden() -> None:
    """Every pair has every (a, g) point; two corners of LLaMA-2-7B's grid remeasured."""
    sweep = read_golden(GOLDEN)["sensitivity"]
    shipped = _STUDY.shipped_speculation()[1]
    keys = {SENSITIVITY.key(a, g) for a, g in SENSITIVITY.points(shipped)}
    assert set(sweep) == {pair.target for pair in PAIRS}
    assert all(set(row) == keys for row in sweep.values())
    for rate, length in ((min(SENSITIVITY.RATES), min(SENSITIVITY.LENGTHS)),
                         (max(SENSITIVITY.RATES), max(SENSITIVITY.LENGTHS))):
        assert_fields_close(_STUDY.measure_point(LLAMA2, rate, length),
                            sweep[LLAMA2.target][SENSITIVITY.key(rate, length)],
                            f"a={rate} g={length}")


def test_shipped_speculation_is_the_assumption_and_the_rule() -> None:
    """The config's a is the stated assumption and its g the design rule's pick: not a fit."""
    rate, length = _STUDY.shipped_speculation()
    assert rate == SENSITIVITY.ACCEPTANCE
    assert length == SENSITIVITY.best_length(read_golden(GOLDEN)["sensitivity"])


def test_one_configuration_serves_every_pair() -> None:
    """Per pair only the workload and its draft change: no variant names a pair."""
    assert all("workload" not in o and "llm.draft" not in o for o in VARIANTS.values())
    assert {"bf16_sd", "w4_no_spec"} <= set(VARIANTS)


def test_page_is_rendered_from_the_golden_numbers() -> None:
    assert_page_shows(ROOT / "docs" / "reram.md", render(read_golden(GOLDEN)),
                      "run python docs/tools/reram_study.py > docs/reram.md")
