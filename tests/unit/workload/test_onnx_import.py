"""ONNX graphs as workloads: layer mapping, vector ops, input shapes, and the graph's MAC count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.errors import WorkloadError
from accelsim.workload import load
from accelsim.workload.layers import Conv2dLayer, GemmLayer
from accelsim.workload.llm import NonlinearOp
from accelsim.workload.onnx_graph import parse_input_shape
from accelsim.workload.onnx_import import load_onnx_workload, nonlinear_ops
from accelsim.workload.onnx_ref import write_onnx_ref
from tests.unit.workload.onnx_models import attention_block, graph_macs, resnet_like, save


def _by_name(wl: object) -> dict[str, object]:
    return {layer.name: layer for layer in wl.layers}  # type: ignore[attr-defined]


def test_resnet_like_convs_keep_stride_padding_groups(tmp_path: Path) -> None:
    model = resnet_like()
    wl = load(save(model, tmp_path / "r.onnx"))
    layers = _by_name(wl)
    assert layers["stem"] == Conv2dLayer("stem", 64, 64, 3, 7, 7, 16, 2, 2, 3, 3, 1)
    assert layers["grouped"] == Conv2dLayer("grouped", 16, 16, 16, 3, 3, 32, 1, 1, 1, 1, 4)
    assert layers["depthwise"] == Conv2dLayer("depthwise", 16, 16, 32, 3, 3, 32, 2, 2, 1, 1, 32)
    # pads (0,0,1,1) at stride 2 on 8x8 give 4x4; symmetric pad 1 gives the same output
    asym = layers["asym"]
    assert isinstance(asym, Conv2dLayer) and (asym.ofmap_h, asym.ofmap_w) == (4, 4)
    assert layers["fc"] == GemmLayer("fc", 1, 10, 8)
    assert wl.macs == graph_macs(model) == 3_938_384
    assert not wl.notes


def test_vector_ops_are_listed_with_element_counts(tmp_path: Path) -> None:
    wl = load(save(resnet_like(), tmp_path / "r.onnx"))
    ops = {v.name: v for v in wl.vector_ops}
    assert (ops["relu0"].kind, ops["relu0"].elements) == ("activation", 16 * 32 * 32)
    assert (ops["pool0"].kind, ops["pool0"].elements) == ("pooling", 16 * 32 * 32)
    assert (ops["block.add"].kind, ops["block.add"].elements) == ("elementwise", 16 * 16 * 16)
    assert (ops["softmax"].kind, ops["softmax"].elements) == ("normalization", 10)
    assert ops["flatten"].kind == "layout"
    assert len(wl.vector_ops) == 7


def test_attention_block_matmuls(tmp_path: Path) -> None:
    model = attention_block(seq=16, hidden=32, heads=4)
    wl = load(save(model, tmp_path / "a.onnx"))
    layers = _by_name(wl)
    assert layers["q_proj"] == GemmLayer("q_proj", 16, 32, 32)
    assert layers["scores"] == GemmLayer("scores", 16, 16, 8, batch=4, op="attention")
    assert layers["context"] == GemmLayer("context", 16, 8, 16, batch=4, op="attention")
    assert layers["down"] == GemmLayer("down", 16, 32, 128)
    assert wl.macs == graph_macs(model)
    kinds = {v.op: v.kind for v in wl.vector_ops}
    assert kinds["Gelu"] == "activation" and kinds["LayerNormalization"] == "normalization"
    assert kinds["Reshape"] == kinds["Transpose"] == "layout"
    # the Mul by a constant scale is work; the Reshapes' shape tensors are not vector ops
    assert not any(v.name.endswith("shape") for v in wl.vector_ops)
    # what a nonlinear unit times: softmax rows of 16 keys (4 heads x 16 queries), GELU rows
    assert nonlinear_ops(wl) == (NonlinearOp("softmax", "softmax", 1024, 64),
                                 NonlinearOp("gelu", "gelu", 2048, 16))


def _matmul_model(a: list[int], b: list[int], b_const: bool) -> onnx.ModelProto:
    inputs = [helper.make_tensor_value_info("a", TensorProto.FLOAT, a)]
    inits = []
    if b_const:
        inits = [numpy_helper.from_array(np.ones(b, np.float32), "b")]
    else:
        inputs.append(helper.make_tensor_value_info("b", TensorProto.FLOAT, b))
    node = helper.make_node("MatMul", ["a", "b"], ["c"], "mm")
    graph = helper.make_graph([node], "mm", inputs,
                              [helper.make_tensor_value_info("c", TensorProto.FLOAT, None)],
                              inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize(("a", "b", "b_const", "want"), [
    ([2, 8, 16], [16, 4], True, GemmLayer("mm", 16, 4, 16)),          # batch folds into M
    ([3, 2, 8, 16], [3, 2, 16, 4], False,
     GemmLayer("mm", 8, 4, 16, batch=6, op="attention")),              # batched, activations
    ([3, 1, 8, 16], [2, 16, 4], False,
     GemmLayer("mm", 8, 4, 16, batch=6, op="attention")),              # broadcast batch dims
    ([2, 5, 16], [2, 16, 4], True, GemmLayer("mm", 5, 4, 16, batch=2)),  # per-batch weights
    ([16], [16, 4], True, GemmLayer("mm", 1, 4, 16)),                  # 1-D A
])
def test_matmul_forms(tmp_path: Path, a: list[int], b: list[int], b_const: bool,
                      want: GemmLayer) -> None:
    model = _matmul_model(a, b, b_const)
    wl = load(save(model, tmp_path / "m.onnx"))
    assert wl.layers == (want,)
    assert wl.macs == graph_macs(model)


def test_batched_conv_lowers_to_its_gemm_with_a_note(tmp_path: Path) -> None:
    model = resnet_like(batch=2)
    wl = load(save(model, tmp_path / "r.onnx"))
    assert wl.macs == graph_macs(model) == 2 * 3_938_384
    stem = _by_name(wl)["stem"]
    assert stem == GemmLayer("stem", 2 * 32 * 32, 16, 3 * 49)
    assert any(n.startswith("stem: Conv (batch 2) lowered") for n in wl.notes)


def test_dilated_conv_keeps_the_graph_macs(tmp_path: Path) -> None:
    w = numpy_helper.from_array(np.ones((4, 2, 3, 3), np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], "dil", dilations=[2, 2], pads=[2] * 4)
    graph = helper.make_graph([node], "d", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 2, 10, 10])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, None)], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    wl = load(save(model, tmp_path / "d.onnx"))
    assert wl.macs == graph_macs(model) == 100 * 4 * 18
    assert "dilation" in wl.notes[0]


def test_symbolic_batch_defaults_to_one_with_a_note(tmp_path: Path) -> None:
    wl = load(save(resnet_like(batch="N"), tmp_path / "r.onnx"))
    assert wl.macs == 3_938_384
    assert wl.notes == ("input x has a symbolic batch (?x3x64x64); ran batch 1",)


def test_symbolic_sequence_needs_input_shape(tmp_path: Path) -> None:
    path = save(attention_block(seq="seq"), tmp_path / "a.onnx")
    with pytest.raises(WorkloadError, match=r"input 'x' has symbolic dims 1x\?x32; give them "
                       r"with --input-shape x="):
        load(path)
    wl = load_onnx_workload(path, {"x": (1, 24, 32)})
    assert _by_name(wl)["scores"] == GemmLayer("scores", 24, 24, 8, batch=4, op="attention")
    assert wl.macs == graph_macs(attention_block(seq=24))


def test_input_shape_reference_file_loads_through_load(tmp_path: Path) -> None:
    path = save(attention_block(seq="seq"), tmp_path / "a.onnx")
    ref = tmp_path / "a.yaml"
    write_onnx_ref(ref, path, {"x": (1, 8, 32)})
    wl = load(ref)
    assert wl.source == str(path.resolve())
    assert wl.macs == graph_macs(attention_block(seq=8))


@pytest.mark.parametrize(("shapes", "message"), [
    ({"y": (1, 8, 32)}, "no graph input named 'y'; inputs: x"),
    ({"x": (1, 8)}, "input 'x' has 3 dims, the shape given has 2"),
    ({"x": (1, 8, 16)}, "input 'x' dim 2 is 32 in the graph, not 16"),
])
def test_bad_input_shapes_are_named(tmp_path: Path, shapes: dict[str, tuple[int, ...]],
                                    message: str) -> None:
    path = save(attention_block(seq="seq"), tmp_path / "a.onnx")
    with pytest.raises(WorkloadError, match=message):
        load_onnx_workload(path, shapes)


def test_parse_input_shape() -> None:
    assert parse_input_shape("1x3x224x224") == ("", (1, 3, 224, 224))
    assert parse_input_shape("input_ids=1x128") == ("input_ids", (1, 128))
    with pytest.raises(WorkloadError, match="expected \\[NAME=\\]D1xD2"):
        parse_input_shape("1x0")


def test_external_and_stripped_weights_load_from_shapes(tmp_path: Path) -> None:
    model = resnet_like()
    onnx.save(model, str(tmp_path / "ext.onnx"), save_as_external_data=True,
              all_tensors_to_one_file=True, location="ext.bin", size_threshold=0)
    (tmp_path / "ext.bin").unlink()  # the weights are gone; the shapes are in the graph
    assert load(tmp_path / "ext.onnx").macs == graph_macs(model)
    stripped = resnet_like()
    for init in stripped.graph.initializer:
        init.ClearField("raw_data")
        del init.float_data[:]
    assert load(save(stripped, tmp_path / "s.onnx")).macs == graph_macs(model)


def test_unreadable_and_layerless_graphs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a protobuf")
    with pytest.raises(WorkloadError, match="not a readable ONNX model"):
        load(bad)
    with pytest.raises(WorkloadError, match="ONNX file not found"):
        load(tmp_path / "missing.onnx")
    node = helper.make_node("Relu", ["x"], ["y"], "r")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 4])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, None)])
    path = save(helper.make_model(graph), tmp_path / "relu.onnx")
    with pytest.raises(WorkloadError, match="no Conv, Gemm or MatMul node"):
        load(path)


@pytest.mark.parametrize(("attrs", "x", "w", "want"), [
    ({"auto_pad": "SAME_UPPER", "strides": [2, 2]}, [1, 4, 9, 9], [8, 4, 3, 3],
     Conv2dLayer("c", 9, 9, 4, 3, 3, 8, 2, 2, 1, 1, 1)),
    ({"pads": [1, 1], "strides": [2]}, [1, 4, 16], [8, 4, 3],
     Conv2dLayer("c", 1, 16, 4, 1, 3, 8, 1, 2, 0, 1, 1)),
])
def test_auto_pad_and_1d_convs(tmp_path: Path, attrs: dict[str, object], x: list[int],
                               w: list[int], want: Conv2dLayer) -> None:
    init = numpy_helper.from_array(np.ones(w, np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], "c", **attrs)
    graph = helper.make_graph([node], "c", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, x)], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, None)], [init])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    wl = load(save(model, tmp_path / "c.onnx"))
    assert wl.layers == (want,)
    assert wl.macs == graph_macs(model)


def test_integer_ops_map_like_their_float_forms(tmp_path: Path) -> None:
    """ConvInteger and MatMulInteger (quantized exports) are layers too."""
    inits = [numpy_helper.from_array(np.ones((8, 4, 3, 3), np.int8), "cw"),
             numpy_helper.from_array(np.ones((8, 5), np.int8), "mw"),
             numpy_helper.from_array(np.array([1, 8 * 36], np.int64), "flat")]
    nodes = [helper.make_node("ConvInteger", ["x", "cw"], ["c"], "conv", pads=[1, 1, 1, 1]),
             helper.make_node("Cast", ["c"], ["cf"], "cast", to=TensorProto.INT8),
             helper.make_node("Reshape", ["cf", "flat"], ["r"], "reshape"),
             helper.make_node("Slice", ["r", "starts", "ends", "axes"], ["s"], "slice"),
             helper.make_node("MatMulInteger", ["s", "mw"], ["y"], "mm")]
    inits += [numpy_helper.from_array(np.array([0], np.int64), "starts"),
              numpy_helper.from_array(np.array([8], np.int64), "ends"),
              numpy_helper.from_array(np.array([1], np.int64), "axes")]
    graph = helper.make_graph(nodes, "q", [helper.make_tensor_value_info(
        "x", TensorProto.INT8, [1, 4, 6, 6])], [helper.make_tensor_value_info(
            "y", TensorProto.INT32, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    wl = load(save(model, tmp_path / "q.onnx"))
    assert wl.layers == (Conv2dLayer("conv", 6, 6, 4, 3, 3, 8, 1, 1, 1, 1, 1),
                         GemmLayer("mm", 1, 5, 8))
    assert [v.op for v in wl.vector_ops] == ["Cast", "Reshape", "Slice"]
