"""``search_run``: the mapping search applied to a whole run plan (what the runner calls).

Searched: the layers of one chip (``ChipPlan``), weights from DRAM or from a ReRAM stack, and
each chip's placed GEMMs of an LLM round (``LlmPlan``; B from DRAM, ReRAM or SRAM), priced per
chip. Kept on the fixed mapping: chiplet partitions and MoE schedules (their layers are planned
inside the strategies, per chiplet share), and every plan when ``mapping.search: off``.
Layers equal but for their name (``mapping.shared.layer_key``) with weights from the same
home are searched once per call; the others take that answer with their own layer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace

from accelsim.config.run_spec import MappingSpec
from accelsim.hardware.system import System
from accelsim.mapping.plan import LayerPlan
from accelsim.mapping.run_plan import ChipPlan, MoeRunPlan, PartitionPlan, RunPlan
from accelsim.mapping.shared import layer_key
from accelsim.search.layer import Prices, Searched, search_layer
from accelsim.sim.engine import LayerTiming
from accelsim.sim.stats import LayerStats
from accelsim.types import OperandHome


def _simulator(system: System, home: OperandHome) -> Callable[[LayerPlan], LayerStats] | None:
    if home is OperandHome.DRAM:
        return None
    from accelsim.sim.reram_pipeline import sourced_layer_stats  # weights from a ReRAM stack

    return lambda plan: sourced_layer_stats(plan, system.chip, home)


@dataclass(frozen=True)
class SearchedRun:
    """The run plan with its mappings chosen, and the exact timings the search already computed
    for the chosen layers of one chip (by position; ``()`` when none), for the engine to reuse."""

    plan: RunPlan
    timings: tuple[LayerTiming | None, ...] = ()


@dataclass
class _Searcher:
    """The layer searches of one ``search_run`` call, each distinct layer and home once."""

    system: System
    spec: MappingSpec
    prices: Prices
    done: dict[Hashable, Searched] = field(default_factory=dict)

    def search(self, fixed: LayerPlan, home: OperandHome) -> Searched:
        """``search_layer`` of ``fixed`` with weights from ``home`` (an equal layer's answer
        when one was searched already, with this layer in its plan)."""
        key = layer_key(fixed.layer, self.system.chip)
        known = self.done.get((home, key)) if key is not None else None
        if known is None:
            known = search_layer(fixed, self.system.chip, self.spec, self.prices,
                                 _simulator(self.system, home))
            if key is not None:
                self.done[(home, key)] = known
        if known.plan.layer is fixed.layer:
            return known
        return Searched(replace(known.plan, layer=fixed.layer), known.timing)


def search_run(plan: RunPlan, system: System, spec: MappingSpec,
               prices: Callable[[], Prices]) -> SearchedRun:
    """``plan`` with each chip's layer mappings searched (``prices``: one chip's, called once,
    only when something is searched); any other plan, or ``search: off``, unchanged."""
    if spec.search == "off" or isinstance(plan, MoeRunPlan | PartitionPlan):
        return SearchedRun(plan)
    searcher = _Searcher(system, spec, prices())
    if not isinstance(plan, ChipPlan):  # an LLM round: each chip's placed GEMMs
        return SearchedRun(replace(plan, placed=tuple(
            replace(item, plan=searcher.search(item.plan, OperandHome(item.source)).plan)
            if item.plan is not None else item for item in plan.placed)))
    searched = tuple(searcher.search(layer, home)
                     for layer, home in zip(plan.plan.layers, plan.weight_homes, strict=True))
    layers = tuple(item.plan for item in searched)
    return SearchedRun(replace(plan, plan=replace(plan.plan, layers=layers)),
                       tuple(item.timing for item in searched))
