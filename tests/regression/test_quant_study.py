"""Golden numbers of the fair quantization study (docs/quantization.md §7), and the page in step.

``python docs/tools/quant_study.py`` regenerates the section; ``--update-golden`` rewrites
``golden/quant_study.json`` from the whole study (minutes). The format table is exact arithmetic;
the min-max rows and one MSE row are remeasured (deterministic numerics; the tolerance absorbs
BLAS rounding that can flip a few quantization boundaries).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.regression.doc_tools import load_tool
from tests.regression.golden import read_golden, rewrite_if_asked

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "regression" / "golden" / "quant_study.json"
_STUDY = load_tool("quant_study")


def _check_rows(keys: tuple[str, ...]) -> None:
    cases = tuple(c for c in _STUDY.cases() if c.key in keys)
    got = _STUDY.study(cases)["rows"]
    golden = read_golden(GOLDEN)["rows"]
    for key in keys:
        want = golden[key]
        assert got[key]["code_bits"] == pytest.approx(want["code_bits"], abs=1e-6), key
        assert got[key]["scale_bits"] == pytest.approx(want["scale_bits"], abs=1e-6), key
        assert got[key]["sqnr_db"] == pytest.approx(want["sqnr_db"], abs=0.01), key
        assert got[key]["mean_cosine"] == pytest.approx(want["mean_cosine"], abs=0.002), key
        assert got[key]["min_cosine"] == pytest.approx(want["min_cosine"], abs=0.005), key


def test_golden_covers_the_fair_grid(update_golden: bool) -> None:
    rewrite_if_asked(update_golden, GOLDEN, _STUDY.study, "python docs/tools/quant_study.py")
    golden = read_golden(GOLDEN)
    assert list(golden["rows"]) == [c.key for c in _STUDY.cases()]
    # every scheme gets both calibrations wherever it gets a granularity
    for case in _STUDY.cases():
        for calibration in _STUDY.CALIBRATIONS:
            if case.scheme in ("int8", "int4", "int3", "int2", "offset8"):
                assert f"{case.scheme}_{case.granularity}_{calibration}" in golden["rows"]


def test_format_table_is_exact() -> None:
    formats = read_golden(GOLDEN)["formats"]
    assert formats == _STUDY.formats()
    assert formats["offset8"]["codes_used"] == 135 and formats["offset8"]["container_bits"] == 8


@pytest.mark.slow
def test_minmax_rows_match_golden() -> None:
    _check_rows(("int4_group_minmax", "offset8_channel_minmax", "int3_channel_minmax"))


@pytest.mark.slow
def test_an_mse_row_matches_golden() -> None:
    _check_rows(("offset8_channel_mse",))


def test_page_is_rendered_from_the_golden_numbers() -> None:
    text = (ROOT / "docs" / "quantization.md").read_text()
    block = text.split(_STUDY.BEGIN, 1)[1].split(_STUDY.END, 1)[0]
    assert block.strip() == _STUDY.render(read_golden(GOLDEN)).strip(), (
        "docs/quantization.md section 7 is stale: run python docs/tools/quant_study.py")
