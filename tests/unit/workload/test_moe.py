"""MoE model files, routing traces (validation names the layer, token and id) and the
seeded Zipf generator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelsim.errors import TraceError, WorkloadError
from accelsim.workload.moe import (
    generate_routing,
    is_moe_file,
    load_moe_model,
    load_routing,
)

REPO = Path(__file__).resolve().parents[3]
DEEPSEEK = REPO / "workloads" / "moe" / "deepseek_moe_16b.yaml"


def test_shipped_models_load_with_the_artifact_shapes() -> None:
    shapes = {p.stem: load_moe_model(p) for p in (REPO / "workloads" / "moe").glob("*.yaml")}
    got = {name: (m.d_model, m.experts, m.top_k, m.shared_experts, m.expert_ffn)
           for name, m in shapes.items()}
    assert got == {"deepseek_moe_16b": (2048, 64, 6, 2, 1408),
                   "qwen3_moe_30b_a3b": (2048, 128, 8, 0, 768),
                   "phi35_moe": (4096, 16, 2, 0, 3200),
                   "yuan2_m32": (2048, 32, 2, 0, 4096)}
    assert shapes["deepseek_moe_16b"].weights_per_expert == 3 * 2048 * 1408
    assert is_moe_file(DEEPSEEK)
    assert not is_moe_file(REPO / "workloads" / "bert_base_seq128.yaml")


def test_model_file_errors_name_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("schema: accelsim.moe/1\nd_model: 8\nexperts: 4\ntop_k: 5\nexpert_ffn: 8\n")
    with pytest.raises(WorkloadError) as info:
        load_moe_model(path)
    assert str(info.value) == f"{path}:4: top_k: top_k 5 exceeds experts 4"
    path.write_text("schema: accelsim.moe/1\nd_model: 8\nexperts: 4\ntop_k: 1\nexpert_fn: 8\n")
    with pytest.raises(WorkloadError, match=r"m.yaml:5: expert_fn: unknown key 'expert_fn'"):
        load_moe_model(path)


def _trace(tmp_path: Path, tokens: object, **extra: object) -> Path:
    path = tmp_path / "routing.json"
    path.write_text(json.dumps({"schema": "accelsim.routing/1", **extra,
                                "layers": [{"layer": 16, "tokens": tokens}]}))
    return path


def test_routing_trace_loads_and_counts() -> None:
    model = load_moe_model(DEEPSEEK)
    path = REPO / "workloads" / "moe" / "routing_deepseek_4tok.json"
    routing = load_routing(path, model, 4)
    assert routing.layer_ids == (16,)
    loads = routing.loads(0, model.experts)
    assert sum(loads) == 4 * 6 and loads[0] == 4


@pytest.mark.parametrize(("tokens", "message"), [
    ([[0, 1, 2, 3, 4, 64]] * 2, "layers[0] token 0: expert id 64 out of range 0..63"),
    ([[0, 1, 2, 3, 4, 5]], "layers[0]: expected 2 tokens (chiplets.moe.tokens); got 1"),
    ([[0, 1, 2, 3, 4]] * 2,
     "layers[0] token 0: expected 6 expert ids (top_k); got [0, 1, 2, 3, 4]"),
    ([[0, 1, 2, 3, 4, 4]] * 2, "layers[0] token 0: expert ids repeat: [0, 1, 2, 3, 4, 4]"),
])
def test_bad_routing_is_named(tmp_path: Path, tokens: object, message: str) -> None:
    path = _trace(tmp_path, tokens)
    with pytest.raises(TraceError) as info:
        load_routing(path, load_moe_model(DEEPSEEK), 2)
    assert str(info.value) == f"{path}: {message}"


def test_trace_for_another_model_is_refused(tmp_path: Path) -> None:
    path = _trace(tmp_path, [[0, 1, 2, 3, 4, 5]], experts=128)
    with pytest.raises(TraceError, match="the trace has experts 128 but the model has 64"):
        load_routing(path, load_moe_model(DEEPSEEK), 1)


def test_artifact_bare_list_format_loads(tmp_path: Path) -> None:
    path = tmp_path / "layer_16_token_experts.json"
    path.write_text(json.dumps([[5, 4, 3, 2, 1, 0], [10, 11, 12, 13, 14, 15]]))
    routing = load_routing(path, load_moe_model(DEEPSEEK), 2)
    assert routing.layers[0][1] == (10, 11, 12, 13, 14, 15)
    assert routing.layer_ids == (16,)  # from the artifact's file name
    other = tmp_path / "trace.json"
    other.write_text(json.dumps([[5, 4, 3, 2, 1, 0], [10, 11, 12, 13, 14, 99]]))
    with pytest.raises(TraceError) as info:
        load_routing(other, load_moe_model(DEEPSEEK), 2)
    assert str(info.value) == f"{other}: layers[0] token 1: expert id 99 out of range 0..63"


def test_generator_is_seeded_and_skewed() -> None:
    model = load_moe_model(DEEPSEEK)
    a = generate_routing(model, 256, 1, 1.2, seed=7)
    assert a == generate_routing(model, 256, 1, 1.2, seed=7)
    assert a != generate_routing(model, 256, 1, 1.2, seed=8)
    skewed = sorted(a.loads(0, 64), reverse=True)
    flat = sorted(generate_routing(model, 256, 1, 0.0, seed=7).loads(0, 64), reverse=True)
    assert sum(skewed) == sum(flat) == 256 * 6
    assert skewed[0] > 2 * flat[0]  # the hottest expert is much hotter under skew
    assert all(len(set(ids)) == 6 for ids in a.layers[0])


def test_a_routing_trace_nested_too_deeply_is_named(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(TraceError, match="nested too deeply"):
        load_routing(path, load_moe_model(DEEPSEEK), 2)
