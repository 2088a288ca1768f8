"""Mapping an LLM speculation round onto ``chips`` chips (docs/reram.md): tensor parallelism
(every GEMM split by output columns, attention by KV heads), and the placement of weights and
the KV cache over ReRAM, DRAM and SRAM.

A round is ``draft_length`` draft passes (one token each) and one target pass verifying
``draft_length + 1`` tokens. Weights go to ReRAM while they fit (draft first, then the target in
layer order, split by decoder layer), the rest to DRAM. All chips do the same work, so the plan
is one chip's share; the simulator replicates it and adds the all-gathers between chips.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from accelsim.config.llm_spec import LlmSpec
from accelsim.config.run_spec import MappingSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.errors import ConfigError, WorkloadError
from accelsim.mapping.plan import LayerPlan, plan_layer
from accelsim.types import Operand
from accelsim.types import OperandHome as Source
from accelsim.workload.layers import GemmLayer, Layer
from accelsim.workload.llm import (
    LlmModels,
    NonlinearOp,
    PassBits,
    PassShape,
    decoder_pass,
    kv_cache_bits,
    nonlinear_ops,
)


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
    """A layer (possibly part of one: some decoder layers), where its B operand lives, how
    often it runs per round, and its single-chip mapping."""

    layer: GemmLayer
    source: Source
    repeat: int
    plan: LayerPlan | None = None


@dataclass(frozen=True)
class LlmPlan:
    """One chip's share of one round: its placed GEMMs, nonlinear ops, KV append, and the
    figures the per-token totals need."""

    spec: LlmSpec
    chips: int
    models: LlmModels
    placed: tuple[Placed, ...]
    nonlinear: tuple[tuple[NonlinearOp, int], ...]
    kv_append_bits: int
    tokens_per_round: float
    reram_weight_fraction: float
    reram_writes_per_cell: float


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


def round_layers(llm: LlmSpec, models: LlmModels, weight_bits: int,
                 chips: int) -> list[tuple[GemmLayer, int]]:
    """One chip's GEMMs of one round, each with its passes per round (draft first)."""
    if llm.phase == "prefill":
        shape = PassShape(llm.prompt_len, 0, llm.batch)
    else:
        shape = PassShape(llm.draft_length + 1, llm.kv_len, llm.batch)
    bits = PassBits(weight_bits, llm.activation_bits, llm.kv_bits)
    layers = [(layer, 1) for layer in decoder_pass(models.target, shape, bits, "target.").layers]
    if models.draft is not None and llm.draft_length:
        draft_bits = PassBits(llm.draft_weight_bits, llm.activation_bits, llm.kv_bits)
        drafted = decoder_pass(models.draft, PassShape(1, llm.kv_len, llm.batch), draft_bits,
                               "draft.")
        layers = [(layer, llm.draft_length) for layer in drafted.layers] + layers
    return [(shard(_gemm(layer), chips), repeat) for layer, repeat in layers]


def _gemm(layer: Layer) -> GemmLayer:
    """Decoder passes are GEMMs (projections, attention) by construction."""
    assert isinstance(layer, GemmLayer), layer
    return layer


def _kv_bits_per_chip(llm: LlmSpec, models: LlmModels, chips: int) -> int:
    keys = llm.kv_len + llm.draft_length + 1 if llm.phase == "decode" else llm.prompt_len
    total = sum(kv_cache_bits(m, keys, llm.batch, llm.kv_bits) for m in models.all)
    return _ceil_div(total, chips)


def _kv_append_bits(llm: LlmSpec, models: LlmModels, chips: int) -> int:
    tokens = llm.prompt_len if llm.phase == "prefill" else llm.draft_length + 1
    return _ceil_div(sum(kv_cache_bits(m, tokens, llm.batch, llm.kv_bits) for m in models.all),
                     chips)


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


def _reram_free_bits(system: SystemSpec, llm: LlmSpec, kv_bits: int) -> int:
    free = int(system.reram.capacity_bits) if system.reram is not None else 0
    if llm.kv_placement == "reram":
        if system.reram is None:
            raise ConfigError("llm.kv_placement 'reram' needs a ReRAM stack (system.reram)",
                              key_path="llm.kv_placement")
        if kv_bits > free:
            raise ConfigError(f"the KV cache ({kv_bits / 8 / 2**20:.3g} MiB per chip) does not "
                              f"fit in the ReRAM ({free / 8 / 2**20:.3g} MiB)",
                              key_path="llm.kv_placement")
        free -= kv_bits
    return free


def _nonlinear(llm: LlmSpec, models: LlmModels,
               chips: int) -> tuple[tuple[NonlinearOp, int], ...]:
    """One chip's share of the round's nonlinear ops, each with its passes per round."""
    if llm.phase == "prefill":
        passes = [(models.target, PassShape(llm.prompt_len, 0, llm.batch), "target.", 1)]
    else:
        passes = [(models.target, PassShape(llm.draft_length + 1, llm.kv_len, llm.batch),
                   "target.", 1)]
        if models.draft is not None and llm.draft_length:
            passes.insert(0, (models.draft, PassShape(1, llm.kv_len, llm.batch), "draft.",
                              llm.draft_length))
    return tuple((replace(op, elements=_ceil_div(op.elements, chips),
                          rows=_ceil_div(op.rows, chips)), repeat)
                 for model, shape, prefix, repeat in passes
                 for op in nonlinear_ops(model, shape, prefix))


def _writes_per_cell(llm: LlmSpec) -> float:
    """Writes per ReRAM cell over the device's life: weights programmed once; a KV slot in
    ReRAM is rewritten once every kv_len generated tokens."""
    if llm.kv_placement != "reram":
        return 1.0
    return 1.0 + llm.lifetime_tokens / max(llm.kv_len, 1)


def plan_llm(models: LlmModels, llm: LlmSpec, system: SystemSpec, mapping: MappingSpec,
             chips: int, source: str | None = None) -> LlmPlan:
    """Shard, place and map one round of ``models`` on each of ``chips`` chips."""
    weight_bits = llm.weight_bits or system.array.precision.weight_bits
    layers = round_layers(llm, models, weight_bits, chips)
    kv_bits = _kv_bits_per_chip(llm, models, chips)
    placed = place(layers, _reram_free_bits(system, llm, kv_bits), Source(llm.kv_placement))
    _check_fit(system, llm, placed, kv_bits)
    mapped = tuple(replace(p, plan=plan_layer(p.layer, system, mapping, source=source))
                   for p in placed)
    per_round = llm.batch * (llm.prompt_len if llm.phase == "prefill"
                             else llm.tokens_per_round())
    in_reram = sum(p.layer.batch * p.layer.k * p.layer.n for p in placed
                   if p.source is Source.RERAM and p.layer.name.startswith("target."))
    return LlmPlan(llm, chips, models, mapped, _nonlinear(llm, models, chips) if
                   system.nonlinear is not None else (),
                   _kv_append_bits(llm, models, chips), per_round,
                   chips * in_reram / models.target.weights, _writes_per_cell(llm))
