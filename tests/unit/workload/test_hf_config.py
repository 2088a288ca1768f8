"""Hugging Face config.json files as LLM and MoE model files (workloads/hf)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelsim.errors import WorkloadError
from accelsim.workload import load
from accelsim.workload.llm import PassShape, decoder_pass, is_llm_file, load_llm_model
from accelsim.workload.moe import MoeModel, is_moe_file, load_moe_model

ROOT = Path(__file__).resolve().parents[3]
HF = ROOT / "workloads" / "hf"


@pytest.mark.parametrize(("folder", "reference"), [
    ("Llama-2-7b-hf", "llama2_7b"), ("Meta-Llama-3-8B", "llama3_8b")])
@pytest.mark.parametrize("shape", [PassShape(1, 1024, 1), PassShape(512, 0, 4)])
def test_llama_configs_give_the_reference_layer_lists(folder: str, reference: str,
                                                      shape: PassShape) -> None:
    path = HF / folder / "config.json"
    assert is_llm_file(path) and not is_moe_file(path)
    ours = decoder_pass(load_llm_model(path), shape)
    theirs = decoder_pass(load_llm_model(ROOT / "workloads" / "llm" / f"{reference}.yaml"),
                          shape)
    assert ours.layers == theirs.layers
    assert load(path).layers == load(ROOT / "workloads" / "llm" / f"{reference}.yaml").layers


def test_dense_families_fields() -> None:
    mistral = load_llm_model(HF / "Mistral-7B-v0.1" / "config.json")
    assert (mistral.name, mistral.group_kv_heads, mistral.ffn) == ("Mistral-7B-v0.1", 8, 14336)
    qwen3 = load_llm_model(HF / "Qwen3-8B" / "config.json")
    assert (qwen3.layers, qwen3.dim_per_head, qwen3.vocab) == (36, 128, 151936)


def _shape(model: MoeModel) -> tuple[int, ...]:
    return (model.d_model, model.experts, model.top_k, model.shared_experts, model.expert_ffn,
            model.matrices, model.layers)


def test_moe_configs_match_the_moe_model_files() -> None:
    qwen = load_moe_model(HF / "Qwen3-30B-A3B" / "config.json")
    assert _shape(qwen) == _shape(load_moe_model(ROOT / "workloads/moe/qwen3_moe_30b_a3b.yaml"))
    deepseek = load_moe_model(HF / "deepseek-moe-16b-base" / "config.json")
    reference = load_moe_model(ROOT / "workloads/moe/deepseek_moe_16b.yaml")
    # the reference file counts all 28 layers; the config's first layer is dense
    assert _shape(deepseek) == (*_shape(reference)[:-1], 27)
    assert _shape(load_moe_model(HF / "Mixtral-8x7B-v0.1" / "config.json")) == \
        (4096, 8, 2, 0, 14336, 3, 32)
    # Qwen1.5-MoE's one shared expert of 5632 = four 1408-wide experts
    assert _shape(load_moe_model(HF / "Qwen1.5-MoE-A2.7B" / "config.json")) == \
        (2048, 60, 4, 4, 1408, 3, 24)


def _write(tmp_path: Path, body: dict[str, object], name: str = "config.json") -> Path:
    folder = tmp_path / "m"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def test_sparse_layer_selection(tmp_path: Path) -> None:
    base = json.loads((HF / "Qwen3-30B-A3B" / "config.json").read_text())
    path = _write(tmp_path, base | {"decoder_sparse_step": 2, "mlp_only_layers": [1, 3]})
    assert load_moe_model(path).layers == 22  # odd layers 1, 3, ..., 47 minus 1 and 3
    deep = json.loads((HF / "deepseek-moe-16b-base" / "config.json").read_text())
    path = _write(tmp_path, deep | {"first_k_dense_replace": 3, "moe_layer_freq": 2})
    assert load_moe_model(path).layers == 12  # 4, 6, ..., 26


def test_errors_name_the_key(tmp_path: Path) -> None:
    llama = json.loads((HF / "Llama-2-7b-hf" / "config.json").read_text())
    with pytest.raises(WorkloadError, match="hidden_size: expected an integer >= 1, got None"):
        load_llm_model(_write(tmp_path, {k: v for k, v in llama.items() if k != "hidden_size"}))
    with pytest.raises(WorkloadError, match="unsupported model_type 'gpt2'"):
        load_llm_model(_write(tmp_path, llama | {"model_type": "gpt2"}))
    with pytest.raises(WorkloadError, match="mixtral is a MoE model"):
        load_llm_model(HF / "Mixtral-8x7B-v0.1" / "config.json")
    with pytest.raises(WorkloadError, match="it runs on a system of chiplets"):
        load(HF / "Mixtral-8x7B-v0.1" / "config.json")
    with pytest.raises(WorkloadError, match="not a Hugging Face config.json"):
        load(_write(tmp_path, {"layers": 3}, "other.json"))
    qwen = json.loads((HF / "Qwen1.5-MoE-A2.7B" / "config.json").read_text())
    with pytest.raises(WorkloadError, match="shared_expert_intermediate_size: 5000 is not a "
                       "multiple of moe_intermediate_size 1408"):
        load_moe_model(_write(tmp_path, qwen | {"shared_expert_intermediate_size": 5000}))


def test_a_config_json_nested_too_deeply_is_not_a_config(tmp_path: Path) -> None:
    from accelsim.workload.hf_config import read_hf_config

    path = tmp_path / "config.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert read_hf_config(path) is None
