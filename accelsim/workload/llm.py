"""Decoder-only LLMs by shape (``schema: accelsim.llm/1``) and the GEMMs of one forward pass.

A model file gives the dimensions of a LLaMA-style decoder (docs/reram.md)::

    schema: accelsim.llm/1
    name: llama2_7b
    source: "Touvron et al. 2023, released config"
    hidden: 4096
    layers: 32
    heads: 32
    kv_heads: 32        # < heads: grouped-query attention (GQA)
    ffn: 11008
    ffn_kind: gated     # gated (SwiGLU: gate, up, down) or plain (GELU: up, down)
    vocab: 32000

One pass of ``tokens`` new tokens per sequence (decode: 1, or draft length + 1 when verifying
speculative drafts; prefill: the prompt) against ``kv_len`` cached keys, for ``batch`` sequences,
lowers to GEMM layers whose ``batch`` counts the decoder layers: a ``q_proj`` layer with batch 32
is the 32 distinct q_proj matrices of the model. Attention scores and context are ``attention``
layers (their B operand is the KV cache, not weights), one GEMM per (decoder layer, sequence,
KV head), with the query heads of a GQA group stacked in M (they share the cached keys). The LM
head runs once per pass. Embedding lookup, norms, RoPE and softmax are not GEMMs (the nonlinear
unit is future work, docs/reram.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, StrictInt, ValidationError, model_validator

from accelsim.config.errors import Origin, to_config_error
from accelsim.config.quantities import FROZEN_CLOSED
from accelsim.config.yaml_source import load_yaml_file
from accelsim.errors import ConfigError, WorkloadError
from accelsim.workload.kinds import LLM_SCHEMA, is_llm_file  # noqa: F401 - re-exported
from accelsim.workload.layers import GemmLayer, LayerQuant, OperandPrecision, Workload

SCHEMA = LLM_SCHEMA


class LlmModel(BaseModel):
    """Shape of a LLaMA-style decoder-only model."""

    model_config = FROZEN_CLOSED

    schema_: Literal["accelsim.llm/1"] = Field(alias="schema", description="Exactly "
                                               "'accelsim.llm/1'.")
    name: str = Field(min_length=1, description="Model name.")
    source: str = Field(min_length=1, description="Where the shape comes from.")
    hidden: StrictInt = Field(gt=0, le=1 << 20, description="Model (hidden) dimension.")
    layers: StrictInt = Field(gt=0, le=4096, description="Decoder layers.")
    heads: StrictInt = Field(gt=0, le=4096, description="Query heads.")
    kv_heads: StrictInt | None = Field(None, gt=0, le=4096, description="Key/value heads "
                                       "(GQA when fewer than heads). Default: heads.")
    head_dim: StrictInt | None = Field(None, gt=0, le=1 << 16,
                                       description="Dimension per head. Default hidden/heads.")
    ffn: StrictInt = Field(gt=0, le=1 << 22, description="FFN inner dimension.")
    ffn_kind: Literal["gated", "plain"] = Field(
        "gated", description="'gated' (SwiGLU: gate, up, down) or 'plain' (up, down).")
    vocab: StrictInt = Field(gt=0, le=1 << 24, description="Vocabulary (LM head columns).")

    @model_validator(mode="after")
    def _heads_divide(self) -> LlmModel:
        if self.heads % self.group_kv_heads:
            raise ValueError(f"heads ({self.heads}) must be a multiple of kv_heads "
                             f"({self.group_kv_heads})")
        if self.head_dim is None and self.hidden % self.heads:
            raise ValueError(f"hidden ({self.hidden}) is not divisible by heads ({self.heads}); "
                             "give head_dim")
        return self

    @property
    def group_kv_heads(self) -> int:
        """Key/value heads (= heads without GQA)."""
        return self.heads if self.kv_heads is None else self.kv_heads

    @property
    def dim_per_head(self) -> int:
        """Dimension of one head."""
        return self.hidden // self.heads if self.head_dim is None else self.head_dim

    @property
    def weights(self) -> int:
        """Weight elements of the GEMMs (decoder layers and LM head; no embedding table)."""
        return sum(layer.k * layer.n * layer.batch
                   for layer in decoder_pass(self, PassShape(1, 1, 1)).layers
                   if isinstance(layer, GemmLayer) and layer.op == "gemm")


@dataclass(frozen=True)
class PassShape:
    """One forward pass: ``tokens`` new tokens per sequence, ``kv_len`` cached keys each,
    ``batch`` sequences."""

    tokens: int
    kv_len: int
    batch: int


@dataclass(frozen=True)
class PassBits:
    """Bit widths of one pass: weights, activations, KV-cache entries."""

    weight: int = 8
    activation: int = 8
    kv: int = 8


def _quant(weight_bits: int, activation_bits: int) -> LayerQuant:
    return LayerQuant(weight=OperandPrecision(weight_bits), activation=OperandPrecision(
        activation_bits))


def decoder_pass(model: LlmModel, shape: PassShape, bits: PassBits | None = None,
                 prefix: str = "") -> Workload:
    """The GEMM layers of one forward pass through every decoder layer and the LM head.
    Without ``bits`` the layers carry no precision (the system's applies)."""
    m, n_layers, d, hd = shape.tokens * shape.batch, model.layers, model.hidden, model.dim_per_head
    kv_dim, group = model.group_kv_heads * hd, model.heads // model.group_kv_heads
    w = _quant(bits.weight, bits.activation) if bits else None
    kv = _quant(bits.kv, bits.activation) if bits else None
    attn_count = n_layers * shape.batch * model.group_kv_heads
    keys = shape.kv_len + shape.tokens  # the cached keys plus the pass's own
    ffn = (("mlp.gate_proj", model.ffn, d), ("mlp.up_proj", model.ffn, d)) \
        if model.ffn_kind == "gated" else (("mlp.up_proj", model.ffn, d),)
    layers = [
        GemmLayer("self_attn.q_proj", m, model.heads * hd, d, n_layers, quant=w),
        GemmLayer("self_attn.k_proj", m, kv_dim, d, n_layers, quant=w),
        GemmLayer("self_attn.v_proj", m, kv_dim, d, n_layers, quant=w),
        GemmLayer("self_attn.scores", shape.tokens * group, keys, hd, attn_count,
                  op="attention", quant=kv),
        GemmLayer("self_attn.context", shape.tokens * group, hd, keys, attn_count,
                  op="attention", quant=kv),
        GemmLayer("self_attn.o_proj", m, d, model.heads * hd, n_layers, quant=w),
        *(GemmLayer(name, m, n, k, n_layers, quant=w) for name, n, k in ffn),
        GemmLayer("mlp.down_proj", m, d, model.ffn, n_layers, quant=w),
        GemmLayer("lm_head", m, model.vocab, d, 1, quant=w),
    ]
    named = tuple(GemmLayer(prefix + layer.name, layer.m, layer.n, layer.k, layer.batch,
                            layer.op, layer.quant) for layer in layers)
    return Workload(f"{model.name} pass", model.source, named)


NonlinearFunction = Literal["softmax", "silu", "gelu", "rmsnorm"]


@dataclass(frozen=True)
class NonlinearOp:
    """One kind of non-GEMM op of a pass: ``elements`` inputs in ``rows`` rows (a softmax row,
    a normalized vector), all decoder layers together."""

    name: str
    function: NonlinearFunction
    elements: int
    rows: int


def nonlinear_ops(model: LlmModel, shape: PassShape, prefix: str = "") -> tuple[NonlinearOp, ...]:
    """Softmax over the attention scores, the FFN activation and the RMS norms of one pass."""
    m, keys = shape.tokens * shape.batch, shape.kv_len + shape.tokens
    score_rows = m * model.heads * model.layers
    act: NonlinearFunction = "silu" if model.ffn_kind == "gated" else "gelu"
    norms = 2 * model.layers + 1  # two per decoder layer and the final norm
    return (
        NonlinearOp(prefix + "self_attn.softmax", "softmax", score_rows * keys, score_rows),
        NonlinearOp(prefix + f"mlp.{act}", act, m * model.ffn * model.layers, m * model.layers),
        NonlinearOp(prefix + "rmsnorm", "rmsnorm", m * model.hidden * norms, m * norms),
    )


def kv_cache_bits(model: LlmModel, kv_len: int, batch: int, kv_bits: int) -> int:
    """Bits of the KV cache at ``kv_len`` entries per sequence (K and V, every layer)."""
    return 2 * model.layers * batch * kv_len * model.group_kv_heads * model.dim_per_head * kv_bits


def load_llm_model(path: str | Path) -> LlmModel:
    """Read and validate a model file (or a Hugging Face ``config.json``); errors name
    file:line and key (WorkloadError)."""
    if Path(path).suffix.lower() == ".json":
        return _from_hf_config(Path(path))
    try:
        located = load_yaml_file(Path(path), what="workload")
        try:
            return LlmModel.model_validate(located.data)
        except ValidationError as exc:
            raise to_config_error(exc, LlmModel, [Origin((), located.source)]) from None
    except ConfigError as exc:
        raise WorkloadError(exc.message, file=exc.file, line=exc.line,
                            key_path=exc.key_path) from None


def _from_hf_config(path: Path) -> LlmModel:
    from accelsim.workload.hf_config import llm_fields, read_hf_config

    config = read_hf_config(path)
    if config is None:
        raise WorkloadError("not a Hugging Face config.json (a JSON object with model_type)",
                            file=str(path))
    try:
        return LlmModel.model_validate(llm_fields(config, path))
    except ValidationError as exc:
        raise WorkloadError(f"the config gives an invalid model: {exc.errors()[0]['msg']}",
                            file=str(path)) from None


@dataclass(frozen=True)
class LlmModels:
    """The target model and the optional draft model of an LLM run."""

    target: LlmModel
    draft: LlmModel | None

    @property
    def all(self) -> tuple[LlmModel, ...]:
        """Target first, then the draft."""
        return (self.target,) if self.draft is None else (self.target, self.draft)

    @property
    def name(self) -> str:
        """``target + draft`` for reports."""
        return self.target.name + (f" + {self.draft.name}" if self.draft else "")
