"""``search_run``: the mapping search applied to a whole run plan (what the runner calls).

Searched: the layers of one chip (``ChipPlan``), weights from DRAM or from a ReRAM stack, and
each chip's placed GEMMs of an LLM round (``LlmPlan``; B from DRAM, ReRAM or SRAM), priced per
chip. Kept on the fixed mapping: chiplet partitions and MoE schedules (their layers are planned
inside the strategies, per chiplet share), and every plan when ``mapping.search: off``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from accelsim.config.run_spec import MappingSpec
from accelsim.hardware.system import System
from accelsim.mapping.llm import LlmPlan
from accelsim.mapping.plan import LayerPlan
from accelsim.mapping.run_plan import ChipPlan, RunPlan
from accelsim.search.layer import Prices, search_layer
from accelsim.sim.engine import LayerTiming
from accelsim.sim.reram_pipeline import sourced_layer_stats
from accelsim.sim.stats import LayerStats
from accelsim.types import OperandHome


def _simulator(system: System, home: OperandHome) -> Callable[[LayerPlan], LayerStats] | None:
    if home is OperandHome.DRAM:
        return None
    return lambda plan: sourced_layer_stats(plan, system.chip, home)


@dataclass(frozen=True)
class SearchedRun:
    """The run plan with its mappings chosen, and the exact timings the search already computed
    for the chosen layers of one chip (by position; ``()`` when none), for the engine to reuse."""

    plan: RunPlan
    timings: tuple[LayerTiming | None, ...] = ()


def search_run(plan: RunPlan, system: System, spec: MappingSpec,
               prices: Callable[[], Prices]) -> SearchedRun:
    """``plan`` with each chip's layer mappings searched (``prices``: one chip's, called once,
    only when something is searched); any other plan, or ``search: off``, unchanged."""
    if spec.search == "off" or not isinstance(plan, ChipPlan | LlmPlan):
        return SearchedRun(plan)
    priced = prices()
    if isinstance(plan, LlmPlan):
        return SearchedRun(replace(plan, placed=tuple(
            replace(item, plan=search_layer(item.plan, system.chip, spec, priced,
                                            _simulator(system, OperandHome(item.source))).plan)
            if item.plan is not None else item for item in plan.placed)))
    searched = tuple(search_layer(layer, system.chip, spec, priced, _simulator(system, home))
                     for layer, home in zip(plan.plan.layers, plan.weight_homes, strict=True))
    layers = tuple(item.plan for item in searched)
    return SearchedRun(replace(plan, plan=replace(plan.plan, layers=layers)),
                       tuple(item.timing for item in searched))
