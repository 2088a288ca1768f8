"""``search_run`` searches each distinct layer once per call: the shared answers equal searching
every layer on its own, and nothing carries over from one run to the next."""

from __future__ import annotations

from pathlib import Path

import accelsim
from accelsim import runner
from accelsim.hardware.system import build
from accelsim.mapping.plan import plan
from accelsim.mapping.run_plan import ChipPlan
from accelsim.search import search_layer, search_run
from accelsim.sim.engine import time_layer
from accelsim.types import OperandHome
from accelsim.workload.loader import load

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "configs" / "int8_sa.yaml"


def test_shared_searches_equal_searching_every_layer() -> None:
    spec = accelsim.load(CONFIG, set={"system.array.rows": 16,
                                      "system.sram.ifmap.capacity": "16KiB"})
    system = build(spec.system, None)
    prices = runner.prices(system, runner.InputCache())
    workload = load(ROOT / "workloads" / "resnet18.yaml")
    fixed = plan(workload, spec.system, spec.mapping)
    homes = (OperandHome.DRAM,) * len(fixed.layers)
    searched = search_run(ChipPlan(fixed, homes), system, spec.mapping, lambda: prices)
    assert isinstance(searched.plan, ChipPlan)
    for layer, got, timing in zip(fixed.layers, searched.plan.plan.layers, searched.timings,
                                  strict=True):
        alone = search_layer(layer, spec.system, spec.mapping, prices)
        assert got.layer is layer.layer
        assert got == alone.plan and got.report == alone.plan.report
        assert timing == alone.timing == time_layer(got, spec.system)


def test_runs_share_no_search_answer() -> None:
    small = accelsim.load(CONFIG, set={"system.array.rows": 8})
    large = accelsim.load(CONFIG, set={"system.array.rows": 64})
    cache = runner.InputCache()
    runner.run(small, cache, provenance=False)
    after = runner.run(large, cache, provenance=False)
    fresh = runner.run(large, runner.InputCache(), provenance=False)
    assert after.to_dict()["layers"] == fresh.to_dict()["layers"]
    assert after.total_cycles == fresh.total_cycles and after.energy_j == fresh.energy_j
