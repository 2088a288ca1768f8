"""Layers equal but for their name share a plan: the key, and ``plan`` planning them once."""

from __future__ import annotations

from pathlib import Path

import accelsim
from accelsim.config.run_spec import MappingSpec
from accelsim.mapping.plan import plan, plan_layer
from accelsim.mapping.shared import layer_key
from accelsim.workload import Workload
from accelsim.workload.layers import Conv2dLayer, GemmLayer, LayerQuant, OperandPrecision
from accelsim.workload.loader import load

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "configs" / "int8_sa.yaml"


def _system(**overrides: object):  # noqa: ANN202
    return accelsim.load(CONFIG, set=overrides).system


def _quant(weight_bits: int) -> LayerQuant:
    return LayerQuant(OperandPrecision(weight_bits), OperandPrecision(8))


def test_key_ignores_the_name_only() -> None:
    system = _system()
    conv = Conv2dLayer("a", 14, 14, 64, 3, 3, 64, pad_h=1, pad_w=1)
    same = Conv2dLayer("b", 14, 14, 64, 3, 3, 64, pad_h=1, pad_w=1)
    assert layer_key(conv, system) == layer_key(same, system)
    assert layer_key(conv, system) != layer_key(Conv2dLayer("c", 14, 14, 64, 3, 3, 64),
                                                system)
    # a GEMM of the conv's lowered shape is still another layer (its ifmap is not a window)
    gemm = GemmLayer("a", 14 * 14, 64, 576)
    assert layer_key(gemm, system) != layer_key(conv, system)
    # quantization is compared by what it says (layer equality leaves it out)
    four, eight = GemmLayer("q", 8, 8, 8, quant=_quant(4)), GemmLayer("r", 8, 8, 8, quant=_quant(8))
    assert four == GemmLayer("q", 8, 8, 8, quant=_quant(8))  # why the key cannot use ==
    assert layer_key(four, system) != layer_key(eight, system)
    assert layer_key(four, system) == layer_key(GemmLayer("s", 8, 8, 8, quant=_quant(4)), system)


def test_temporal_layers_with_a_trace_are_never_shared() -> None:
    temporal = _system(**{"system.array.pe": "temporal"})
    assert layer_key(GemmLayer("q", 8, 8, 8, quant=_quant(4)), temporal) is None
    assert layer_key(GemmLayer("g", 8, 8, 8), temporal) is not None


def test_plan_of_repeated_layers_equals_planning_each() -> None:
    system, spec = _system(**{"system.array.rows": 8}), MappingSpec()
    workload = load(ROOT / "workloads" / "resnet18.yaml")
    shared = plan(workload, system, spec)
    assert len({layer_key(layer, system) for layer in workload.layers}) < len(workload.layers)
    for layer, planned in zip(workload.layers, shared.layers, strict=True):
        assert planned.layer is layer
        assert planned == plan_layer(layer, system, spec, source=workload.source)


def test_plan_keeps_each_layer_of_a_workload_of_one_shape() -> None:
    system = _system()
    layers = (GemmLayer("x", 64, 64, 64), GemmLayer("y", 64, 64, 64))
    planned = plan(Workload("two", "synthetic", layers), system, MappingSpec())
    assert [p.layer.name for p in planned.layers] == ["x", "y"]
    assert planned.layers[0].blocks == planned.layers[1].blocks
