"""Golden numbers of the PSUM/APSQ study (docs/apsq.md), and the page in step with them.

The page is regenerated with ``python docs/tools/apsq_study.py > docs/apsq.md``. This test
remeasures a few cases (through ``accelsim.run``, searched mappings) against
``golden/apsq_study.json``; ``--update-golden`` rewrites the golden file from the whole study
(about 45 s).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.regression.doc_tools import load_tool
from tests.regression.golden import (
    assert_page_shows,
    assert_variants_close,
    read_golden,
    rewrite_if_asked,
)

ROOT = Path(__file__).resolve().parents[2]
_STUDY = load_tool("apsq_study")
GROUP_SIZES, ENGINE_SIZES, cases = _STUDY.GROUP_SIZES, _STUDY.ENGINE_SIZES, _STUDY.cases
measure, render, study = _STUDY.measure, _STUDY.render, _STUDY.study
GOLDEN = ROOT / "tests" / "regression" / "golden" / "apsq_study.json"
CHECKED = ("bert_base_seq128/ws", "bert_base_seq128/is", "efficientvit_b1_like/ws")


@pytest.mark.slow
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
    """With the open group sums in the buffer: 8/32 of the bits at gs = 1 (plus requantization
    and the unchanged leakage), and each larger gs holds more 32-bit group sums."""
    for key, numbers in read_golden(GOLDEN).items():
        base = numbers["psum32"]["psum_onchip_j"]
        ratios = [numbers[f"apsq_gs{gs}"]["psum_onchip_j"] / base for gs in GROUP_SIZES]
        assert 0.25 < ratios[0] < 0.45, key
        assert ratios == sorted(ratios) and ratios[-1] < 1.0, key


def test_group_sums_in_the_engine_cost_less_on_chip_than_in_the_buffer() -> None:
    for key, numbers in read_golden(GOLDEN).items():
        for gs in ENGINE_SIZES:
            engine, buffer = numbers[f"engine_gs{gs}"], numbers[f"apsq_gs{gs}"]
            assert engine["psum_onchip_j"] < buffer["psum_onchip_j"], (key, gs)


def test_psum_energy_is_a_part_of_the_total() -> None:
    for key, numbers in read_golden(GOLDEN).items():
        for variant, n in numbers.items():
            parts = n["psum_onchip_j"] + n["psum_dram_j"]
            assert math.isclose(parts, n["psum_j"], rel_tol=1e-9), (key, variant)
            assert 0 <= n["psum_dram_j"] <= n["dram_j"] and n["psum_j"] < n["total_j"]
