"""ONNX graphs as workloads: Conv, Gemm and MatMul nodes -> layers; the other ops -> vector ops.

Only shapes are read (``onnx_graph``), so a model with external or stripped weights loads. Each
node becomes what the array runs:

- ``Conv`` (and ``ConvInteger``, ``QLinearConv``): a ``Conv2dLayer`` with its stride, padding and
  groups (depthwise is groups = channels). Where the 2-D batch-1 conv form cannot hold it exactly
  (batch > 1, dilation, 1-D/3-D, padding no symmetric value reproduces) the node lowers to its
  GEMM (M = output pixels, N = filters per group, K = window x channels per group, once per
  group), so the MAC count stays the graph's, and a note says so.
- ``Gemm``/``MatMul`` (and ``MatMulInteger``, ``QLinearMatMul``): a ``GemmLayer``. With a constant
  (weight) operand, leading batch dims of the activation fold into M; two activations (attention's
  Q K^T and P V) give ``op="attention"`` with the broadcast batch dims as ``batch``.
- everything else that computes on activations: a ``VectorOp`` with its element count. Nodes fed
  by constants or shapes alone (folded by every runtime) are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from math import prod
from pathlib import Path
from typing import TYPE_CHECKING

from accelsim.errors import WorkloadError
from accelsim.workload.layers import Conv2dLayer, GemmLayer, Layer, VectorOp, Workload
from accelsim.workload.llm import NonlinearFunction, NonlinearOp
from accelsim.workload.onnx_graph import Dims, OnnxGraph, read_onnx_graph

if TYPE_CHECKING:
    import onnx

#: GEMM-like ops: index of operand A and of operand B.
_GEMM_INPUTS = {"Gemm": (0, 1), "MatMul": (0, 1), "MatMulInteger": (0, 1),
                "QLinearMatMul": (0, 3)}
#: Conv ops: index of the weight (the data is input 0).
_CONV_WEIGHT = {"Conv": 1, "ConvInteger": 1, "QLinearConv": 3}
_KINDS: dict[str, tuple[str, ...]] = {
    "elementwise": ("Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Max", "Min", "Sum", "Mean", "Neg",
                    "Abs", "Reciprocal", "Where", "Equal", "Less", "Greater", "Not", "And", "Or",
                    "Mod", "Floor", "Ceil", "Round", "Sign", "QuantizeLinear",
                    "DequantizeLinear", "Cast"),
    "activation": ("Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Gelu", "FastGelu",
                   "HardSigmoid", "HardSwish", "Mish", "Softplus", "Softsign", "Elu", "Selu",
                   "Celu", "Clip", "Erf", "Exp", "Log", "Sin", "Cos", "Swish", "QuickGelu"),
    "normalization": ("Softmax", "LogSoftmax", "LayerNormalization", "BatchNormalization",
                      "InstanceNormalization", "GroupNormalization", "LRN",
                      "RMSNormalization", "SimplifiedLayerNormalization",
                      "SkipLayerNormalization", "MeanVarianceNormalization"),
    "reduction": ("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
                  "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp", "ArgMax",
                  "ArgMin", "TopK", "CumSum"),
    "pooling": ("MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool"),
    "layout": ("Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Concat", "Split",
               "Slice", "Gather", "GatherElements", "Expand", "Identity", "Dropout", "Pad",
               "Tile", "Resize", "Upsample", "DepthToSpace", "SpaceToDepth", "ScatterND"),
}
KIND_OF = {op: kind for kind, ops in _KINDS.items() for op in ops}
#: Ops that only describe shapes; they and what they alone feed are not work.
_SHAPE_OPS = ("Shape", "Size", "Constant", "ConstantOfShape", "Range", "NonZero")


def load_onnx_workload(path: str | Path, input_shapes: Mapping[str, tuple[int, ...]] | None = None,
                       *, source: str | None = None) -> Workload:
    """The layers and vector ops of the ONNX model in ``path``."""
    graph = read_onnx_graph(path, input_shapes)
    return graph_workload(graph, str(path) if source is None else source)


def graph_workload(graph: OnnxGraph, source: str) -> Workload:
    """Walk ``graph`` in node order (ONNX requires topological order)."""
    layers: list[Layer] = []
    vector: list[VectorOp] = []
    notes = list(graph.notes)
    unknown: dict[str, int] = {}
    shape_only = set(graph.constants)
    names: set[str] = set()
    for idx, node in enumerate(graph.nodes):
        ins = [i for i in node.input if i]
        if node.op_type in _SHAPE_OPS or all(i in shape_only for i in ins):
            shape_only.update(node.output)
            continue
        name = _unique(node.name or f"{node.op_type}_{idx}", names)
        if node.op_type in _CONV_WEIGHT or node.op_type in _GEMM_INPUTS:
            layer, note = _layer(graph, node, name)
            layers.append(layer)
            if note:
                notes.append(f"{name}: {note}")
            continue
        kind = KIND_OF.get(node.op_type, "other")
        if kind == "other":
            unknown[node.op_type] = unknown.get(node.op_type, 0) + 1
        vector.append(VectorOp(name, node.op_type, kind, _elements(graph, node),
                               _row_length(graph, node, kind)))
    if unknown:
        ops = ", ".join(f"{op} x{n}" for op, n in sorted(unknown.items()))
        notes.append(f"operators not classified (listed as 'other' vector ops): {ops}")
    if not layers:
        raise WorkloadError("the graph has no Conv, Gemm or MatMul node", file=source)
    return Workload(graph.name, source, tuple(layers), tuple(vector), tuple(notes))


def _unique(name: str, seen: set[str]) -> str:
    out, n = name, 1
    while out in seen:
        n += 1
        out = f"{name}#{n}"
    seen.add(out)
    return out


def _elements(graph: OnnxGraph, node: onnx.NodeProto) -> int | None:
    sizes = [_size(graph.shapes.get(t)) for t in list(node.input) + list(node.output) if t]
    known = [s for s in sizes if s is not None]
    return max(known) if known else None


def _row_length(graph: OnnxGraph, node: onnx.NodeProto, kind: str) -> int | None:
    """The axis a Softmax/LayerNorm reduces over (``axis``, default -1), or an activation's
    last axis; None for other kinds or unknown shapes."""
    dims = graph.shapes.get(node.input[0]) if node.input else None
    if kind not in ("normalization", "activation") or not dims or node.op_type in (
            "BatchNormalization", "InstanceNormalization", "GroupNormalization", "LRN"):
        return None
    axis = _attrs(node).get("axis", -1)
    if not isinstance(axis, int) or not -len(dims) <= axis < len(dims):
        return None
    return dims[axis]


#: ONNX ops a nonlinear unit models, by the function it evaluates.
NONLINEAR: dict[str, NonlinearFunction] = {
    "Softmax": "softmax", "Gelu": "gelu", "FastGelu": "gelu", "Swish": "silu",
    "RMSNormalization": "rmsnorm", "SimplifiedLayerNormalization": "rmsnorm"}


def nonlinear_ops(workload: Workload) -> tuple[NonlinearOp, ...]:
    """The vector ops a nonlinear unit times (``hardware.nonlinear``), as its ops: Softmax,
    GELU, SiLU and RMS norm with known sizes. The others stay listed in ``vector_ops``."""
    out = []
    for op in workload.vector_ops:
        function = NONLINEAR.get(op.op)
        if function is not None and op.elements and op.row_length:
            out.append(NonlinearOp(op.name, function, op.elements,
                                   op.elements // op.row_length))
    return tuple(out)


def _size(dims: Dims | None) -> int | None:
    if dims is None or None in dims:
        return None
    return prod(int(d) for d in dims if d is not None)


def _known(graph: OnnxGraph, tensor: str, node: str, what: str) -> tuple[int, ...]:
    dims = graph.shapes.get(tensor)
    if dims is None or None in dims:
        raise WorkloadError(f"the shape of {what} {tensor!r} is unknown after shape inference; "
                            "fix the input shapes with --input-shape", key_path=node)
    return tuple(int(d) for d in dims if d is not None)


def _attrs(node: onnx.NodeProto) -> dict[str, object]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _ints(attrs: Mapping[str, object], key: str, default: list[int]) -> list[int]:
    value = attrs.get(key)
    return [int(v) for v in value] if isinstance(value, (list, tuple)) and value else default


def _layer(graph: OnnxGraph, node: onnx.NodeProto, name: str) -> tuple[Layer, str]:
    if node.op_type in _CONV_WEIGHT:
        return _conv(graph, node, name)
    a_idx, b_idx = _GEMM_INPUTS[node.op_type]
    a, b = node.input[a_idx], node.input[b_idx]
    a_dims = _known(graph, a, name, "operand A")
    b_dims = _known(graph, b, name, "operand B")
    if node.op_type == "Gemm":
        attrs = _attrs(node)
        m, k = reversed(a_dims) if attrs.get("transA") else a_dims
        n = b_dims[0] if attrs.get("transB") else b_dims[1]
        return GemmLayer(name, int(m), int(n), int(k),
                         op="gemm" if b in graph.constants else "attention"), ""
    return _matmul(name, a_dims, b_dims, a in graph.constants, b in graph.constants), ""


def _matmul(name: str, a: tuple[int, ...], b: tuple[int, ...], a_const: bool,
            b_const: bool) -> GemmLayer:
    """numpy matmul semantics: 1-D operands are promoted, leading dims broadcast."""
    a = (1, *a) if len(a) == 1 else a
    b = (*b, 1) if len(b) == 1 else b
    a_batch, b_batch = a[:-2], b[:-2]
    m, k, n = a[-2], a[-1], b[-1]
    if a_const and not b_const:  # W @ X: the weight is A; C^T = X^T W^T keeps B = weights
        a_batch, b_batch, m, n = b_batch, a_batch, n, m
    op = "gemm" if a_const != b_const else "attention"
    if not b_batch:  # one matrix for all of A's batch: the batch is more rows
        return GemmLayer(name, prod(a_batch) * m, n, k, op=op)
    batch = _broadcast(a_batch, b_batch)
    return GemmLayer(name, m, n, k, batch=prod(batch), op=op)


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    width = max(len(a), len(b))
    a, b = (1,) * (width - len(a)) + a, (1,) * (width - len(b)) + b
    return tuple(max(x, y) for x, y in zip(a, b, strict=True))


def _conv(graph: OnnxGraph, node: onnx.NodeProto, name: str) -> tuple[Layer, str]:
    x = _known(graph, node.input[0], name, "input")
    w = _known(graph, node.input[_CONV_WEIGHT[node.op_type]], name, "weight")
    y = _known(graph, node.output[0], name, "output")
    attrs = _attrs(node)
    groups = int(attrs.get("group", 1) or 1)  # type: ignore[call-overload]
    spatial = len(x) - 2
    if spatial in (1, 2) and x[0] == 1 and _ints(attrs, "dilations", [1] * spatial) == \
            [1] * spatial:
        layer = _conv2d(name, x, w, y, attrs, groups)
        if layer is not None:
            return layer, ""
    if x[0] != 1:
        why = f"batch {x[0]}"
    elif spatial not in (1, 2):
        why = f"{spatial}-D"
    elif any(d != 1 for d in _ints(attrs, "dilations", [1])):
        why = "dilation"
    else:
        why = "padding with no symmetric equivalent"
    gemm = GemmLayer(name, prod(y[2:]) * y[0], w[0] // groups, prod(w[1:]), batch=groups)
    return gemm, f"Conv ({why}) lowered to its GEMM"


def _conv2d(name: str, x: tuple[int, ...], w: tuple[int, ...], y: tuple[int, ...],
            attrs: Mapping[str, object], groups: int) -> Conv2dLayer | None:
    """The 2-D batch-1 conv, with a symmetric padding that gives the graph's output size."""
    if len(x) == 3:  # 1-D conv: height 1
        x, w, y = (*x[:2], 1, x[2]), (*w[:2], 1, w[2]), (*y[:2], 1, y[2])
    strides = _ints(attrs, "strides", [1, 1])
    strides = [1, *strides] if len(strides) == 1 else strides
    pads = _ints(attrs, "pads", [])
    if len(pads) == 2:  # 1-D: [begin, end] of the width
        totals = [0, pads[0] + pads[1]]
    elif len(pads) == 4:  # [top, left, bottom, right]
        totals = [pads[0] + pads[2], pads[1] + pads[3]]
    else:  # auto_pad (SAME_*) or none: what the output size implies
        totals = [max(0, (o - 1) * s + k - i)
                  for o, s, k, i in zip(y[2:], strides, w[2:], x[2:], strict=True)]
    chosen = [symmetric_pad(i, k, s, o, t) for i, k, s, o, t in
              zip(x[2:], w[2:], strides, y[2:], totals, strict=True)]
    if chosen[0] is None or chosen[1] is None:
        return None
    return Conv2dLayer(name, x[2], x[3], x[1], w[2], w[3], w[0], strides[0], strides[1],
                       chosen[0], chosen[1], groups)


def symmetric_pad(size: int, kernel: int, stride: int, out: int, total: int) -> int | None:
    """The padding per side (of ``total``, rounded down or up) that gives ``out`` outputs from
    ``size`` inputs: accelsim's convs pad both sides alike, ONNX's may not (pads 0,0,1,1)."""
    for pad in sorted({total // 2, (total + 1) // 2}):
        if (size + 2 * pad - kernel) // stride + 1 == out:
            return pad
    return None
