"""Golden numbers for the reference workloads on the default INT8 32x32 system.

Any change to cycles, energy or area of these runs must be on purpose: rerun with
``pytest tests/regression --update-golden`` and review the diff of the golden file.

The golden numbers are those of the fixed mapping (``mapping.search: off``): they pin the
timing and cost models; the search's choice is held by tests/regression/test_mapping_search.py
(never worse than this fixed mapping, layer by layer).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import accelsim
from tests.regression.golden import assert_fields_close, golden_meta, read_golden, write_golden

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "regression" / "golden" / "reference_workloads.json"
WORKLOADS = ["resnet18", "resnet50", "mobilenet_v2", "bert_base_seq128", "bert_base_seq512",
             "llama2_7b_prefill512", "llama2_7b_decode_kv1024"]
DATAFLOWS = ["os", "ws", "is"]


def _measure(workload: str, dataflow: str) -> dict[str, float]:
    result = accelsim.run(ROOT / "configs" / "int8_sa.yaml",
                          workload=ROOT / "workloads" / f"{workload}.yaml",
                          set={"system.array.dataflow": dataflow, "mapping.search": "off"})
    totals = result.to_dict()["totals"]
    return {key: totals[key] for key in
            ("cycles", "compute_cycles", "stall_cycles", "macs", "energy_j", "area_m2")}


def _all() -> dict[str, dict[str, float]]:
    return {f"{w}/{d}": _measure(w, d) for w in WORKLOADS for d in DATAFLOWS}


def test_reference_workloads_match_golden(update_golden: bool) -> None:
    if update_golden:
        write_golden(GOLDEN, _all(), golden_meta(
            config="configs/int8_sa.yaml with system.array.dataflow overridden, "
            "mapping.search off"))
        pytest.skip("golden file rewritten")
    golden = read_golden(GOLDEN)
    measured = {key: _measure(*key.split("/")) for key in golden}
    assert set(golden) == {f"{w}/{d}" for w in WORKLOADS for d in DATAFLOWS}
    for key, expected in golden.items():
        got = measured[key]
        for field in ("cycles", "compute_cycles", "stall_cycles", "macs"):
            assert got[field] == expected[field], f"{key} {field}"
        assert_fields_close(got, {f: expected[f] for f in ("energy_j", "area_m2")}, key)
        assert got["cycles"] == got["compute_cycles"] + got["stall_cycles"]
