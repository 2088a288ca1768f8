"""Small ONNX graphs built with onnx.helper (no downloads), and an independent MAC counter."""

from __future__ import annotations

from math import prod
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(0)


def _w(name: str, *shape: int) -> onnx.TensorProto:
    return numpy_helper.from_array(RNG.standard_normal(shape).astype(np.float32), name)


def _model(nodes: list[onnx.NodeProto], inputs: list[onnx.ValueInfoProto],
           outputs: list[onnx.ValueInfoProto], inits: list[onnx.TensorProto],
           name: str) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 9
    return model


def resnet_like(batch: int | str = 1) -> onnx.ModelProto:
    """Stem (7x7/2, pad 3), max pool, a residual block, a grouped and a depthwise conv, an
    asymmetric-padded strided conv, global pool, Flatten, Gemm, Softmax."""
    inits = [_w("stem_w", 16, 3, 7, 7), _w("b1_w", 16, 16, 3, 3), _w("b2_w", 16, 16, 3, 3),
             _w("g_w", 32, 4, 3, 3), _w("dw_w", 32, 1, 3, 3), _w("s_w", 8, 32, 3, 3),
             _w("fc_w", 10, 8), _w("fc_b", 10)]
    n = helper.make_node
    nodes = [
        n("Conv", ["x", "stem_w"], ["c0"], "stem", strides=[2, 2], pads=[3, 3, 3, 3]),
        n("Relu", ["c0"], ["r0"], "relu0"),
        n("MaxPool", ["r0"], ["p0"], "pool0", kernel_shape=[3, 3], strides=[2, 2],
          pads=[1, 1, 1, 1]),
        n("Conv", ["p0", "b1_w"], ["c1"], "block.conv1", pads=[1, 1, 1, 1]),
        n("Relu", ["c1"], ["r1"], "block.relu"),
        n("Conv", ["r1", "b2_w"], ["c2"], "block.conv2", pads=[1, 1, 1, 1]),
        n("Add", ["c2", "p0"], ["a0"], "block.add"),
        n("Conv", ["a0", "g_w"], ["c3"], "grouped", group=4, pads=[1, 1, 1, 1]),
        n("Conv", ["c3", "dw_w"], ["c4"], "depthwise", group=32, pads=[1, 1, 1, 1],
          strides=[2, 2]),
        n("Conv", ["c4", "s_w"], ["c5"], "asym", strides=[2, 2], pads=[0, 0, 1, 1]),
        n("GlobalAveragePool", ["c5"], ["g0"], "gap"),
        n("Flatten", ["g0"], ["f0"], "flatten"),
        n("Gemm", ["f0", "fc_w", "fc_b"], ["y0"], "fc", transB=1),
        n("Softmax", ["y0"], ["y"], "softmax"),
    ]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 3, 64, 64])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    return _model(nodes, [x], [y], inits, "resnet_like")


def attention_block(seq: int | str = 16, hidden: int = 32, heads: int = 4) -> onnx.ModelProto:
    """One encoder block: QKV MatMuls with weights, Q K^T and P V as batched MatMuls of two
    activations, LayerNorm, GELU, a residual Add, Reshape/Transpose between them."""
    d = hidden // heads
    inits = [_w(f"{p}_w", hidden, hidden) for p in ("q", "k", "v", "o")]
    inits += [_w("up_w", hidden, 4 * hidden), _w("down_w", 4 * hidden, hidden),
              _w("ln_g", hidden), _w("ln_b", hidden),
              numpy_helper.from_array(np.array([1, -1, heads, d], np.int64), "split_shape"),
              numpy_helper.from_array(np.array([1, -1, hidden], np.int64), "merge_shape"),
              numpy_helper.from_array(np.array(d ** -0.5, np.float32), "scale")]
    n = helper.make_node
    nodes = []
    for p in ("q", "k", "v"):
        nodes += [n("MatMul", ["x", f"{p}_w"], [f"{p}0"], f"{p}_proj"),
                  n("Reshape", [f"{p}0", "split_shape"], [f"{p}1"], f"{p}_split"),
                  n("Transpose", [f"{p}1"], [f"{p}h"], f"{p}_heads",
                    perm=[0, 2, 3, 1] if p == "k" else [0, 2, 1, 3])]
    nodes += [
        n("MatMul", ["qh", "kh"], ["s0"], "scores"),
        n("Mul", ["s0", "scale"], ["s1"], "scale_scores"),
        n("Softmax", ["s1"], ["pr"], "softmax", axis=-1),
        n("MatMul", ["pr", "vh"], ["c0"], "context"),
        n("Transpose", ["c0"], ["c1"], "merge_t", perm=[0, 2, 1, 3]),
        n("Reshape", ["c1", "merge_shape"], ["c2"], "merge"),
        n("MatMul", ["c2", "o_w"], ["o0"], "o_proj"),
        n("Add", ["o0", "x"], ["h0"], "residual"),
        n("LayerNormalization", ["h0", "ln_g", "ln_b"], ["h1"], "ln", axis=-1),
        n("MatMul", ["h1", "up_w"], ["u0"], "up"),
        n("Gelu", ["u0"], ["u1"], "gelu"),
        n("MatMul", ["u1", "down_w"], ["y"], "down"),
    ]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, seq, hidden])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    return _model(nodes, [x], [y], inits, "attention_block")


def save(model: onnx.ModelProto, path: Path) -> Path:
    onnx.save(model, str(path))
    return path


def graph_macs(model: onnx.ModelProto) -> int:
    """MACs from ONNX's own inferred shapes: output elements x reduction length per node."""
    inferred = onnx.shape_inference.infer_shapes(model)
    dims: dict[str, tuple[int, ...]] = {i.name: tuple(i.dims) for i in model.graph.initializer}
    for vi in [*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output]:
        dims.setdefault(vi.name, tuple(d.dim_value for d in vi.type.tensor_type.shape.dim))
    total = 0
    for node in inferred.graph.node:
        if node.op_type == "Conv":
            w = dims[node.input[1]]
            total += prod(dims[node.output[0]]) * prod(w[1:])
        elif node.op_type == "MatMul":
            total += prod(dims[node.output[0]]) * dims[node.input[0]][-1]
        elif node.op_type == "Gemm":
            trans_a = any(a.name == "transA" and a.i for a in node.attribute)
            a = dims[node.input[0]]
            total += prod(dims[node.output[0]]) * (a[0] if trans_a else a[1])
    return total
