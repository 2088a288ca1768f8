"""Weight import: ``.npz``, ``.safetensors`` and ``.onnx`` files to a list of GEMM-like layers.

Weights are returned in PyTorch layout (Linear ``[out, in]``, Conv ``[out, in/groups, kh, kw]``)
whatever the file used, so that the quantizers see one convention: axis 0 = output channel.
Nothing here needs torch; ``.npz`` is read with ``allow_pickle=False``; safetensors are parsed
from their JSON header (which also gives bf16/fp16 support and precise error messages).
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from accelsim.errors import QuantError
from accelsim.workload.onnx_import import symmetric_pad

if TYPE_CHECKING:  # onnx is imported only when an ONNX file is read (it is slow to import)
    import onnx

SUFFIXES = (".npz", ".safetensors", ".onnx")
_ST_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
    "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_, "BF16": np.uint16,
}
#: 2-D tensors whose name matches this are lookup tables, not GEMM weights.
_LOOKUP = re.compile(r"embed|position_ids|wte|wpe", re.IGNORECASE)


@dataclass(frozen=True)
class ConvGeometry:
    """What a Conv node says beyond its weight: stride, padding, groups, input size if known."""

    stride_h: int = 1
    stride_w: int = 1
    pad_h: int = 0
    pad_w: int = 0
    groups: int = 1
    ifmap_h: int | None = None
    ifmap_w: int | None = None


@dataclass(frozen=True, eq=False)
class ImportedLayer:
    """One layer with weights. ``rows`` is the GEMM M when the file tells it (ONNX shapes)."""

    name: str
    op: str  # "linear" or "conv2d"
    weight: np.ndarray
    bias: np.ndarray | None = None
    rows: int | None = None
    conv: ConvGeometry | None = None

    @property
    def out_features(self) -> int:
        """N of the GEMM (filters for a conv)."""
        return int(self.weight.shape[0])


@dataclass(frozen=True, eq=False)
class ImportedModel:
    """The layers of a weight file, in file (or graph) order, and what was not a layer."""

    name: str
    source: str
    layers: tuple[ImportedLayer, ...]
    skipped: tuple[str, ...] = ()


def _check_file(path: Path) -> None:
    if not path.exists():
        raise QuantError("weight file not found", file=str(path))
    if path.suffix.lower() not in SUFFIXES:
        raise QuantError(f"unsupported weight format {path.suffix!r}; use one of "
                         f"{', '.join(SUFFIXES)}", file=str(path))


def _check_finite(path: Path, name: str, arr: np.ndarray) -> None:
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise QuantError(f"{bad} NaN/Inf values in weights", file=str(path), key_path=name)


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: np.asarray(data[k]) for k in data.files}
    except ValueError as exc:  # object arrays need pickle: refused
        raise QuantError(f"cannot read .npz without pickle: {exc}", file=str(path)) from exc
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise QuantError(f"not a readable .npz file: {exc}", file=str(path)) from exc


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    if len(raw) < 8:
        raise QuantError("truncated safetensors file (no header length)", file=str(path))
    n = int.from_bytes(raw[:8], "little")
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QuantError(f"safetensors header is not JSON: {exc}", file=str(path)) from exc
    except RecursionError:
        raise QuantError("safetensors header is not JSON: nested too deeply",
                         file=str(path)) from None
    if not isinstance(header, dict):
        raise QuantError("safetensors header is not a JSON object", file=str(path))
    body = memoryview(raw)[8 + n:]
    # writers sort the keys as strings; "layer.10" < "layer.2" would scramble the layer order
    names = sorted((k for k in header if k != "__metadata__"), key=_natural_key)
    return {name: _st_tensor(path, name, header[name], body) for name in names}


def _natural_key(name: str) -> list[object]:
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", name)]


def _st_tensor(path: Path, name: str, info: object, body: memoryview) -> np.ndarray:
    try:
        dtype_name = info["dtype"]  # type: ignore[index]
        shape = [int(s) for s in info["shape"]]  # type: ignore[index]
        start, end = (int(o) for o in info["data_offsets"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError) as exc:
        raise QuantError(f"bad tensor entry in header: {exc}", file=str(path),
                         key_path=name) from exc
    if dtype_name not in _ST_DTYPES:
        raise QuantError(f"unsupported dtype {dtype_name}", file=str(path), key_path=name)
    dtype = np.dtype(_ST_DTYPES[dtype_name])
    count = int(np.prod(shape)) if shape else 1
    if not 0 <= start <= end <= len(body) or end - start != count * dtype.itemsize:
        raise QuantError(f"data offsets [{start}, {end}) do not fit shape {shape} {dtype_name}",
                         file=str(path), key_path=name)
    arr = np.frombuffer(body[start:end], dtype=dtype).reshape(shape)
    if dtype_name == "BF16":  # bf16 is the top half of an fp32
        arr = (arr.astype(np.uint32) << 16).view(np.float32)
    return arr.copy()


def read_tensors(path: str | Path) -> dict[str, np.ndarray]:
    """All named tensors of a weight file (ONNX: its initializers and Constant nodes)."""
    path = Path(path)
    _check_file(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return _read_npz(path)
    if suffix == ".safetensors":
        return _read_safetensors(path)
    return dict(_onnx_load(path)[1])


def _layers_from_tensors(path: Path, tensors: dict[str, np.ndarray]) -> ImportedModel:
    """Layers of a plain tensor file: 2-D float = Linear, 4-D float = Conv (geometry unknown)."""
    layers: list[ImportedLayer] = []
    skipped: list[str] = []
    for key, arr in tensors.items():
        if not np.issubdtype(arr.dtype, np.floating) or arr.ndim not in (2, 4) \
                or _LOOKUP.search(key):
            skipped.append(key)
            continue
        _check_finite(path, key, arr)
        name = key[: -len(".weight")] if key.endswith(".weight") else key
        bias = tensors.get(f"{name}.bias") if key.endswith(".weight") else None
        if bias is not None and bias.shape != (arr.shape[0],):
            bias = None
        if bias is not None:
            _check_finite(path, f"{name}.bias", bias)
        op = "linear" if arr.ndim == 2 else "conv2d"
        conv = ConvGeometry() if op == "conv2d" else None
        layers.append(ImportedLayer(name, op, arr.astype(np.float32),
                                    None if bias is None else bias.astype(np.float32),
                                    conv=conv))
    if not layers:
        raise QuantError("no Linear (2-D) or Conv (4-D) float weight tensors found "
                         f"among {len(tensors)} tensors", file=str(path))
    return ImportedModel(path.stem, str(path), tuple(layers), tuple(skipped))


def load_model(path: str | Path, *, include: str | None = None,
               exclude: str | None = None) -> ImportedModel:
    """Import the layers of a weight file; ``include``/``exclude`` are regexes on layer names."""
    path = Path(path)
    _check_file(path)
    if path.suffix.lower() == ".onnx":
        model = _layers_from_onnx(path, *_onnx_load(path))
    else:
        model = _layers_from_tensors(path, read_tensors(path))
    return _filter(model, path, include, exclude)


def _filter(model: ImportedModel, path: Path, include: str | None,
            exclude: str | None) -> ImportedModel:
    try:
        inc = re.compile(include) if include else None
        exc = re.compile(exclude) if exclude else None
    except re.error as err:
        raise QuantError(f"bad layer filter regex: {err}", key_path="include/exclude") from err
    keep = tuple(lay for lay in model.layers
                 if (inc is None or inc.search(lay.name)) and not (exc and exc.search(lay.name)))
    if not keep:
        raise QuantError(f"the layer filter (include={include!r}, exclude={exclude!r}) leaves "
                         f"none of the {len(model.layers)} layers", file=str(path))
    kept = {lay.name for lay in keep}
    dropped = tuple(lay.name for lay in model.layers if lay.name not in kept)
    return ImportedModel(model.name, model.source, keep, model.skipped + dropped)


def _onnx_load(path: Path) -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """The ONNX model with inferred shapes, and its constant tensors by name (folded)."""
    from accelsim.quant.onnx_weights import load_onnx_weights

    model, consts = load_onnx_weights(path)
    for name, arr in consts.items():
        _check_finite(path, name, arr)
    return model, consts


# An ONNX node's attributes by name; values are ints, floats, strings, lists or tensors.
OnnxAttrs = dict[str, Any]
# What a Gemm/MatMul/Conv node imports as: op, weight, bias, GEMM rows, conv geometry.
_Found = tuple[str, np.ndarray, np.ndarray | None, int | None, ConvGeometry | None]


def _attrs(node: onnx.NodeProto) -> OnnxAttrs:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _shapes(model: onnx.ModelProto) -> dict[str, list[int | None]]:
    """Tensor name -> dims (None where symbolic) from inputs, outputs and inferred value_info."""
    out: dict[str, list[int | None]] = {}
    graph = model.graph
    for vi in list(graph.input) + list(graph.value_info) + list(graph.output):
        dims = vi.type.tensor_type.shape.dim
        out[vi.name] = [d.dim_value if d.HasField("dim_value") else None for d in dims]
    return out


def _rows(dims: list[int | None] | None, trans: bool = False) -> int | None:
    """GEMM M of an activation: the product of all but its last (first, if transposed) dim."""
    known = [d for d in dims or () if d is not None]
    if not dims or len(known) < len(dims):
        return None
    lead = known[1:] if trans else known[:-1]
    return int(np.prod(lead)) if lead else 1


def _onnx_gemm(node: onnx.NodeProto, attrs: OnnxAttrs, consts: dict[str, np.ndarray],
               shapes: dict[str, list[int | None]]) -> _Found | None:
    """A Gemm/MatMul whose B is a constant; None for activation x activation products."""
    if len(node.input) < 2 or node.input[1] not in consts:
        return None
    b = consts[node.input[1]].astype(np.float32)
    if b.ndim != 2:
        return None
    if node.op_type == "Gemm":
        w = b if attrs.get("transB", 0) else b.T
        w = w * float(attrs.get("alpha", 1.0))
        c = consts.get(node.input[2]) if len(node.input) > 2 else None
        bias = None if c is None else (c * float(attrs.get("beta", 1.0))).reshape(-1)
        rows = _rows(shapes.get(node.input[0]), bool(attrs.get("transA", 0)))
    else:
        w, bias, rows = b.T, None, _rows(shapes.get(node.input[0]))
    if bias is not None and bias.shape != (w.shape[0],):
        bias = None
    return "linear", np.ascontiguousarray(w), bias, rows, None


def _onnx_conv(path: Path, name: str, node: onnx.NodeProto, attrs: OnnxAttrs,
               consts: dict[str, np.ndarray], shapes: dict[str, list[int | None]]) -> _Found | None:
    if len(node.input) < 2 or node.input[1] not in consts:
        return None
    w = consts[node.input[1]].astype(np.float32)
    if w.ndim != 4:
        raise QuantError(f"only 2-D convolutions are supported (weight is {w.ndim}-D)",
                         file=str(path), key_path=f"{name}.weight")
    if any(d != 1 for d in attrs.get("dilations", [1, 1])):
        raise QuantError("dilated convolutions are not supported", file=str(path),
                         key_path=f"{name}.dilations")
    strides = list(attrs.get("strides", [1, 1]))
    pads = list(attrs.get("pads", [0, 0, 0, 0]))
    dims = shapes.get(node.input[0])
    ih, iw = (dims[2], dims[3]) if dims and len(dims) == 4 else (None, None)
    pad_h, pad_w = _pads(pads, w, strides, (ih, iw), shapes.get(node.output[0]))
    geo = ConvGeometry(int(strides[0]), int(strides[1]), pad_h, pad_w,
                       int(attrs.get("group", 1)), ih, iw)
    bias = consts.get(node.input[2]) if len(node.input) > 2 else None
    return "conv2d", w, bias, None, geo


def _pads(pads: list[int], w: np.ndarray, strides: list[int], ifmap: tuple[int | None, ...],
          out: list[int | None] | None) -> tuple[int, int]:
    """Padding per side; where ONNX pads the two sides differently (0,0,1,1), the symmetric
    padding that gives the graph's output size, so the trace's MACs are the graph's."""
    begin = (int(pads[0]), int(pads[1])) if len(pads) == 4 else (0, 0)
    if len(pads) != 4 or out is None or len(out) != 4 or None in ifmap:
        return begin
    chosen = []
    for axis in (0, 1):
        size, o = ifmap[axis], out[2 + axis]
        pad = None if size is None or o is None else symmetric_pad(
            size, int(w.shape[2 + axis]), int(strides[axis]), o,
            int(pads[axis]) + int(pads[axis + 2]))
        chosen.append(begin[axis] if pad is None else pad)
    return chosen[0], chosen[1]


def _layers_from_onnx(path: Path, model: onnx.ModelProto,
                      consts: dict[str, np.ndarray]) -> ImportedModel:
    """Walk the graph: Gemm/MatMul with a constant operand = Linear, Conv = conv2d."""
    shapes = _shapes(model)
    layers: list[ImportedLayer] = []
    skipped: list[str] = []
    for idx, node in enumerate(model.graph.node):
        if node.op_type not in ("Gemm", "MatMul", "Conv"):
            continue
        name = node.name or f"{node.op_type.lower()}_{idx}"
        attrs = _attrs(node)
        found = (_onnx_conv(path, name, node, attrs, consts, shapes) if node.op_type == "Conv"
                 else _onnx_gemm(node, attrs, consts, shapes))
        if found is None:
            skipped.append(f"{name} ({node.op_type} without a constant weight)")
            continue
        op, w, bias, rows, geo = found
        layers.append(ImportedLayer(name, op, w, None if bias is None
                                    else np.asarray(bias, np.float32), rows, geo))
    if not layers:
        raise QuantError("no Gemm, MatMul or Conv node with constant weights in the graph",
                         file=str(path))
    return ImportedModel(model.graph.name or path.stem, str(path), tuple(layers),
                         tuple(skipped))
