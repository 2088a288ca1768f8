"""An LLM run (``llm:`` in the run config): one speculation round on ``chips`` chips, each with
its ReRAM stack and DRAM, -> tokens/s and joules per token (docs/reram.md).

A round is ``draft_length`` draft passes (one token each) and one target pass verifying
``draft_length + 1`` tokens; it yields ``batch * (1 - a^(g+1)) / (1 - a)`` tokens on average.
Every GEMM is split over the chips by output columns (attention by KV heads); all chips do the
same work, so one chip is simulated and the all-gather of each GEMM's outputs over a ring of
links is added after it. Weights go to ReRAM while they fit (draft first, then the target in
layer order, split by decoder layer), the rest to DRAM. ``pipeline.run_spec`` hands such specs here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from accelsim import cost
from accelsim.config.llm_spec import LlmSpec
from accelsim.config.run_spec import RunSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.cost.reram import link_energy_per_bit
from accelsim.errors import ConfigError, WorkloadError
from accelsim.hardware.links import hop_latency_cycles, serialization_cycles, wire_bits
from accelsim.hardware.nonlinear import nonlinear_counts, nonlinear_cycles
from accelsim.mapping.plan import plan_layer
from accelsim.report import Provenance, Result
from accelsim.sim.reram_pipeline import Source, sourced_layer_stats
from accelsim.sim.stats import LayerStats, LlmTotals, SimStats
from accelsim.types import Operand
from accelsim.workload.layers import GemmLayer, Workload
from accelsim.workload.llm import (
    LlmModel,
    PassBits,
    PassShape,
    decoder_pass,
    kv_cache_bits,
    load_llm_model,
    nonlinear_ops,
)

if TYPE_CHECKING:
    from accelsim.sweep.pipeline import InputCache

LOG = logging.getLogger(__name__)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def shard(layer: GemmLayer, chips: int) -> GemmLayer:
    """One chip's share: a GEMM's output columns, or attention's KV heads, split ``chips`` ways."""
    if chips == 1:
        return layer
    if layer.op == "attention":
        return replace(layer, batch=_ceil_div(layer.batch, chips))
    return replace(layer, n=_ceil_div(layer.n, chips))


@dataclass(frozen=True)
class Placed:
    """A layer (possibly part of one: some decoder layers) and where its B operand lives."""

    layer: GemmLayer
    source: Source
    repeat: int = 1  # passes per round (draft layers run draft_length times)


def _copy_bits(layer: GemmLayer) -> int:
    assert layer.quant is not None
    return layer.k * layer.n * layer.quant.weight.bits


