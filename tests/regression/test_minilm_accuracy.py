"""Pins the MiniLM accuracy table (docs/quantization.md §6) to its golden numbers.

The golden file changes only with ``pytest --update-golden`` and a reviewed diff. Every scheme's
mean and worst-sentence cosine to fp32 must stay within a tolerance of the golden value (the
numerics are deterministic; the tolerance absorbs BLAS rounding that can flip a few quantization
boundaries), and INT8 per-channel must stay at or above 0.99.
"""

from __future__ import annotations

import json
import re
from datetime import date
from importlib.metadata import version
from pathlib import Path

import pytest

from accelsim.quant.accuracy import BEGIN, END, EXP_SCALE_EXP, accuracy_table, golden_dict
from accelsim.quant.pwl import int_scale_exp_for, published_table

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden" / "minilm_accuracy.json"
DOC = ROOT / "docs" / "quantization.md"
TOL_MEAN = 0.002
TOL_MIN = 0.005


@pytest.fixture(scope="module")
def table():  # noqa: ANN201 - AccuracyTable
    return accuracy_table()


@pytest.mark.slow
def test_table_matches_golden(table, request: pytest.FixtureRequest) -> None:  # noqa: ANN001
    if request.config.getoption("--update-golden", default=False):
        GOLDEN.write_text(json.dumps(golden_dict(
            table, version("accelsim"), date.today().isoformat(),
            "MiniLM accuracy table: cosine of quantized sentence embeddings to fp32"),
            indent=2) + "\n")
    golden = json.loads(GOLDEN.read_text())
    assert set(golden["_meta"]) == {"version", "date", "why"}
    rows = table.by_key()
    assert list(rows) == list(golden["rows"])
    assert golden["n_sentences"] == table.n_sentences >= 50
    for key, want in golden["rows"].items():
        got = rows[key]
        assert got.weight_bits == pytest.approx(want["weight_bits"], abs=1e-3), key
        assert got.mean_cosine == pytest.approx(want["mean_cosine"], abs=TOL_MEAN), key
        assert got.min_cosine == pytest.approx(want["min_cosine"], abs=TOL_MIN), key


@pytest.mark.slow
def test_table_is_sane(table) -> None:  # noqa: ANN001
    rows = table.by_key()
    assert rows["int8_channel"].mean_cosine >= 0.99
    assert rows["int8_channel"].min_cosine >= 0.99
    # more bits or finer scales never hurt here
    assert rows["int8_channel"].mean_cosine > rows["int4_group"].mean_cosine \
        > rows["int4_channel"].mean_cosine
    assert rows["int8_channel_a8"].mean_cosine > rows["int8_channel_a8_apsq"].mean_cosine
    assert rows["fineq"].mean_cosine > rows["fineq_a8"].mean_cosine
    # the fitted GELU/exp tables alone barely move the embeddings
    assert rows["gqa_lut_float"].mean_cosine > 0.99
    # the fp32 forward pass reproduces the published sentence-transformers similarities
    assert len(table.reference_similarities) == 3
    for _, _, ours, published in table.reference_similarities:
        assert ours == pytest.approx(published, abs=1e-3)


def test_exp_input_scale_covers_the_table() -> None:
    assert EXP_SCALE_EXP == int_scale_exp_for(published_table("exp"))


def test_doc_shows_the_golden_numbers() -> None:
    text = DOC.read_text()
    assert BEGIN in text and END in text
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    golden = json.loads(GOLDEN.read_text())["rows"]
    shown = {m.group(1): (float(m.group(2)), float(m.group(3))) for m in re.finditer(
        r"^\| `([a-z0-9_]+)` \|.*\| ([0-9.]+) \| ([0-9.]+) \|$", block, re.MULTILINE)}
    assert set(shown) == set(golden)
    for key, (mean, worst) in shown.items():
        assert mean == pytest.approx(golden[key]["mean_cosine"], abs=6e-5), key
        assert worst == pytest.approx(golden[key]["min_cosine"], abs=6e-5), key
