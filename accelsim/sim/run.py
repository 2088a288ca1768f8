"""``simulate_run(plan, system, sim)``: one entry point for every plan kind. One chip's layers
take the exact coalesced recurrence (``sim/engine.py``); chiplet partitions and MoE schedules
run on the SimPy fabric of links and DRAM channels (``sim/chiplets.py``); an LLM round is one
chip's recurrence replicated, plus the all-gathers over the links (``sim/llm.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from accelsim.config.run_spec import SimSpec
from accelsim.errors import ConfigError
from accelsim.hardware.system import System
from accelsim.mapping.run_plan import ChipPlan, MoeRunPlan, PartitionPlan, RunPlan
from accelsim.sim.engine import LayerTiming, simulate
from accelsim.sim.stats import SimStats, on_every_chip
from accelsim.types import OperandHome


def _one_chip(plan: ChipPlan, system: System, sim: SimSpec,
              timed: Sequence[LayerTiming | None]) -> SimStats:
    """Layers on one chip; weights placed in a ReRAM stack stream from it over its channel."""
    chip = system.chip
    if all(home is OperandHome.DRAM for home in plan.weight_homes):
        stats = simulate(plan.plan, chip, sim, timed)
    else:
        from accelsim.sim.reram_pipeline import sourced_layer_stats

        stats = SimStats(tuple(sourced_layer_stats(layer, chip, home) for layer, home in
                               zip(plan.plan.layers, plan.weight_homes, strict=True)),
                         chip.clock_hz)
    return replace(stats, layers=tuple(on_every_chip(row, system) for row in stats.layers))


# Plan kinds whose fabric streams weights from DRAM only, and why a ReRAM stack is refused there.
_NO_RERAM = {
    MoeRunPlan: "a ReRAM stack with MoE expert streaming is not modelled: the schedules load "
                "expert slices from the DRAM channels (remove system.reram, or run the experts "
                "as dense layers)",
    PartitionPlan: "a ReRAM stack with dense layers partitioned over several chiplets is not "
                   "modelled (the partition streams every share's weights from DRAM); ReRAM on "
                   "chiplets is modelled for LLM runs",
}


def simulate_run(plan: RunPlan, system: System, sim: SimSpec,
                 timed: Sequence[LayerTiming | None] = ()) -> SimStats:
    """Cycles and action counts of ``plan`` on ``system``; ``timed``: exact timings of one
    chip's layers already computed (by the mapping search), reused instead of recomputed."""
    if system.chip.reram is not None and type(plan) in _NO_RERAM:
        raise ConfigError(_NO_RERAM[type(plan)], key_path="system.reram")
    # The LLM, MoE and chiplet-partition simulators are imported when such a plan comes: a
    # one-chip run starts without them.
    if not isinstance(plan, ChipPlan | MoeRunPlan | PartitionPlan):  # an LLM round
        from accelsim.sim.llm import simulate_llm

        return simulate_llm(plan, system)
    if system.fabric is not None and system.fabric.dram_sharing == "shared":
        raise ConfigError("chiplets.dram_sharing 'shared' (one DRAM pool every chiplet reads "
                          "over its own bus) is modelled for LLM runs only; dense partitions "
                          "and MoE schedules route DRAM traffic over the links ('private')",
                          key_path="chiplets.dram_sharing")
    if isinstance(plan, MoeRunPlan):
        from accelsim.sim.moe import simulate_moe

        return simulate_moe(plan, sim)
    if isinstance(plan, PartitionPlan):
        from accelsim.sim.dense_chiplets import simulate_dense

        return simulate_dense(plan, sim)
    return _one_chip(plan, system, sim, timed)
