"""The checked-in reference models: they load, match their generator and published figures."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from accelsim.workload import Workload, load, workload_weights
from accelsim.workload.layers import Conv2dLayer, GemmLayer

WORKLOADS = Path(__file__).resolve().parents[3] / "workloads"
STEMS = ("resnet18", "resnet50", "mobilenet_v2", "bert_base_seq128", "bert_base_seq512",
         "llama2_7b_prefill512", "llama2_7b_decode_kv1024")


def _load(stem: str) -> Workload:
    return load(WORKLOADS / f"{stem}.yaml")


def _generator() -> ModuleType:
    path = WORKLOADS / "tools" / "make_reference_models.py"
    spec = importlib.util.spec_from_file_location("make_reference_models", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_yaml_in_workloads_is_a_listed_reference_model() -> None:
    assert sorted(p.stem for p in WORKLOADS.glob("*.yaml")) == sorted(STEMS)
    readme = (WORKLOADS / "README.md").read_text(encoding="utf-8")
    assert all(f"`{stem}.yaml`" in readme for stem in STEMS)


@pytest.mark.parametrize("stem", STEMS)
def test_file_loads_cites_a_source_and_matches_its_generator(stem: str) -> None:
    wl = _load(stem)
    assert wl.name == stem
    assert wl.source != str(WORKLOADS / f"{stem}.yaml") and len(wl.source) > 40
    assert (WORKLOADS / f"{stem}.yaml").read_text(encoding="utf-8") == _generator().render(stem)


@pytest.mark.parametrize(("stem", "published_macs", "tolerance"), [
    ("resnet18", 1.81e9, 0.01),      # He et al. 2016 Table 1: 1.8e9 multiply-adds
    ("resnet50", 4.1e9, 0.03),       # torchvision ResNet-50 (v1.5): 4.1e9
    ("mobilenet_v2", 300e6, 0.03),   # Sandler et al. 2018: 300M multiply-adds
])
def test_cnn_macs_match_published_figures(stem: str, published_macs: float,
                                          tolerance: float) -> None:
    assert _load(stem).macs == pytest.approx(published_macs, rel=tolerance)


def test_cnn_weights_match_published_parameter_counts() -> None:
    # torchvision's counts include BatchNorm affine parameters (2 per channel) and the fc bias.
    assert workload_weights(_load("resnet18")) == 11_689_512 - 9_600 - 1_000
    assert workload_weights(_load("resnet50")) == 25_557_032 - 53_120 - 1_000
    assert workload_weights(_load("mobilenet_v2")) == pytest.approx(3.4e6, rel=0.03)


def _ofmap(layer: Conv2dLayer) -> tuple[int, int]:
    return layer.ofmap_h, layer.ofmap_w


def test_resnet18_has_the_layers_of_table_1() -> None:
    layers = _load("resnet18").layers
    convs = [layer for layer in layers if isinstance(layer, Conv2dLayer)]
    kernels = sorted((c.filter_h, c.filter_w) for c in convs)
    assert kernels == [(1, 1)] * 3 + [(3, 3)] * 16 + [(7, 7)]
    assert _ofmap(convs[0]) == (112, 112)
    assert {_ofmap(c) for c in convs if c.num_filters == 512} == {(7, 7)}
    assert layers[-1] == GemmLayer("fc", m=1, n=1000, k=512)


@pytest.mark.parametrize("stem", ["resnet50", "mobilenet_v2"])
def test_cnns_end_at_7x7_and_feed_the_classifier(stem: str) -> None:
    *convs, head = _load(stem).layers
    assert all(isinstance(c, Conv2dLayer) for c in convs)
    assert _ofmap(convs[-1]) == (7, 7)
    features = 2048 if stem == "resnet50" else 1280
    assert convs[-1].num_filters == features
    assert isinstance(head, GemmLayer) and (head.m, head.n, head.k) == (1, 1000, features)


def test_mobilenet_v2_depthwise_convs_are_grouped_per_channel() -> None:
    convs = [c for c in _load("mobilenet_v2").layers if isinstance(c, Conv2dLayer)]
    depthwise = [c for c in convs if c.groups > 1]
    assert len(depthwise) == 17  # one per inverted-residual block (Table 2: 1+2+3+4+3+3+1)
    assert all(c.groups == c.channels == c.num_filters and c.filter_h == 3 for c in depthwise)
    assert all(c.gemm().n == 1 and c.gemm().k == 9 for c in depthwise)


#: stem -> (queries, keys, hidden, heads, ffn, published weights per layer)
TRANSFORMERS = {
    "bert_base_seq128": (128, 128, 768, 12, 3072, 7_077_888),
    "bert_base_seq512": (512, 512, 768, 12, 3072, 7_077_888),
    "llama2_7b_prefill512": (512, 512, 4096, 32, 11008, 4096 * 4096 * 4 + 3 * 4096 * 11008),
    "llama2_7b_decode_kv1024": (1, 1024, 4096, 32, 11008, 4096 * 4096 * 4 + 3 * 4096 * 11008),
}


@pytest.mark.parametrize("stem", TRANSFORMERS)
def test_transformer_layer_shapes_weights_and_attention(stem: str) -> None:
    queries, keys, hidden, heads, ffn, weights = TRANSFORMERS[stem]
    wl = _load(stem)
    assert workload_weights(wl) == weights
    by_op: dict[str, list[GemmLayer]] = {"gemm": [], "attention": []}
    for layer in wl.layers:
        assert isinstance(layer, GemmLayer) and layer.m == queries
        by_op[layer.op].append(layer)
    scores, context = by_op["attention"]
    head_dim = hidden // heads
    assert (scores.n, scores.k, scores.batch) == (keys, head_dim, heads)      # Q K^T per head
    assert (context.n, context.k, context.batch) == (head_dim, keys, heads)   # P V per head
    assert {(g.k, g.n) for g in by_op["gemm"]} == {(hidden, hidden), (hidden, ffn), (ffn, hidden)}
    # Every weight is used once per token; attention adds 2 x heads x queries x keys x head_dim.
    assert wl.macs == queries * weights + 2 * heads * queries * keys * head_dim


def test_llama2_7b_layer_counts() -> None:
    assert len(_load("llama2_7b_prefill512").layers) == 9  # q k v scores context o gate up down
    assert workload_weights(_load("llama2_7b_prefill512")) == 202_375_168
    assert _load("llama2_7b_decode_kv1024").macs == 210_763_776
