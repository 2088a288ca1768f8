"""The weights of an ONNX model: initializers, ``Constant`` nodes and what constants compute.

Exporters do not always store a weight as an initializer: ``light_*`` models and some tools fill
weights with ``ConstantOfShape``, quantized exports store ``int8`` codes behind a
``DequantizeLinear``, others add a ``Transpose`` or ``Reshape``. Every node whose inputs are all
constants is evaluated here (``ConstantOfShape`` with numpy, the rest with ONNX's reference
evaluator), so the importer finds those weights like any initializer. Weights kept in external
files are read from next to the model; a missing file or an initializer without data (weights
stripped from the export) is a ``QuantError`` that names the tensor.
"""

from __future__ import annotations

from math import prod
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from accelsim.errors import QuantError

if TYPE_CHECKING:
    import onnx

#: Ops never folded: random, control flow, or with a graph attribute.
_NO_FOLD = ("RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
            "Multinomial", "Bernoulli", "If", "Loop", "Scan")
#: Largest tensor folded (elements): bigger results are not weights an importer needs.
_MAX_FOLD = 1 << 28
_DATA_FIELDS = ("raw_data", "float_data", "int32_data", "int64_data", "double_data",
                "uint64_data", "string_data")


def load_onnx_weights(path: Path) -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """The model (shapes inferred where possible) and its constant tensors by name."""
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # onnx raises DecodeError, OSError, ValueError...  # noqa: BLE001
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise QuantError(f"not a readable ONNX model: {text}", file=str(path)) from None
    _read_external(path, model)
    try:
        model = onnx.shape_inference.infer_shapes(model)
    except Exception:  # noqa: BLE001 - shapes are optional; layers then have rows=None
        pass
    return model, _constants(path, model)


def _read_external(path: Path, model: onnx.ModelProto) -> None:
    from onnx import TensorProto
    from onnx.external_data_helper import load_external_data_for_model

    external = [t for t in model.graph.initializer
                if t.data_location == TensorProto.EXTERNAL]
    for tensor in external:
        where = {e.key: e.value for e in tensor.external_data}.get("location", "")
        if not (path.parent / where).is_file():
            raise QuantError(f"the weights are in an external file {where!r} that is not "
                             f"next to the model ({len(external)} tensors point to external "
                             "files); copy it beside the .onnx, or run the graph without "
                             "weights with `accelsim run --workload`", file=str(path),
                             key_path=tensor.name)
    if external:
        try:
            load_external_data_for_model(model, str(path.parent))
        except Exception as exc:  # noqa: BLE001 - truncated or unreadable external files
            raise QuantError(f"cannot read the external weights: {exc}", file=str(path)) from None


def _constants(path: Path, model: onnx.ModelProto) -> dict[str, np.ndarray]:
    from onnx import helper, numpy_helper

    graph = model.graph
    stripped = [t.name for t in graph.initializer
                if prod(t.dims) > 0 and not any(len(getattr(t, f)) for f in _DATA_FIELDS)]
    if stripped:
        raise QuantError(f"{len(stripped)} initializers have shapes but no data (weights "
                         "stripped from the export); quantize needs the weight values, "
                         "`accelsim run --workload` needs only the shapes", file=str(path),
                         key_path=stripped[0])
    consts = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 17)
    for node in graph.node:
        if node.op_type == "Constant":
            attr = next((a for a in node.attribute if a.name == "value"), None)
            if attr is not None:
                consts[node.output[0]] = numpy_helper.to_array(helper.get_attribute_value(attr))
            continue
        ins = [i for i in node.input if i]
        if node.domain not in ("", "ai.onnx") or node.op_type in _NO_FOLD or \
                not all(i in consts for i in ins):
            continue
        for name, value in zip(node.output, _fold(node, [consts[i] for i in ins], opset),
                               strict=False):
            if name:
                consts[name] = value
    return consts


def _fold(node: onnx.NodeProto, inputs: list[np.ndarray], opset: int) -> list[np.ndarray]:
    """The outputs of ``node`` on constant ``inputs``; [] when it cannot be evaluated."""
    from onnx import helper, numpy_helper

    if node.op_type == "ConstantOfShape":
        shape = tuple(int(d) for d in inputs[0].reshape(-1))
        attr = next((a for a in node.attribute if a.name == "value"), None)
        fill = (np.zeros(1, np.float32) if attr is None
                else numpy_helper.to_array(helper.get_attribute_value(attr)).reshape(-1))
        return [np.full(shape, fill[0], dtype=fill.dtype)] if prod(shape) <= _MAX_FOLD else []
    from onnx.defs import onnx_opset_version
    from onnx.reference import ReferenceEvaluator

    names = [i for i in node.input if i]
    graph = helper.make_graph(
        [node], "fold",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
         for n, a in zip(names, inputs, strict=True)],
        [helper.make_empty_tensor_value_info(o) for o in node.output if o])
    feeds = dict(zip(names, inputs, strict=True))
    # The evaluator implements some ops from a later opset only (DequantizeLinear from 19);
    # on constants the newer definition gives the same values.
    for version in dict.fromkeys((opset, onnx_opset_version())):
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", version)])
        try:
            outs = ReferenceEvaluator(model).run(None, feeds)
        except Exception:  # noqa: BLE001, S112 - an op the evaluator lacks: try the next
            continue
        return [np.asarray(o) for o in outs if np.size(o) <= _MAX_FOLD]
    return []
