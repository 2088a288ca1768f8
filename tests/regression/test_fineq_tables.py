"""Pins the measured tables of docs/fineq.md to their golden numbers.

``docs/tools/fineq_tables.py`` measures them with ``accelsim.run`` (minutes, hence slow) and
renders the markdown; the golden file changes only with ``pytest --update-golden`` and a reviewed
diff. The document must show exactly the rendering of the golden numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.regression.doc_tools import load_tool
from tests.regression.golden import golden_meta, read_golden, read_golden_file, write_golden

GOLDEN = Path(__file__).parent / "golden" / "fineq_tables.json"


def _tool() -> ModuleType:
    return load_tool("fineq_tables")


def _close(got: object, want: object, where: str) -> None:
    """Equal structure; integers exactly, floats to 1e-9 (the runs are deterministic)."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), where
        for key in want:
            _close(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, int):
        assert got == want, where
    else:
        assert got == pytest.approx(want, rel=1e-9), where


@pytest.mark.slow
def test_tables_match_golden(update_golden: bool) -> None:
    numbers = _tool().measure()
    if update_golden:
        write_golden(GOLDEN, numbers, golden_meta(
            "docs/fineq.md: FineQ vs INT8/W4A8 on MiniLM (searched mapping, derived widths; "
            "same array, iso-area, iso-throughput; magnitude and base-2 codes); policies, "
            "array sizes and outlier shares"))
    assert set(read_golden_file(GOLDEN)["_meta"]) == {"version", "date", "why"}
    _close(json.loads(json.dumps(numbers)), read_golden(GOLDEN), "golden")


def test_doc_shows_the_golden_numbers() -> None:
    tool = _tool()
    golden = read_golden(GOLDEN)
    text = tool.DOC.read_text(encoding="utf-8")
    block = text.split(tool.BEGIN, 1)[1].split(tool.END, 1)[0]
    assert block.strip() == tool.render(golden).strip(), (
        "docs/fineq.md is stale: run `python docs/tools/fineq_tables.py`")


def test_golden_numbers_tell_the_documented_story() -> None:
    """What docs/fineq.md says in words must stay true of the numbers."""
    g = read_golden(GOLDEN)
    linear, outliers, scaled = g["linear"], g["outliers"], g["scaled"]
    assert [linear[k]["psum_bits"] for k in ("int8", "int4", "fineq", "fineq_3bit")] == \
        [21, 17, 20, 15]
    assert linear["fineq_3bit"]["array_area_mm2"] < linear["int4"]["array_area_mm2"] < \
        linear["int8"]["array_area_mm2"]
    assert linear["fineq_3bit"]["energy_mj"] < linear["int8"]["energy_mj"]
    assert linear["fineq_3bit"]["cycles"] > 2 * linear["int8"]["cycles"]  # 3-cycle slots
    base2 = linear["fineq_3bit_base2"]
    assert base2["cycles"] < linear["fineq_3bit"]["cycles"]  # 2-cycle slots
    assert base2["array_area_mm2"] > linear["fineq_3bit"]["array_area_mm2"]  # the shifter
    for pair, rows in scaled.items():
        base = linear[pair.split("/")[1]]
        assert rows["iso_area"]["array_area_mm2"] <= base["array_area_mm2"]
        assert rows["iso_throughput"]["reached"] == 1
        assert rows["iso_throughput"]["cycles"] <= base["cycles"]
    miss, name, _ = load_tool("fineq_render")._candidates(g)[0]
    assert name == "3-bit magnitude PE vs INT8, same array" and miss <= 0.15
    assert 0.45 < g["minilm_outlier_share"] < 0.6
    plain = outliers["0"]["per_tile"]
    assert all(outliers["0"][p] == plain for p in ("per_tile", "per_wavefront", "per_row",
                                                    "per_col"))
    assert outliers["0"]["worst_case"] == outliers["1"]["worst_case"] > 2.5 * plain
    for share in ("0.001", "0.01"):
        assert outliers[share]["per_wavefront"] < outliers[share]["per_tile"] < \
            outliers[share]["worst_case"]
