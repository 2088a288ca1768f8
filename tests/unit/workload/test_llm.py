"""LLM model files and the GEMMs of one pass (GQA, gated FFN, LM head)."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.errors import WorkloadError
from accelsim.workload.llm import (
    PassShape,
    decoder_pass,
    is_llm_file,
    kv_cache_bits,
    load_llm_model,
)

MODELS = Path(__file__).resolve().parents[3] / "workloads" / "llm"


def test_llama2_7b_weights_match_the_reference_layer() -> None:
    model = load_llm_model(MODELS / "llama2_7b.yaml")
    # 32 decoder layers of 202,375,168 weights (workloads/README.md) + the 4096 x 32000 head
    assert model.weights == 32 * 202_375_168 + 4096 * 32_000
    assert is_llm_file(MODELS / "llama2_7b.yaml")


def test_llama3_gqa_shrinks_kv_projections_and_groups_heads() -> None:
    model = load_llm_model(MODELS / "llama3_8b.yaml")
    layers = {layer.name: layer for layer in decoder_pass(model, PassShape(3, 100, 2)).layers}
    assert layers["self_attn.k_proj"].n == 8 * 128
    scores = layers["self_attn.scores"]
    assert (scores.m, scores.n, scores.k, scores.batch) == (3 * 4, 103, 128, 32 * 2 * 8)
    assert layers["self_attn.q_proj"].m == 6
    assert kv_cache_bits(model, 100, 2, 8) == 2 * 32 * 2 * 100 * 8 * 128 * 8


def test_bad_model_file_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("schema: accelsim.llm/1\nname: x\nsource: y\nhidden: 64\nlayers: 2\n"
                    "heads: 6\nkv_heads: 4\nffn: 128\nvocab: 10\n")
    with pytest.raises(WorkloadError, match="multiple of kv_heads") as info:
        load_llm_model(path)
    assert "bad.yaml" in str(info.value)


def test_generic_loader_reads_an_llm_file_as_one_decode_token() -> None:
    from accelsim.workload import load

    wl = load(MODELS / "llama3_8b.yaml")
    assert all(layer.m in (1, 4) for layer in wl.layers)  # GQA: 4 query heads share a KV head
    assert sum(layer.gemm().macs for layer in wl.layers if layer.op == "gemm") == \
        load_llm_model(MODELS / "llama3_8b.yaml").weights
