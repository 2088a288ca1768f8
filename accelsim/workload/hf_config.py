"""Hugging Face ``config.json`` as model files: dense decoders -> LlmModel, MoE -> MoeModel.

A user brings a checkpoint's ``config.json`` (no weights needed) wherever an ``accelsim.llm/1`` or
``accelsim.moe/1`` file goes: ``workload:`` of an ``llm:`` run, of a chiplet MoE run, or
``--workload``. Families read (their ``model_type``):

- dense, gated (SwiGLU/GeGLU) FFN: llama, mistral, qwen2, qwen3, gemma, gemma2, gemma3_text,
  phi3, olmo, olmo2, internlm2, granite, cohere; ``head_dim`` where the config sets it (Qwen3,
  Gemma), grouped-query attention from ``num_key_value_heads``;
- MoE, gated experts: mixtral and phimoe (``num_local_experts``, FFN ``intermediate_size``),
  qwen2_moe / qwen3_moe (``num_experts``, ``moe_intermediate_size``; the shared expert of
  ``shared_expert_intermediate_size`` counts as that many expert-sized shared experts; layers in
  ``mlp_only_layers`` or off ``decoder_sparse_step`` are dense), deepseek / deepseek_v2 /
  deepseek_v3 (``n_routed_experts``, ``n_shared_experts``; the first ``first_k_dense_replace``
  layers and those off ``moe_layer_freq`` are dense). ``layers`` of a MoE model counts its MoE
  layers only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from accelsim.errors import WorkloadError

DENSE = ("llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "gemma3_text", "phi3", "olmo",
         "olmo2", "internlm2", "granite", "cohere")
MOE = ("mixtral", "phimoe", "qwen2_moe", "qwen3_moe", "deepseek", "deepseek_v2", "deepseek_v3")

Config = Mapping[str, object]


def read_hf_config(path: str | Path) -> Config | None:
    """The parsed ``config.json`` at ``path``, or None when it is not a Hugging Face config
    (another suffix, not JSON, or no ``model_type``)."""
    path = Path(path)
    if path.suffix.lower() != ".json" or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None  # nested too deeply is not a config either
    if not isinstance(data, dict) or not isinstance(data.get("model_type"), str):
        return None
    text = data.get("text_config")  # multimodal wrappers keep the decoder here
    return text if isinstance(text, dict) and "hidden_size" in text else data


def is_moe_config(config: Config) -> bool:
    """True for the MoE families."""
    return config.get("model_type") in MOE


def model_name(path: str | Path) -> str:
    """``<folder>`` for ``<folder>/config.json`` (a checkpoint), else the file's stem."""
    path = Path(path).resolve()
    return path.parent.name if path.name == "config.json" and path.parent.name else path.stem


class _Reader:
    """Typed reads out of one config; every error names the file and the key."""

    def __init__(self, config: Config, file: str) -> None:
        self.config, self.file = config, file

    def integer(self, key: str, default: int | None = None, low: int = 1) -> int:
        value = self.config.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise WorkloadError(f"expected an integer >= {low}, got {value!r}", file=self.file,
                                key_path=key)
        return value

    def integers(self, key: str) -> tuple[int, ...]:
        value = self.config.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
            raise WorkloadError(f"expected a list of layer indices, got {value!r}",
                                file=self.file, key_path=key)
        return tuple(value)

    def fail(self, key: str, message: str) -> WorkloadError:
        return WorkloadError(message, file=self.file, key_path=key)


def llm_fields(config: Config, path: str | Path) -> dict[str, object]:
    """The ``accelsim.llm/1`` fields of a dense decoder's config."""
    kind = config.get("model_type")
    read = _Reader(config, str(path))
    if kind in MOE:
        raise read.fail("model_type", f"{kind} is a MoE model: it runs as an accelsim.moe/1 "
                        "model on a system of chiplets (docs/moe.md), not in an 'llm:' run")
    if kind not in DENSE:
        raise read.fail("model_type", f"unsupported model_type {kind!r}; dense: "
                        f"{', '.join(DENSE)}; MoE: {', '.join(MOE)}")
    hidden, heads = read.integer("hidden_size"), read.integer("num_attention_heads")
    fields: dict[str, object] = {
        "schema": "accelsim.llm/1", "name": model_name(path),
        "source": f"Hugging Face config.json ({kind}): {Path(path).resolve()}",
        "hidden": hidden, "layers": read.integer("num_hidden_layers"), "heads": heads,
        "ffn": read.integer("intermediate_size"), "ffn_kind": "gated",
        "vocab": read.integer("vocab_size")}
    kv_heads = read.integer("num_key_value_heads", heads)
    if kv_heads != heads:
        fields["kv_heads"] = kv_heads
    head_dim = config.get("head_dim")
    if head_dim is not None and head_dim != hidden // heads:
        fields["head_dim"] = read.integer("head_dim")
    return fields


def moe_fields(config: Config, path: str | Path) -> dict[str, object]:
    """The ``MoeModel`` fields of a MoE config (see the module docstring for each family)."""
    kind = config.get("model_type")
    read = _Reader(config, str(path))
    layers = read.integer("num_hidden_layers")
    if kind in ("mixtral", "phimoe"):
        experts, ffn = read.integer("num_local_experts"), read.integer("intermediate_size")
        shared, moe_layers = 0, layers
    elif kind in ("qwen2_moe", "qwen3_moe"):
        experts, ffn = read.integer("num_experts"), read.integer("moe_intermediate_size")
        shared_ffn = read.integer("shared_expert_intermediate_size", 0, low=0)
        if shared_ffn % ffn:
            raise read.fail("shared_expert_intermediate_size", f"{shared_ffn} is not a "
                            f"multiple of moe_intermediate_size {ffn}")
        shared = shared_ffn // ffn
        step, dense = read.integer("decoder_sparse_step", 1), set(read.integers("mlp_only_layers"))
        moe_layers = sum(1 for i in range(layers) if i not in dense and (i + 1) % step == 0)
    elif kind in ("deepseek", "deepseek_v2", "deepseek_v3"):
        experts, ffn = read.integer("n_routed_experts"), read.integer("moe_intermediate_size")
        shared = read.integer("n_shared_experts", 0, low=0)
        first = read.integer("first_k_dense_replace", 0, low=0)
        freq = read.integer("moe_layer_freq", 1)
        moe_layers = sum(1 for i in range(first, layers) if i % freq == 0)
    else:
        raise read.fail("model_type", f"{kind!r} is not a MoE family; MoE: {', '.join(MOE)}")
    top_k = read.integer("num_experts_per_tok")
    if top_k > experts or moe_layers < 1:
        raise read.fail("num_experts_per_tok", f"top-{top_k} of {experts} experts over "
                        f"{moe_layers} MoE layers is not a MoE model")
    return {"name": model_name(path),
            "source": f"Hugging Face config.json ({kind}): {Path(path).resolve()}",
            "d_model": read.integer("hidden_size"), "experts": experts, "top_k": top_k,
            "shared_experts": shared, "expert_ffn": ffn, "matrices": 3, "layers": moe_layers}
