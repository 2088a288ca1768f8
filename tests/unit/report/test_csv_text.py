"""records_to_csv writes what pandas' DataFrame(records).to_csv(index=False) writes."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.report import result_to_csv, result_to_frame
from accelsim.report.csv_text import records_to_csv

REPO = Path(__file__).resolve().parents[3]

EDGE_CASES = [
    [],
    [{"a": 1, "b": None}, {"a": 2.5}],  # int + float -> float; a missing key -> empty
    [{"a": True}, {"b": 1}],  # a bool column with a gap is an object column
    [{"a": True}, {"a": 2}],
    [{"a": 2**63}, {"a": 1}],
    [{"a": 2**64}, {"a": None}],
    [{"a": -(2**63) - 1}],
    [{}, {"a": 2**63}],  # uint64 with a gap: floats
    [{"a": 2**63}, {"a": -1}],  # no machine int holds both: objects
    [{"a": math.nan, "b": "x,y", "c": 'say "hi"', "d": "two\nlines"}],
    [{"a": 1e16, "b": 1e-5, "c": 0.1 + 0.2, "d": math.inf, "e": -0.0}],
    [{"a": None}, {"a": None}],
    [{"a": 3, "b": "s"}, {"a": 4, "b": 5}],
    [{"a": 0.5, "b": "x"}, {"a": "y", "b": 1.5}],
]


def _pandas(records: list[dict[str, object]]) -> str:
    return str(pd.DataFrame(records).to_csv(index=False))


@pytest.mark.parametrize("records", EDGE_CASES)
def test_edge_cases_match_pandas(records: list[dict[str, object]]) -> None:
    assert records_to_csv(records) == _pandas(records)


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                    st.floats(allow_nan=True), st.text(max_size=6))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from("abcd"), _VALUES, max_size=4), max_size=5))
def test_random_records_match_pandas(records: list[dict[str, object]]) -> None:
    assert records_to_csv(records) == _pandas(records)


@pytest.mark.parametrize("config", ["int8_sa.yaml", "int4_sa.yaml", "psum32_ws.yaml"])
def test_a_runs_csv_is_the_frames(config: str) -> None:
    result = accelsim.run(REPO / "configs" / config)
    assert result_to_csv(result) == result_to_frame(result).to_csv(index=False)
