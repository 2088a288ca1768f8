"""One LLM speculation round on the built system (docs/reram.md): every chip runs the plan's
share (the exact per-layer recurrence, weights over ReRAM or DRAM), then each GEMM's outputs
are all-gathered over the D2D links; the nonlinear ops and the KV append follow.

All chips do the same work, so one chip is timed and its counts are charged to every chip's
components (``chiplet<i>.array``, ``dram<i>``, ...); the all-gather's wire bits are charged to
the directed channels each step uses, so every joule lands on a component of the system.
"""

from __future__ import annotations

from dataclasses import replace

from accelsim.errors import ConfigError
from accelsim.hardware.links import Topology, ring_order
from accelsim.hardware.nonlinear import nonlinear_counts, nonlinear_cycles
from accelsim.hardware.system import System
from accelsim.mapping.llm import LlmPlan, Placed
from accelsim.sim.reram_pipeline import sourced_layer_stats
from accelsim.sim.stats import (
    LayerStats,
    LlmTotals,
    SimStats,
    action_of,
    component_of,
    on_every_chip,
)
from accelsim.timing.links import hop_latency_cycles, serialization_cycles, wire_bits
from accelsim.types import Action, OperandHome, count_key


def _scaled(stats: LayerStats, repeat: int) -> LayerStats:
    if repeat == 1:
        return stats
    return replace(stats, name=f"{stats.name} x{repeat}", cycles=stats.cycles * repeat,
                   compute_cycles=stats.compute_cycles * repeat,
                   stall_cycles=stats.stall_cycles * repeat, macs=stats.macs * repeat,
                   counts={k: v * repeat for k, v in stats.counts.items()},
                   psum_counts={k: v * repeat for k, v in stats.psum_counts.items()})


def _ring_steps(topology: Topology) -> tuple[int, int, dict[str, int]]:
    """(max channel load, max hops, channel uses) of one step of a ring all-gather: every chip
    sends its slice to its successor on the ring order, routed over the topology."""
    order = ring_order(topology)
    uses: dict[str, int] = {}
    hops = 0
    for index, src in enumerate(order):
        dst = order[(index + 1) % len(order)]
        route = topology.hops(src, dst)
        hops = max(hops, len(route))
        for channel in route:
            uses[channel] = uses.get(channel, 0) + 1
    return max(uses.values(), default=0), hops, uses


def _allgather(item: Placed, plan: LlmPlan, system: System) -> LayerStats | None:
    """The ring all-gather of one GEMM's outputs (cycles and wire bits per channel)."""
    layer = item.layer
    if system.chips == 1 or layer.op == "attention":
        return None
    assert system.topology is not None and system.link is not None
    link, clock = system.link, system.clock_hz
    slice_bits = layer.m * layer.n * plan.spec.activation_bits
    load, hops, uses = _ring_steps(system.topology)
    steps = system.chips - 1
    per_step = load * serialization_cycles(slice_bits, link, clock) + \
        hops * hop_latency_cycles(link, clock)
    cycles = layer.batch * steps * per_step
    wire = wire_bits(slice_bits, link)
    counts = {count_key(channel, Action.BITS): layer.batch * steps * used * wire
              for channel, used in sorted(uses.items())}
    bits = sum(counts.values())
    return LayerStats(f"{layer.name}.allgather", "link", {"bits": bits}, cycles, 0, cycles, 0,
                      system.pe_count, counts)


def _kv_append(plan: LlmPlan, system: System) -> LayerStats:
    """The new K/V entries of one round, written where the cache lives (reram: program time)."""
    chip, placement = system.chip, plan.spec.kv_placement
    bits, cycles, counts = plan.kv_append_bits, 0, {}
    if placement != "sram":
        counts[count_key(placement, Action.WRITE_BITS)] = bits
    if placement == "reram" and chip.reram is not None:
        rows = -(-bits // chip.reram.read_bits_per_cycle)
        cycles = int(-(-rows * chip.reram.program_latency_s * chip.clock_hz // 1))
    row = LayerStats("kv_append", "kv_write", {"bits": bits}, cycles, 0, cycles, 0,
                     chip.array.rows * chip.array.cols, counts)
    return on_every_chip(row, system)


def _nonlinear_rows(plan: LlmPlan, system: System) -> list[LayerStats]:
    unit, chip = system.chip.nonlinear, system.chip
    if unit is None:
        return []
    rows = []
    for op, repeat in plan.nonlinear:
        cycles = nonlinear_cycles(op, unit)
        row = LayerStats(op.name, "nonlinear", {"elements": op.elements}, cycles, cycles, 0, 0,
                         chip.array.rows * chip.array.cols, nonlinear_counts(op))
        rows.append(on_every_chip(_scaled(row, repeat), system))
    return rows


def _check_drams(system: System) -> None:
    if system.multi_chip and len(set(system.dram_at)) != system.chips:
        raise ConfigError(
            "an LLM run splits every GEMM over all chips, each streaming its weight share from "
            f"its own DRAM: every chip needs a DRAM channel (chiplets.dram_at has "
            f"{len(set(system.dram_at))} of {system.chips}); LLM tensor parallelism with "
            "shared DRAM channels is not modelled", key_path="chiplets.dram_at")


def _totals(plan: LlmPlan, system: System, stats: SimStats) -> LlmTotals:
    counts = stats.total_counts()
    per_round = plan.tokens_per_round

    def bits(component_kind: str, action: Action) -> int:
        return sum(v for k, v in counts.items() if action_of(k) == action and
                   component_of(k).rsplit(".", 1)[-1].rstrip("0123456789") == component_kind)

    link_bits = sum(v for k, v in counts.items() if k.startswith("link."))
    endurance = system.chip.reram.endurance_writes if system.chip.reram is not None \
        else float("inf")
    return LlmTotals(
        phase=plan.spec.phase, chips=system.chips, tokens_per_round=per_round,
        tokens_per_s=per_round / stats.seconds,
        reram_bytes_per_token=bits("reram", Action.READ_BITS) / 8 / per_round,
        dram_bytes_per_token=(bits("dram", Action.READ_BITS) + bits("dram", Action.WRITE_BITS))
        / 8 / per_round,
        link_bytes_per_token=link_bits / 8 / per_round,
        reram_weight_fraction=plan.reram_weight_fraction,
        reram_writes_per_cell=plan.reram_writes_per_cell,
        endurance_ok=plan.reram_writes_per_cell <= endurance)


def simulate_llm(plan: LlmPlan, system: System) -> SimStats:
    """One round of ``plan`` on every chip of ``system``: rows per layer, per-token totals."""
    _check_drams(system)
    rows: list[LayerStats] = []
    for item in plan.placed:
        assert item.plan is not None
        row = sourced_layer_stats(item.plan, system.chip, OperandHome(item.source))
        rows.append(on_every_chip(_scaled(row, item.repeat), system))
        gather = _allgather(item, plan, system)
        if gather is not None:
            rows.append(_scaled(gather, item.repeat))
    rows += _nonlinear_rows(plan, system)
    rows.append(_kv_append(plan, system))
    stats = SimStats(tuple(rows), system.clock_hz)
    return replace(stats, llm=_totals(plan, system, stats))
