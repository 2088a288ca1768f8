"""One LLM speculation round on the built system (docs/reram.md): every chip runs the plan's
share (the exact per-layer recurrence, weights over ReRAM or DRAM), then each GEMM's outputs
are all-gathered over the D2D links; the nonlinear ops and the KV append follow.

All chips do the same work, so one chip is timed and its counts are charged to every chip's
components (``chiplet<i>.array``, ``dram<i>``, ...); the all-gather's wire bits are charged to
the directed channels each step uses, so every joule lands on a component of the system.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from accelsim.config.llm_spec import LlmSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.errors import ConfigError
from accelsim.hardware.links import Topology, ring_order
from accelsim.hardware.nonlinear import nonlinear_counts, nonlinear_cycles
from accelsim.hardware.rotation import rotation_counts, rotation_cycles
from accelsim.hardware.system import System
from accelsim.mapping.llm import LlmPlan, Placed
from accelsim.sim.engine import channel_for
from accelsim.sim.llm_timeline import round_timeline
from accelsim.sim.reram_pipeline import sourced_layer_stats
from accelsim.sim.rs_pnm import pnm_layer_stats
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


def _shared(system: System) -> bool:
    return system.fabric is not None and system.fabric.dram_sharing == "shared"


def timed_chip(system: System) -> SystemSpec:
    """The chip spec one chip is timed with: with a shared DRAM pool its channel is its equal
    share of the pool (every chip streams its weight share at the same time)."""
    chip = system.chip
    if not _shared(system):
        return chip
    share = chip.dram.bandwidth_bits_per_s * len(system.dram_at) / system.chips
    return chip.model_copy(update={"dram": chip.dram.model_copy(
        update={"bandwidth_bits_per_s": share})})


def _pooled(row: LayerStats, system: System) -> LayerStats:
    """Every chip's DRAM bits of ``row`` spread evenly over the shared pool's channels."""
    if not _shared(system):
        return row
    dram_names = {system.dram_name(c) for c in range(system.chips)}
    counts = {k: v for k, v in row.counts.items() if component_of(k) not in dram_names}
    pool = system.dram_at
    for action in (Action.READ_BITS, Action.WRITE_BITS):
        total = sum(v for k, v in row.counts.items()
                    if component_of(k) in dram_names and action_of(k) == action)
        for index, channel in enumerate(pool):
            part = total // len(pool) + (1 if index < total % len(pool) else 0)
            if part:
                counts[count_key(system.dram_name(channel), action)] = part
    return replace(row, counts=counts)


def _rotated(name: str, gated: bool) -> bool:
    """Whether the LRU rotates this target projection's input: once per distinct input (Q,
    not K and V, which read the same vector; the gate, not the up projection, of a gated FFN);
    the LM head is not rotated."""
    skip = ("k_proj", "v_proj", "lm_head", *(("up_proj",) if gated else ()))
    return name.startswith("target.") and not name.removesuffix("@reram").endswith(skip)


def _rotation_row(item: Placed, plan: LlmPlan, system: System) -> LayerStats | None:
    """The LRU's rotation of a target projection's input, on every chip: each rotates the
    whole input of its column share."""
    unit, layer = system.chip.rotation, item.layer
    gated = plan.models.target.ffn_kind == "gated"
    if unit is None or layer.op == "attention" or not _rotated(layer.name, gated):
        return None
    elements = layer.batch * layer.m * layer.k
    cycles = rotation_cycles(elements, unit)
    row = LayerStats(f"{layer.name}.rotate", "rotation", {"elements": elements}, cycles,
                     cycles, 0, 0, system.chip.array.rows * system.chip.array.cols,
                     rotation_counts(elements, unit))
    return on_every_chip(_scaled(row, item.repeat), system)


def _check_drams(system: System) -> None:
    if system.multi_chip and not _shared(system) and len(set(system.dram_at)) != system.chips:
        raise ConfigError(
            "an LLM run splits every GEMM over all chips, each streaming its weight share from "
            f"its own DRAM: every chip needs a DRAM channel (chiplets.dram_at has "
            f"{len(set(system.dram_at))} of {system.chips}), or chiplets.dram_sharing "
            "'shared' (the channels as one pool)", key_path="chiplets.dram_at")


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


def _on_pnm(item: Placed, plan: LlmPlan) -> bool:
    """A draft GEMM with its weights in ReRAM, run on the RS-PNM path."""
    return plan.spec.draft_engine == "rs_pnm" and item.source == "reram" and \
        item.layer.op != "attention" and item.layer.name.startswith("draft.")


def _exposed(row: LayerStats, fraction: Fraction, chip: SystemSpec) -> LayerStats:
    """A draft row with only ``fraction`` of its time exposed (APSD hides the rest behind the
    target pass); its counts (the work) are unchanged. The DRAM is busy with the target pass,
    so the row's own DRAM transfers (its KV, a DRAM-resident LM head) stay exposed."""
    if fraction == 1:
        return row
    dram_bits = sum(row.counts.get(count_key("dram", a), 0)
                    for a in (Action.READ_BITS, Action.WRITE_BITS))
    floor = min(row.cycles, channel_for(chip).transfer_cycles(dram_bits))
    cycles = max(int(row.cycles * fraction), floor)
    compute = min(int(row.compute_cycles * fraction), cycles)
    return replace(row, name=f"{row.name} ({float(fraction):.0%} exposed)", cycles=cycles,
                   compute_cycles=compute, stall_cycles=cycles - compute)


def apsd_exposed(spec: LlmSpec) -> Fraction:
    """Share of the draft time APSD leaves exposed: 1 - a^(g+1), the rounds that do not
    switch to parallel draft-and-verify (1 with sequential speculation)."""
    if spec.speculation != "apsd" or not spec.draft_length:
        return Fraction(1)
    alpha = Fraction(f"{spec.acceptance_rate:.12g}")
    return 1 - alpha ** (spec.draft_length + 1)


def _gemm_row(item: Placed, plan: LlmPlan, system: System, chip: SystemSpec) -> LayerStats:
    if _on_pnm(item, plan):
        return pnm_layer_stats(item.layer, chip, plan.spec)
    assert item.plan is not None
    return sourced_layer_stats(item.plan, chip, OperandHome(item.source))


def simulate_llm(plan: LlmPlan, system: System) -> SimStats:
    """One round of ``plan`` on every chip of ``system``: rows per layer, per-token totals,
    and the per-resource spans of the round drawn pass by pass."""
    _check_drams(system)
    chip, exposed = timed_chip(system), apsd_exposed(plan.spec)
    rows: list[LayerStats] = []
    for item in plan.placed:
        rotate = _rotation_row(item, plan, system)
        if rotate is not None:
            rows.append(rotate)
        row = _scaled(_gemm_row(item, plan, system, chip), item.repeat)
        if item.layer.name.startswith("draft."):
            row = _exposed(row, exposed, chip)
        rows.append(_pooled(on_every_chip(row, system), system))
        gather = _allgather(item, plan, system)
        if gather is not None:
            rows.append(_scaled(gather, item.repeat))
    rows += [_exposed(row, exposed, chip) if row.name.startswith("draft.") else row
             for row in _nonlinear_rows(plan, system)]
    rows.append(_pooled(_kv_append(plan, system), system))
    timeline, spans = round_timeline(rows, plan.spec.draft_length, system)
    stats = SimStats(tuple(rows), system.clock_hz, timeline=timeline, spans=spans)
    return replace(stats, llm=_totals(plan, system, stats))
