"""MoE FFN layers: the model shape file (``accelsim.moe/1``), token->expert routing traces
(``accelsim.routing/1`` JSON) and a seeded Zipf-skewed routing generator.

A routing trace (docs/moe.md) is JSON::

    {"schema": "accelsim.routing/1", "experts": 64, "top_k": 6,
     "layers": [{"layer": 16, "tokens": [[3, 17, 5, 0, 9, 60], ...]}]}

one list of ``top_k`` distinct routed-expert ids per token (shared experts are implied). The
Expert Streaming artifact's ``layer_<i>_token_experts.json`` (a bare list of lists) also loads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from accelsim.config.yaml_source import format_key_path, load_yaml_file
from accelsim.errors import TraceError, WorkloadError
from accelsim.lazy import LazyModule
from accelsim.workload.kinds import MOE_SCHEMA, is_moe_file  # noqa: F401 - re-exported

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")

MODEL_SCHEMA = MOE_SCHEMA
ROUTING_SCHEMA = "accelsim.routing/1"
_KEYS = ("d_model", "experts", "top_k", "shared_experts", "expert_ffn", "matrices", "layers")
_OPTIONAL = {"shared_experts": 0, "matrices": 3, "layers": 1}


@dataclass(frozen=True)
class MoeModel:
    """Shape of one MoE FFN layer. ``matrices``: 3 for a gated (SwiGLU) expert (gate, up:
    d_model x expert_ffn; down: expert_ffn x d_model), 2 without the gate."""

    name: str
    source: str
    d_model: int
    experts: int
    top_k: int
    shared_experts: int
    expert_ffn: int
    matrices: int
    layers: int

    @property
    def weights_per_expert(self) -> int:
        """Weight elements of one expert."""
        return self.matrices * self.d_model * self.expert_ffn

    @property
    def macs_per_token(self) -> int:
        """MACs of one token through one expert."""
        return self.weights_per_expert


@dataclass(frozen=True)
class Routing:
    """Routed expert ids per token, per layer (``layers[i][t]`` has ``top_k`` ids)."""

    layer_ids: tuple[int, ...]
    layers: tuple[tuple[tuple[int, ...], ...], ...]

    def loads(self, index: int, experts: int) -> list[int]:
        """Tokens routed to each expert in layer ``index``."""
        counts = [0] * experts
        for ids in self.layers[index]:
            for expert in ids:
                counts[expert] += 1
        return counts


def load_moe_model(path: str | Path) -> MoeModel:
    """Read a MoE model shape file (or a Hugging Face ``config.json``); errors name file:line
    and key."""
    if Path(path).suffix.lower() == ".json":
        from accelsim.workload.hf_config import moe_fields, read_hf_config

        config = read_hf_config(path)
        if config is None:
            raise WorkloadError("not a Hugging Face config.json (a JSON object with "
                                "model_type)", file=str(path))
        fields = moe_fields(config, path)
        return MoeModel(**fields)  # type: ignore[arg-type]
    located = load_yaml_file(Path(path), what="MoE model")
    data, source = located.data, located.source
    if not isinstance(data, dict) or data.get("schema") != MODEL_SCHEMA:
        raise WorkloadError(f"expected 'schema: {MODEL_SCHEMA}'", file=source.file, line=1)
    allowed = {"schema", "name", "source", *_KEYS}
    for key in data:
        if key not in allowed:
            raise WorkloadError(f"unknown key {key!r}; expected {', '.join(sorted(allowed))}",
                                file=source.file, line=source.line_of((key,)), key_path=str(key))
    values: dict[str, int] = {}
    for key in _KEYS:
        value = data.get(key, _OPTIONAL.get(key))
        low = 0 if key == "shared_experts" else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise WorkloadError(f"expected an integer >= {low}; got {value!r}",
                                file=source.file, line=source.line_of((key,)), key_path=key)
        values[key] = value
    if values["top_k"] > values["experts"]:
        raise WorkloadError(f"top_k {values['top_k']} exceeds experts {values['experts']}",
                            file=source.file, line=source.line_of(("top_k",)), key_path="top_k")
    return MoeModel(name=str(data.get("name", Path(path).stem)),
                    source=str(data.get("source", path)), **values)


def _check_tokens(tokens: object, model: MoeModel, count: int, where: str,
                  file: str) -> tuple[tuple[int, ...], ...]:
    if not isinstance(tokens, list) or len(tokens) != count:
        got = len(tokens) if isinstance(tokens, list) else type(tokens).__name__
        raise TraceError(f"{where}: expected {count} tokens (chiplets.moe.tokens); got {got}",
                         file=file)
    rows = []
    for t, ids in enumerate(tokens):
        if not isinstance(ids, list) or len(ids) != model.top_k or \
                any(isinstance(e, bool) or not isinstance(e, int) for e in ids):
            raise TraceError(f"{where} token {t}: expected {model.top_k} expert ids "
                             f"(top_k); got {ids!r}", file=file)
        bad = [e for e in ids if not 0 <= e < model.experts]
        if bad:
            raise TraceError(f"{where} token {t}: expert id {bad[0]} out of range "
                             f"0..{model.experts - 1}", file=file)
        if len(set(ids)) != len(ids):
            raise TraceError(f"{where} token {t}: expert ids repeat: {ids!r}", file=file)
        rows.append(tuple(ids))
    return tuple(rows)


def _artifact_layer(path: Path) -> int:
    """The layer of an artifact file ``layer_<i>_token_experts.json`` (0 for other names)."""
    match = re.fullmatch(r"layer_(\d+)_token_experts\.json", path.name)
    return int(match.group(1)) if match else 0


def load_routing(path: str | Path, model: MoeModel, tokens: int) -> Routing:
    """Read and validate a routing trace against the model and the token count."""
    file = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TraceError(f"cannot read routing trace: {exc}", file=file) from None
    except RecursionError:
        raise TraceError("cannot read routing trace: JSON nested too deeply",
                         file=file) from None
    if isinstance(data, list):  # the Expert Streaming artifact's bare per-token lists
        data = {"schema": ROUTING_SCHEMA,
                "layers": [{"layer": _artifact_layer(Path(path)), "tokens": data}]}
    if not isinstance(data, dict) or data.get("schema") != ROUTING_SCHEMA:
        raise TraceError(f"expected a JSON object with \"schema\": \"{ROUTING_SCHEMA}\"",
                         file=file)
    for key in ("experts", "top_k"):
        if key in data and data[key] != getattr(model, key):
            raise TraceError(f"the trace has {key} {data[key]!r} but the model has "
                             f"{getattr(model, key)}", file=file, key_path=key)
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        raise TraceError("expected a non-empty list 'layers'", file=file, key_path="layers")
    ids, rows = [], []
    for i, layer in enumerate(layers):
        where = format_key_path(("layers", i))
        if not isinstance(layer, dict):
            raise TraceError(f"{where}: expected an object with 'tokens'", file=file)
        ids.append(int(layer.get("layer", i)))
        rows.append(_check_tokens(layer.get("tokens"), model, tokens, where, file))
    return Routing(tuple(ids), tuple(rows))


def generate_routing(model: MoeModel, tokens: int, layers: int, zipf: float,
                     seed: int) -> Routing:
    """Top-k routing with expert popularity 1/rank^zipf over a seeded random ranking."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(layers):
        rank = rng.permutation(model.experts) + 1
        weights = 1.0 / rank.astype(float) ** zipf
        probs = weights / weights.sum()
        out.append(tuple(tuple(int(e) for e in rng.choice(model.experts, model.top_k,
                                                          replace=False, p=probs))
                         for _ in range(tokens)))
    return Routing(tuple(range(layers)), tuple(out))
