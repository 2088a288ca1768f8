"""One chip's engine: the layers run one after another, each timed exactly by the pipeline
recurrence (one step per coalesced unit of tiles; ``tests/unit/sim/test_pipeline.py`` proves the
recurrence against a one-event-per-fold SimPy model). A chip's layers contend for nothing but
each other's time, so no event queue is needed here; SimPy runs the fabric between chips
(``sim/chiplets.py``). Nothing is kept between calls (runs, sweep points).
With ``sim.timeline`` on, every layer's start and end cycle is recorded for the timeline export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from accelsim.config.run_spec import SimSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.mapping.plan import Block, LayerPlan, MappingPlan, Segment, TileRun
from accelsim.mapping.psum_traffic import psum_counts
from accelsim.mapping.reuse import FoldTrafficBits
from accelsim.sim.array_counts import array_cycles, busy_cycles, layer_counts
from accelsim.sim.pipeline import (
    Channel,
    OverlapTrack,
    PipelineState,
    finish,
    repeat_unit,
    step_fold,
)
from accelsim.sim.stats import LayerStats, SimStats
from accelsim.timing.folding import FoldShape
from accelsim.types import Operand


@dataclass(frozen=True)
class LayerTiming:
    """Cycles of one layer and how much work the engine did to find them."""

    cycles: int
    compute_cycles: int
    folds_stepped: int
    jumps: int


def channel_for(system: SystemSpec) -> Channel:
    """The DRAM channel in cycles: exact rational cycles per bit, ceil'd latency."""
    efficiency = Fraction(f"{system.dram.efficiency:.12g}")
    sustained = Fraction(system.dram.bandwidth_bits_per_s) * efficiency
    cycles_per_bit = Fraction(system.clock_hz) / sustained
    latency = Fraction(system.dram.latency_s) * Fraction(system.clock_hz)
    return Channel(cycles_per_bit, -(-latency.numerator // latency.denominator),
                   2 if _double_buffered(system) else 1)


def overlap_for(system: SystemSpec) -> OverlapTrack | None:
    """A fresh fold-overlap state for one layer (its first fold pays the full fill), or None."""
    array = system.array
    if array.fold_overlap == "none":
        return None
    return OverlapTrack(array.rows, array.preload_rows_per_cycle, array.stationary_buffers)


def _double_buffered(system: SystemSpec) -> bool:
    return all(system.sram.buffer_for(op).double_buffered
               for op in (Operand.IFMAP, Operand.WEIGHT, Operand.OFMAP))


@dataclass
class FoldCosts:
    """What folds cost on one system: each tile's (array cycles, busy cycles), computed once
    per distinct tile (shape, traffic, MAC-phase cycles), and the DRAM channel. Owned by one
    caller: one layer's timing, or one layer's mapping search (whose candidate plans share
    most tiles); never kept between runs."""

    system: SystemSpec
    channel: Channel = field(init=False)
    _by_value: dict[tuple[FoldShape, FoldTrafficBits, int | None], tuple[int, int]] = field(
        default_factory=dict, init=False)
    # id(run) -> (run, costs): the run is held, so that its id is not reused while cached
    _by_id: dict[int, tuple[TileRun, tuple[int, int]]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.channel = channel_for(self.system)

    def of(self, run: TileRun) -> tuple[int, int]:
        """(array cycles, busy cycles) of one fold of ``run``: the coalescing walk steps the
        same runs many times while it looks for a period."""
        hit = self._by_id.get(id(run))
        if hit is not None:
            return hit[1]
        key = (run.fold, run.traffic, run.mac_phase_cycles)
        costs = self._by_value.get(key)
        if costs is None:
            costs = self._by_value[key] = (array_cycles(run, self.system),
                                           busy_cycles(run, self.system))
        self._by_id[id(run)] = (run, costs)
        return costs


def _run_unit(state: PipelineState, run: TileRun, system: SystemSpec,
              costs: FoldCosts) -> None:
    cycles, busy = costs.of(run)
    traffic = run.traffic

    def one_fold() -> None:
        step_fold(state, cycles, busy, traffic.dram_read_bits,
                  traffic.dram_write_bits, run.fold)

    repeat_unit(state, one_fold, run.count)


def _segment_unit(state: PipelineState, segment: Segment, system: SystemSpec,
                  costs: FoldCosts) -> None:
    def once() -> None:
        for run in segment.runs:
            _run_unit(state, run, system, costs)

    repeat_unit(state, once, segment.repeat)


def _block_unit(state: PipelineState, block: Block, system: SystemSpec,
                costs: FoldCosts) -> None:
    def once() -> None:
        for segment in block.segments:
            _segment_unit(state, segment, system, costs)

    repeat_unit(state, once, block.repeat)


def time_layer(plan: LayerPlan, system: SystemSpec, costs: FoldCosts | None = None
               ) -> LayerTiming:
    """Exact cycles of one layer (pure: no SimPy needed); ``costs``: the fold costs on
    ``system`` already known to the caller (a search times many plans of one layer)."""
    costs = FoldCosts(system) if costs is None else costs
    state = PipelineState(costs.channel, overlap=overlap_for(system))

    def group() -> None:
        for block in plan.blocks:
            _block_unit(state, block, system, costs)

    repeat_unit(state, group, plan.groups)
    total = finish(state)
    return LayerTiming(total, state.compute_cycles, state.folds_stepped, state.jumps)


def stats_of(plan: LayerPlan, system: SystemSpec, timing: LayerTiming) -> LayerStats:
    """A layer's stats from its exact timing (counts follow from the plan and the timing)."""
    layer = plan.layer
    return LayerStats(
        name=layer.name, op=layer.op, shape=layer.shape(), cycles=timing.cycles,
        compute_cycles=timing.compute_cycles, stall_cycles=timing.cycles - timing.compute_cycles,
        macs=plan.macs, pe_count=system.array.rows * system.array.cols,
        counts=layer_counts(plan, system, timing.compute_cycles), mapping=plan.report,
        psum_counts=psum_counts(plan),
    )


def layer_stats(plan: LayerPlan, system: SystemSpec) -> LayerStats:
    """Exact timing and action counts of one layer (the mapping search evaluates with it)."""
    return stats_of(plan, system, time_layer(plan, system))


def simulate(plan: MappingPlan, system: SystemSpec, sim: SimSpec,
             timed: Sequence[LayerTiming | None] = ()) -> SimStats:
    """Run every layer of ``plan`` on ``system`` and collect cycles and action counts;
    ``timed`` holds layers' exact timings already known (the mapping search's), by position."""
    timed = tuple(timed) or (None,) * len(plan.layers)
    layers: list[LayerStats] = []
    timeline: list[tuple[str, int, int]] = []
    now = work = 0
    for layer_plan, known in zip(plan.layers, timed, strict=True):
        timing = known or time_layer(layer_plan, system)
        layers.append(stats_of(layer_plan, system, timing))
        timeline.append((layer_plan.layer.name, now, now + timing.cycles))
        now += timing.cycles
        work += timing.folds_stepped
    return SimStats(tuple(layers), system.clock_hz, events=work,
                    timeline=tuple(timeline) if sim.timeline else ())
