"""The fetch -> compute pipeline with a second read channel for the B operand (weights or KV
cache): a ReRAM stack beside the DRAM channel, or nothing (B resident in SRAM).

Per fold the recurrence of ``sim/pipeline.py`` is extended by one channel: the DRAM transaction
carries the fold's A and partial-sum reads plus the carried write-back, exactly as there; the B
slice is read over the weight channel, which starts when *it* and the SRAM slot are free; the
fold computes once both arrived. With no B bits on the second channel the recurrence is the
single-channel one, fold for fold (the reference test checks it). Coalescing is the same
(``repeat_unit``): the extra channel's free time is one more time in the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from accelsim.config.reram_spec import ReramSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.mapping.plan import LayerPlan, TileRun
from accelsim.mapping.psum_traffic import psum_counts, psum_dram
from accelsim.sim.array_counts import array_cycles, busy_cycles, layer_counts
from accelsim.sim.engine import LayerTiming, channel_for, overlap_for
from accelsim.sim.pipeline import (
    Channel,
    PipelineState,
    commit_fold,
    fetch_over_dram,
    finish,
    overlap_ready,
    repeat_unit,
)
from accelsim.sim.stats import LayerStats
from accelsim.timing.folding import FoldShape
from accelsim.types import Action, Dataflow, count_key
from accelsim.types import OperandHome as Source


@dataclass
class DualState(PipelineState):
    """The single-channel state plus the weight channel's free time."""

    weight_channel: Channel | None = None
    weight_free: int = 0

    def snapshot(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(times, non-time state), the weight channel's time included."""
        times, other = super().snapshot()
        return (self.weight_free, *times), other

    def shift(self, delta: int) -> None:
        """Move every time, the weight channel's too, forward by ``delta``."""
        super().shift(delta)
        self.weight_free += delta


def step_dual(state: DualState, array: int, busy: int, dram_bits: int, weight_bits: int,
              write_bits: int, fold: FoldShape | None = None) -> None:
    """Advance by one fold: A (and psums) over DRAM, B over the weight channel."""
    slot_free, ready = fetch_over_dram(state, dram_bits)
    if weight_bits:
        assert state.weight_channel is not None
        weight_issue = max(state.weight_free, slot_free)
        state.weight_free = weight_issue + state.weight_channel.transfer_cycles(weight_bits)
        ready = max(ready, state.weight_free + state.weight_channel.latency_cycles)
    commit_fold(state, overlap_ready(state, ready, dram_bits + weight_bits), array, busy,
                write_bits, fold)


def reram_channel(reram: ReramSpec, clock_hz: float, slots: int) -> Channel:
    """The ReRAM read channel in system-clock cycles (bandwidth from bumps x clock)."""
    cycles_per_bit = Fraction(clock_hz) / Fraction(reram.derived_bandwidth_bits_per_s)
    latency = Fraction(reram.read_latency_s) * Fraction(clock_hz)
    return Channel(cycles_per_bit, -(-latency.numerator // latency.denominator), slots)


def _split(run: TileRun, source: Source) -> tuple[int, int]:
    """(DRAM read bits, weight-channel bits) of one fold of ``run``."""
    b_bits = run.traffic.sram_write_bits[1]  # the B slice the fold fetched into SRAM
    if source is Source.DRAM:
        return run.traffic.dram_read_bits, 0
    return run.traffic.dram_read_bits - b_bits, b_bits if source is Source.RERAM else 0


def time_layer_sourced(plan: LayerPlan, system: SystemSpec, source: Source) -> LayerTiming:
    """Exact cycles of one layer whose B operand comes from ``source``."""
    dram = channel_for(system)
    weight = reram_channel(system.reram, system.clock_hz, dram.slots) \
        if source is Source.RERAM and system.reram is not None else None
    if source is Source.RERAM and weight is None:
        raise ValueError("a ReRAM-sourced layer needs system.reram")
    state = DualState(dram, overlap=overlap_for(system), weight_channel=weight)

    def run_unit(run: TileRun) -> None:
        cycles, busy = array_cycles(run, system), busy_cycles(run, system)
        dram_bits, weight_bits = _split(run, source)
        write_bits = run.traffic.dram_write_bits
        repeat_unit(state, lambda: step_dual(state, cycles, busy, dram_bits, weight_bits,
                                             write_bits, run.fold), run.count)

    def group() -> None:
        for block in plan.blocks:
            def block_once(block=block) -> None:  # noqa: ANN001
                for segment in block.segments:
                    def segment_once(segment=segment) -> None:  # noqa: ANN001
                        for run in segment.runs:
                            run_unit(run)
                    repeat_unit(state, segment_once, segment.repeat)
            repeat_unit(state, block_once, block.repeat)

    repeat_unit(state, group, plan.groups)
    total = finish(state)
    return LayerTiming(total, state.compute_cycles, state.folds_stepped, state.jumps)


def b_operand_bits(plan: LayerPlan) -> int:
    """Bits of the B operand the layer fetches over its whole run (all folds)."""
    total = 0
    for block in plan.blocks:
        for segment in block.segments:
            for run in segment.runs:
                folds = plan.groups * block.repeat * segment.repeat * run.count
                total += folds * run.traffic.sram_write_bits[1]
    return total


def sourced_layer_stats(plan: LayerPlan, system: SystemSpec, source: Source) -> LayerStats:
    """Timing and counts of one layer; B bits move from ``dram`` to ``reram`` (or vanish: SRAM)."""
    timing = time_layer_sourced(plan, system, source)
    counts = layer_counts(plan, system, timing.compute_cycles)
    moved = b_operand_bits(plan)
    if source is not Source.DRAM and moved:
        dram_reads = count_key("dram", Action.READ_BITS)
        counts[dram_reads] -= moved
        if not counts[dram_reads]:
            del counts[dram_reads]
        if source is Source.RERAM:
            reram_reads = count_key("reram", Action.READ_BITS)
            counts[reram_reads] = counts.get(reram_reads, 0) + moved
    layer = plan.layer
    return LayerStats(
        name=layer.name, op=layer.op, shape=layer.shape(), cycles=timing.cycles,
        compute_cycles=timing.compute_cycles, stall_cycles=timing.cycles - timing.compute_cycles,
        macs=plan.macs, pe_count=system.array.rows * system.array.cols, counts=counts,
        mapping=plan.report, psum_counts=_psum_counts(plan, source))


def _psum_counts(plan: LayerPlan, source: Source) -> dict[str, int]:
    """``psum_counts`` with B from ``source``: a ws weight re-fetch reads ReRAM (or nothing,
    from SRAM) instead of DRAM."""
    counts = psum_counts(plan)
    refetch = psum_dram(plan).refetch_bits
    if source is Source.DRAM or plan.dataflow is not Dataflow.WS or not refetch:
        return counts
    dram_reads = count_key("dram", Action.READ_BITS)
    counts[dram_reads] -= refetch
    if not counts[dram_reads]:
        del counts[dram_reads]
    if source is Source.RERAM:
        counts[count_key("reram", Action.READ_BITS)] = refetch
    return counts
