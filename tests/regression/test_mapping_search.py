"""The searched mapping is never worse than the fixed one (issue 12), on every layer of the
reference workloads, with the exact numbers of the run (not the search's own arithmetic).

Per layer, the objective of the run with ``mapping.search: on`` must not exceed that of the
run with ``search: off`` (same system, cycles and energy as the report has them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import accelsim

ROOT = Path(__file__).resolve().parents[2]
WORKLOADS = ["resnet18", "resnet50", "mobilenet_v2", "bert_base_seq128", "bert_base_seq512",
             "llama2_7b_prefill512", "llama2_7b_decode_kv1024"]
REL = 1e-9  # float summation order (the report sums per component, the search per action)


def _layers(workload: str, dataflow: str, search: str, objective: str) -> list[float]:
    result = accelsim.run(ROOT / "configs" / "int8_sa.yaml",
                          workload=ROOT / "workloads" / f"{workload}.yaml",
                          set={"system.array.dataflow": dataflow, "mapping.search": search,
                               "mapping.objective": objective})
    values = []
    for row in result.layers:
        cycles, energy = row.stats.cycles, row.total_energy_j
        values.append({"cycles": float(cycles), "energy": energy,
                       "edp": energy * cycles}[objective])
    return values


@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
@pytest.mark.parametrize("workload", WORKLOADS)
def test_searched_mapping_is_never_worse_than_fixed(workload: str, dataflow: str) -> None:
    fixed = _layers(workload, dataflow, "off", "edp")
    searched = _layers(workload, dataflow, "on", "edp")
    assert len(fixed) == len(searched)
    for index, (old, new) in enumerate(zip(fixed, searched, strict=True)):
        assert new <= old * (1 + REL), f"{workload}/{dataflow} layer {index}: {new} > {old}"


@pytest.mark.parametrize("objective", ["energy", "cycles"])
def test_every_objective_is_never_worse(objective: str) -> None:
    fixed = _layers("resnet18", "ws", "off", objective)
    searched = _layers("resnet18", "ws", "on", objective)
    assert all(new <= old * (1 + REL) for old, new in zip(fixed, searched, strict=True))
    assert sum(searched) < sum(fixed)  # the space has something better on ResNet-18
