"""Reading an ONNX graph for its shapes only: no weight data, fixed input shapes, inferred dims.

A workload needs the graph's tensor shapes, not its weights, so the file is read with
``load_external_data=False`` (external or stripped weights are fine) and ONNX shape inference
fills in every intermediate shape. Inputs the graph leaves symbolic are fixed first, from the
caller's ``input_shapes`` (``--input-shape``), or, for a leading (batch) dimension alone, to 1
with a note; any other symbolic dimension is an error that names the input and its dims.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from accelsim.errors import WorkloadError

if TYPE_CHECKING:  # onnx is imported only when an ONNX file is read (it is slow to import)
    import onnx

#: Tensor dims with None where the graph leaves a dimension unknown.
Dims = tuple[int | None, ...]


@dataclass(frozen=True)
class OnnxGraph:
    """The inferred graph: nodes in order, every known shape, which tensors are constants
    (initializers, Constant outputs and what is computed from them alone)."""

    name: str
    nodes: tuple[onnx.NodeProto, ...]
    shapes: Mapping[str, Dims]
    constants: frozenset[str]
    notes: tuple[str, ...]


def read_onnx_graph(path: str | Path,
                    input_shapes: Mapping[str, tuple[int, ...]] | None = None) -> OnnxGraph:
    """Read ``path`` without weight data, fix its input shapes and infer all the others."""
    import onnx

    path = Path(path)
    if not path.is_file():
        raise WorkloadError("ONNX file not found", file=str(path))
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # onnx raises DecodeError, OSError, ValueError...  # noqa: BLE001
        raise WorkloadError(f"not a readable ONNX model: {_first_line(exc)}",
                            file=str(path)) from None
    graph = model.graph
    consts = {init.name for init in graph.initializer}
    consts |= {o for n in graph.node if n.op_type == "Constant" for o in n.output}
    notes = _fix_inputs(path, graph, consts, dict(input_shapes or {}))
    try:
        model = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    except Exception as exc:  # noqa: BLE001 - inference rejects inconsistent graphs
        raise WorkloadError(f"ONNX shape inference failed: {_first_line(exc)}",
                            file=str(path)) from None
    return OnnxGraph(model.graph.name or path.stem, tuple(model.graph.node),
                     _shapes(model.graph), frozenset(_fold(model.graph.node, consts)), notes)


def _fold(nodes: Sequence[onnx.NodeProto], consts: set[str]) -> set[str]:
    """Constants plus every tensor computed from constants alone (ConstantOfShape, a
    DequantizeLinear or Transpose of a weight...): exporters fold these, they are weights."""
    out = set(consts)
    for node in nodes:
        ins = [i for i in node.input if i]
        if not node.op_type.startswith("Random") and all(i in out for i in ins):
            out.update(o for o in node.output if o)
    return out


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _dims(vi: onnx.ValueInfoProto) -> Dims | None:
    if not vi.type.HasField("tensor_type") or not vi.type.tensor_type.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
                 for d in vi.type.tensor_type.shape.dim)


def _shapes(graph: onnx.GraphProto) -> dict[str, Dims]:
    """Tensor name -> dims, from initializers, Constant nodes, inputs, value_info, outputs."""
    from onnx import helper

    out: dict[str, Dims] = {init.name: tuple(int(d) for d in init.dims)
                            for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    out[node.output[0]] = tuple(int(d) for d in helper.get_attribute_value(
                        attr).dims)
    for vi in list(graph.input) + list(graph.value_info) + list(graph.output):
        dims = _dims(vi)
        if dims is not None and vi.name not in out:
            out[vi.name] = dims
    return out


def _fix_inputs(path: Path, graph: onnx.GraphProto, consts: set[str],
                given: dict[str, tuple[int, ...]]) -> tuple[str, ...]:
    """Write concrete dims into the graph's (non-constant) inputs; notes on what was assumed."""
    inputs = [vi for vi in graph.input if vi.name not in consts]
    names = [vi.name for vi in inputs]
    if "" in given:  # one shape without a name: the graph's only input
        if len(inputs) != 1:
            raise WorkloadError(f"the graph has {len(inputs)} inputs ({', '.join(names)}); "
                                "name each one: --input-shape NAME=1x3x224x224",
                                file=str(path), key_path="input_shape")
        given[names[0]] = given.pop("")
    for name in given:
        if name not in names:
            raise WorkloadError(f"no graph input named {name!r}; inputs: {', '.join(names)}",
                                file=str(path), key_path="input_shape")
    notes: list[str] = []
    for vi in inputs:
        dims = _dims(vi) or ()
        if vi.name in given:
            _set_dims(path, vi, dims, given[vi.name])
        elif None in dims:
            shown = "x".join("?" if d is None else str(d) for d in dims)
            if dims[0] is None and None not in dims[1:]:
                _set_dims(path, vi, dims, (1, *(int(d) for d in dims[1:] if d is not None)))
                notes.append(f"input {vi.name} has a symbolic batch ({shown}); ran batch 1")
            else:
                raise WorkloadError(f"input {vi.name!r} has symbolic dims {shown}; give them "
                                    f"with --input-shape {vi.name}=D1xD2x...", file=str(path),
                                    key_path="input_shape")
    return tuple(notes)


def _set_dims(path: Path, vi: onnx.ValueInfoProto, dims: Dims, new: tuple[int, ...]) -> None:
    if dims and len(new) != len(dims):
        raise WorkloadError(f"input {vi.name!r} has {len(dims)} dims, the shape given has "
                            f"{len(new)}", file=str(path), key_path="input_shape")
    for i, (old, value) in enumerate(zip(dims, new, strict=False)):
        if old is not None and old != value:
            raise WorkloadError(f"input {vi.name!r} dim {i} is {old} in the graph, not {value}",
                                file=str(path), key_path="input_shape")
    shape = vi.type.tensor_type.shape
    del shape.dim[:]
    for value in new:
        shape.dim.add().dim_value = int(value)


def parse_input_shape(spec: str) -> tuple[str, tuple[int, ...]]:
    """``"1x3x224x224"`` -> ("", dims); ``"input_ids=1x128"`` -> ("input_ids", dims)."""
    name, _, dims = spec.rpartition("=")
    try:
        values = tuple(int(d) for d in dims.lower().split("x"))
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise WorkloadError(f"expected [NAME=]D1xD2x... with positive dims (e.g. "
                            f"1x3x224x224), got {spec!r}", key_path="--input-shape")
    return name.strip(), values