def place(layers: list[tuple[GemmLayer, int]], free_bits: int, kv: Source) -> list[Placed]:
    """Weights into ReRAM first-fit in order (split by decoder layer), the rest to DRAM."""
    placed: list[Placed] = []
    for layer, repeat in layers:
        if layer.op == "attention":
            placed.append(Placed(layer, kv, repeat))
            continue
        fit = min(layer.batch, max(0, free_bits) // _copy_bits(layer))
        free_bits -= fit * _copy_bits(layer)
        if fit:
            placed.append(Placed(replace(layer, name=layer.name + "@reram", batch=fit),
                                 Source.RERAM, repeat))
        if fit < layer.batch:
            placed.append(Placed(replace(layer, batch=layer.batch - fit), Source.DRAM, repeat))
    return placed


def _passes(spec: RunSpec, llm: LlmSpec) -> tuple[list[tuple[GemmLayer, int]], LlmModel,
                                                   LlmModel | None]:
    target = load_llm_model(spec.workload)
    draft = None
    bits = llm.weight_bits or spec.system.array.precision.weight_bits
    if llm.phase == "prefill":
        shape = PassShape(llm.prompt_len, 0, llm.batch)
    else:
        shape = PassShape(llm.draft_length + 1, llm.kv_len, llm.batch)
    pass_bits = PassBits(bits, llm.activation_bits, llm.kv_bits)
    layers = [(layer, 1) for layer in decoder_pass(target, shape, pass_bits, "target.").layers]
    if llm.draft_length:
        assert llm.draft is not None
        draft = load_llm_model(Path(spec.workload).parent / llm.draft)
        draft_bits = PassBits(llm.draft_weight_bits, llm.activation_bits, llm.kv_bits)
        drafted = decoder_pass(draft, PassShape(1, llm.kv_len, llm.batch), draft_bits, "draft.")
        layers = [(layer, llm.draft_length) for layer in drafted.layers] + layers
    return [(shard(layer, llm.chips), repeat) for layer, repeat in layers], target, draft


def _kv_bits_per_chip(llm: LlmSpec, models: tuple[LlmModel, ...]) -> int:
    keys = llm.kv_len + llm.draft_length + 1 if llm.phase == "decode" else llm.prompt_len
    total = sum(kv_cache_bits(m, keys, llm.batch, llm.kv_bits) for m in models)
    return _ceil_div(total, llm.chips)


def _check_fit(system: SystemSpec, llm: LlmSpec, placed: list[Placed], kv_bits: int) -> None:
    dram = sum(p.layer.batch * _copy_bits(p.layer) for p in placed
               if p.source is Source.DRAM and p.layer.op != "attention")
    dram += kv_bits if llm.kv_placement == "dram" else 0
    if dram > llm.dram_capacity_bits:
        raise WorkloadError(
            f"the model does not fit: each chip needs {dram / 8 / 2**30:.3g} GiB of DRAM "
            f"beyond its ReRAM, more than llm.dram_capacity "
            f"({llm.dram_capacity_bits / 8 / 2**30:.3g} GiB); add chips or capacity")
    if llm.kv_placement == "sram":
        capacity = system.sram.buffer_for(Operand.WEIGHT).capacity_bits
        if kv_bits > capacity:
            raise ConfigError(f"the KV cache ({kv_bits / 8 / 2**20:.3g} MiB per chip) does not "
                              f"fit in the weight SRAM ({capacity / 8 / 2**20:.3g} MiB)",
                              key_path="llm.kv_placement")


def _scaled(stats: LayerStats, repeat: int) -> LayerStats:
    if repeat == 1:
        return stats
    return replace(stats, name=f"{stats.name} x{repeat}", cycles=stats.cycles * repeat,
                   compute_cycles=stats.compute_cycles * repeat,
                   stall_cycles=stats.stall_cycles * repeat, macs=stats.macs * repeat,
                   counts={k: v * repeat for k, v in stats.counts.items()})


def _allgather(layer: GemmLayer, llm: LlmSpec, system: SystemSpec) -> tuple[int, int]:
    """(cycles, wire bits over all links) of the ring all-gather after one GEMM layer."""
    if llm.chips == 1 or layer.op == "attention":
        return 0, 0
    assert llm.link is not None
    slice_bits = layer.m * layer.n * llm.activation_bits
    steps = llm.chips - 1
    per_copy = steps * (serialization_cycles(slice_bits, llm.link, system.clock_hz)
                        + hop_latency_cycles(llm.link, system.clock_hz))
    return layer.batch * per_copy, layer.batch * steps * llm.chips * wire_bits(slice_bits,
                                                                                llm.link)


def _kv_append(llm: LlmSpec, system: SystemSpec, models: tuple[LlmModel, ...]) -> LayerStats:
    """The new K/V entries of one round, written where the cache lives (reram: program time)."""
    tokens = (llm.prompt_len if llm.phase == "prefill" else llm.draft_length + 1)
    bits = _ceil_div(sum(kv_cache_bits(m, tokens, llm.batch, llm.kv_bits) for m in models),
                     llm.chips)
    cycles, counts = 0, {}
    if llm.kv_placement != "sram":
        counts[f"{llm.kv_placement}.write_bits"] = bits
    if llm.kv_placement == "reram" and system.reram is not None:
        rows = _ceil_div(bits, system.reram.read_bits_per_cycle)
        cycles = int(-(-rows * system.reram.program_latency_s * system.clock_hz // 1))
    return LayerStats("kv_append", "kv_write", {"bits": bits}, cycles, 0, cycles, 0,
                      system.array.rows * system.array.cols, counts)


def _nonlinear_rows(llm: LlmSpec, system: SystemSpec, target: LlmModel,
                    draft: LlmModel | None) -> list[LayerStats]:
    """The nonlinear unit's work of one round, one chip's share (absent unit: none)."""
    unit = system.nonlinear
    if unit is None:
        return []
    if llm.phase == "prefill":
        passes = [(target, PassShape(llm.prompt_len, 0, llm.batch), "target.", 1)]
    else:
        passes = [(target, PassShape(llm.draft_length + 1, llm.kv_len, llm.batch), "target.", 1)]
        if draft is not None:
            passes.insert(0, (draft, PassShape(1, llm.kv_len, llm.batch), "draft.",
                              llm.draft_length))
    rows = []
    for model, shape, prefix, repeat in passes:
        for op in nonlinear_ops(model, shape, prefix):
            share = replace(op, elements=_ceil_div(op.elements, llm.chips),
                            rows=_ceil_div(op.rows, llm.chips))
            cycles = nonlinear_cycles(share, unit)
            rows.append(_scaled(LayerStats(share.name, "nonlinear", {"elements": share.elements},
                                           cycles, cycles, 0, 0,
                                           system.array.rows * system.array.cols,
                                           nonlinear_counts(share)), repeat))
    return rows


def _simulate(spec: RunSpec, llm: LlmSpec, placed: list[Placed],
              models: tuple[LlmModel, ...]) -> tuple[list[LayerStats], int]:
    system, rows, link_bits = spec.system, [], 0
    for item in placed:
        plan = plan_layer(item.layer, system, spec.mapping, source=spec.workload)
        rows.append(_scaled(sourced_layer_stats(plan, system, item.source), item.repeat))
        cycles, bits = _allgather(item.layer, llm, system)
        if cycles:
            rows.append(_scaled(LayerStats(f"{item.layer.name}.allgather", "link",
                                           {"bits": bits}, cycles, 0, cycles, 0,
                                           rows[-1].pe_count, {}), item.repeat))
            link_bits += bits * item.repeat
    rows += _nonlinear_rows(llm, system, models[0], models[1] if len(models) > 1 else None)
    rows.append(_kv_append(llm, system, models))
    return rows, link_bits


def _writes_per_cell(llm: LlmSpec) -> float:
    """Writes per ReRAM cell over the device's life: weights programmed once; a KV slot in
    ReRAM is rewritten once every kv_len generated tokens."""
    if llm.kv_placement != "reram":
        return 1.0
    return 1.0 + llm.lifetime_tokens / max(llm.kv_len, 1)


def run_llm_spec(spec: RunSpec, cache: InputCache, *, provenance: bool = True) -> Result:
    """Run a spec whose ``llm`` is set: one round, then the per-token totals."""
    llm, system = spec.llm, spec.system
    assert llm is not None
    layers, target, draft = _passes(spec, llm)
    models = (target,) if draft is None else (target, draft)
    kv_bits = _kv_bits_per_chip(llm, models)
    free = int(system.reram.capacity_bits) if system.reram is not None else 0
    if llm.kv_placement == "reram":
        if kv_bits > free:
            raise ConfigError(f"the KV cache ({kv_bits / 8 / 2**20:.3g} MiB per chip) does not "
                              f"fit in the ReRAM ({free / 8 / 2**20:.3g} MiB)",
                              key_path="llm.kv_placement")
        free -= kv_bits
    placed = place(layers, free, Source(llm.kv_placement))
    _check_fit(system, llm, placed, kv_bits)
    rows, link_bits = _simulate(spec, llm, placed, models)
    tables = cache.tables(tuple(system.tables))
    stats0 = SimStats(tuple(rows), system.clock_hz)
    energy = cost.estimate_energy(stats0, system, tables)
    area = cost.estimate_area(system, tables)
    totals = _totals(llm, system, stats0, energy.total_j, link_bits, target, placed, tables)
    notes = list(dict.fromkeys((*energy.notes, *area.notes)))
    if llm.chips > 1:
        notes.append(f"energy_j, area_m2 and the per-layer rows are one chip of {llm.chips} "
                     "(all do the same work); tokens_per_s and energy_per_token_j are the "
                     "whole system's, links included")
    if not totals.endurance_ok:
        message = (f"ReRAM endurance exceeded: {totals.reram_writes_per_cell:.3g} writes per "
                   f"cell over llm.lifetime_tokens, the cells survive "
                   f"{system.reram.endurance_writes if system.reram else 0:.3g}")
        LOG.warning(message)
        notes.append("warning: " + message)
    stats = replace(stats0, llm=totals)
    used = cost.provenance_entries(energy, area) if provenance else ()
    wl = Workload(target.name + (f" + {draft.name}" if draft else ""), target.source, ())
    return Result(spec=spec, config=spec.model_dump(mode="json"), workload=wl, stats=stats,
                  energy=energy, area=area, provenance=Provenance(*cache.versions(), used),
                  notes=tuple(notes))


def _totals(llm: LlmSpec, system: SystemSpec, stats: SimStats, chip_energy_j: float,
            link_bits: int, target: LlmModel, placed: list[Placed],
            tables: cost.CostTables) -> LlmTotals:
    per_round = llm.batch * (llm.prompt_len if llm.phase == "prefill"
                             else llm.tokens_per_round())
    counts = stats.total_counts()
    link_j = link_bits * link_energy_per_bit(system, llm.link, tables) if link_bits and \
        llm.link is not None else 0.0
    in_reram = sum(p.layer.batch * p.layer.k * p.layer.n for p in placed
                   if p.source is Source.RERAM and p.layer.name.startswith("target."))
    writes = _writes_per_cell(llm)
    endurance = system.reram.endurance_writes if system.reram is not None else float("inf")
    chips = llm.chips
    return LlmTotals(
        phase=llm.phase, chips=chips, tokens_per_round=per_round,
        tokens_per_s=per_round / stats.seconds,
        energy_per_token_j=(chips * chip_energy_j + link_j) / per_round,
        reram_bytes_per_token=chips * counts.get("reram.read_bits", 0) / 8 / per_round,
        dram_bytes_per_token=chips * (counts.get("dram.read_bits", 0)
                                      + counts.get("dram.write_bits", 0)) / 8 / per_round,
        link_bytes_per_token=link_bits / 8 / per_round,
        reram_weight_fraction=chips * in_reram / target.weights,
        reram_writes_per_cell=writes,
        endurance_ok=writes <= endurance)
