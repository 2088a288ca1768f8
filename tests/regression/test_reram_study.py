"""Golden numbers of the ReRAM LLM decode study (docs/reram.md), and the page in step with them.

The page is regenerated with ``python docs/tools/reram_study.py > docs/reram.md``. This test
remeasures LLaMA-2-7B (the one configuration and its BF16 speculative-decoding baseline) against
``golden/reram_study.json``;
``--update-golden`` rewrites the golden file from the whole study.
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
render, study = _STUDY.render, _STUDY.study
GOLDEN = ROOT / "tests" / "regression" / "golden" / "reram_study.json"


def test_study_matches_golden(update_golden: bool) -> None:
    rewrite_if_asked(update_golden, GOLDEN, study,
                     "python docs/tools/reram_study.py > docs/reram.md")
    golden = read_golden(GOLDEN)
    assert set(golden) == {pair.target for pair in PAIRS}
    assert all(set(row) == set(VARIANTS) for row in golden.values())
    pair = next(p for p in PAIRS if p.target == "llama2_7b")
    for variant in ("reram", "bf16_sd"):
        assert_fields_close(measure(pair, variant), golden[pair.target][variant], variant)


def test_one_configuration_serves_every_pair() -> None:
    """Per pair only the workload and its draft change: no variant names a pair."""
    assert all("workload" not in o and "llm.draft" not in o for o in VARIANTS.values())
    assert {"bf16_sd", "w4_no_spec"} <= set(VARIANTS)


def test_page_is_rendered_from_the_golden_numbers() -> None:
    assert_page_shows(ROOT / "docs" / "reram.md", render(read_golden(GOLDEN)),
                      "run python docs/tools/reram_study.py > docs/reram.md")
