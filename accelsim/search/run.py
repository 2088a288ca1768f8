"""``search_run``: the mapping search applied to a whole run plan (what the runner calls).

Searched: the layers of one chip (``ChipPlan``), weights from DRAM or from a ReRAM stack.
Kept on the fixed mapping: chiplet partitions, MoE schedules and LLM rounds (their layers are
planned inside the strategies, per chiplet share), and every plan when ``mapping.search: off``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from accelsim.config.run_spec import MappingSpec
from accelsim.hardware.system import System
from accelsim.mapping.plan import LayerPlan
from accelsim.mapping.run_plan import ChipPlan, RunPlan
from accelsim.search.layer import Prices, search_layer
from accelsim.sim.reram_pipeline import sourced_layer_stats
from accelsim.sim.stats import LayerStats
from accelsim.types import OperandHome


def _simulator(system: System, home: OperandHome) -> Callable[[LayerPlan], LayerStats] | None:
    if home is OperandHome.DRAM:
        return None
    return lambda plan: sourced_layer_stats(plan, system.chip, home)


def search_run(plan: RunPlan, system: System, spec: MappingSpec,
               prices: Callable[[], Prices]) -> RunPlan:
    """``plan`` with each single-chip layer's mapping searched (``prices`` is called once,
    only when something is searched); any other plan, or ``search: off``, unchanged."""
    if spec.search == "off" or not isinstance(plan, ChipPlan) or system.multi_chip:
        return plan
    priced = prices()
    layers = tuple(search_layer(layer, system.chip, spec, priced, _simulator(system, home))
                   for layer, home in zip(plan.plan.layers, plan.weight_homes, strict=True))
    return replace(plan, plan=replace(plan.plan, layers=layers))
