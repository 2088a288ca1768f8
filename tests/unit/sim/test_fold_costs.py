"""``FoldCosts``: a cached fold cost equals computing it, a search's shared costs give every
plan the timing and bound it gets alone, and the channel is the system's."""

from __future__ import annotations

from pathlib import Path

import accelsim
from accelsim import runner
from accelsim.hardware.system import build
from accelsim.mapping.operands import operand_bits
from accelsim.mapping.plan import plan_layer
from accelsim.mapping.space import candidates
from accelsim.search.layer import bound
from accelsim.sim.array_counts import array_cycles, busy_cycles
from accelsim.sim.engine import FoldCosts, channel_for, time_layer
from accelsim.workload.layers import Conv2dLayer

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "configs" / "int8_sa.yaml"
CONV = Conv2dLayer("conv", 28, 28, 128, 3, 3, 128, pad_h=1, pad_w=1)


def test_shared_costs_equal_fresh_ones_for_every_candidate() -> None:
    spec = accelsim.load(CONFIG, set={"system.array.rows": 16,
                                      "system.sram.ifmap.capacity": "16KiB"})
    system = spec.system
    prices = runner.prices(build(system, None), runner.InputCache())
    bits = operand_bits(CONV, system)
    plans = [plan_layer(CONV, system, spec.mapping, choice=choice)
             for choice in candidates(CONV.gemm(), system, spec.mapping, bits)]
    assert len(plans) > 2
    shared = FoldCosts(system)
    assert shared.channel == channel_for(system)
    for plan in plans:
        for block in plan.blocks:
            for segment in block.segments:
                for run in segment.runs:
                    assert shared.of(run) == (array_cycles(run, system),
                                              busy_cycles(run, system))
        assert time_layer(plan, system, shared) == time_layer(plan, system)
        assert bound(plan, system, prices, "edp", shared) == bound(plan, system, prices, "edp")


def test_costs_of_another_system_are_their_own() -> None:
    small = accelsim.load(CONFIG, set={"system.sram.ifmap.width": "64b"}).system
    large = accelsim.load(CONFIG).system
    plan = plan_layer(CONV, large, accelsim.load(CONFIG).mapping)
    run = plan.blocks[0].segments[0].runs[0]
    assert FoldCosts(small).of(run) == (array_cycles(run, small), busy_cycles(run, small))
    assert FoldCosts(large).of(run) == (array_cycles(run, large), busy_cycles(run, large))


def test_candidates_planned_with_known_bits_equal_planning_from_scratch() -> None:
    spec = accelsim.load(ROOT / "configs" / "apsq_ws.yaml")
    system = spec.system
    bits = operand_bits(CONV, system)
    for choice in candidates(CONV.gemm(), system, spec.mapping, bits):
        assert plan_layer(CONV, system, spec.mapping, choice=choice, bits=bits) == plan_layer(
            CONV, system, spec.mapping, choice=choice)
