"""Golden numbers for the reference workloads on the default INT8 32x32 system.

Any change to cycles, energy or area of these runs must be on purpose: rerun with
``pytest tests/regression --update-golden`` and review the diff of the golden file.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

import accelsim

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "regression" / "golden" / "reference_workloads.json"
WORKLOADS = ["resnet18", "resnet50", "mobilenet_v2", "bert_base_seq128", "bert_base_seq512",
             "llama2_7b_prefill512", "llama2_7b_decode_kv1024"]
DATAFLOWS = ["os", "ws", "is"]


def _measure(workload: str, dataflow: str) -> dict[str, float]:
    result = accelsim.run(ROOT / "configs" / "int8_sa.yaml",
                          workload=ROOT / "workloads" / f"{workload}.yaml",
                          set={"system.array.dataflow": dataflow})
    totals = result.to_dict()["totals"]
    return {key: totals[key] for key in
            ("cycles", "compute_cycles", "stall_cycles", "macs", "energy_j", "area_m2")}


def _all() -> dict[str, dict[str, float]]:
    return {f"{w}/{d}": _measure(w, d) for w in WORKLOADS for d in DATAFLOWS}


def test_reference_workloads_match_golden(update_golden: bool) -> None:
    measured = _all()
    if update_golden:
        meta = {"version": accelsim.api.accelsim_version(),
                "date": datetime.date.today().isoformat(),
                "why": "regenerated with --update-golden; see the commit message for the reason",
                "config": "configs/int8_sa.yaml with system.array.dataflow overridden"}
        GOLDEN.write_text(json.dumps({"_meta": meta, **measured}, indent=1) + "\n")
        pytest.skip("golden file rewritten")
    golden = json.loads(GOLDEN.read_text())
    golden.pop("_meta")
    assert set(golden) == set(measured)
    for key, expected in golden.items():
        got = measured[key]
        for field in ("cycles", "compute_cycles", "stall_cycles", "macs"):
            assert got[field] == expected[field], f"{key} {field}"
        for field in ("energy_j", "area_m2"):
            assert got[field] == pytest.approx(expected[field], rel=1e-9), f"{key} {field}"
        assert got["cycles"] == got["compute_cycles"] + got["stall_cycles"]
