"""The trace format: one ``.npz`` with a JSON header and plain arrays (no pickle), versioned.

A trace carries what the quantization front-end learned about a model: per layer the GEMM shape,
the precision per operand, the encoding, scales and zero points, the integer weights in GEMM form
``[K, N]`` (``[groups, K, N]`` for convs) or, for large models, only per-tile statistics of the
weight magnitudes (what temporal-coded timing needs), plus PWL tables for non-linear units.

The header (npz entry ``__header__``, UTF-8 JSON) lists every array with its dtype, shape and
SHA-256; the reader checks all of it and names the layer and field that is wrong.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from accelsim.errors import TraceError
from accelsim.files import staged_outputs
from accelsim.workload.layers import (
    Conv2dLayer,
    GemmLayer,
    Layer,
    LayerQuant,
    OperandPrecision,
    TileStats,
    Workload,
)
from accelsim.workload.layers import (
    compute_tile_stats as compute_tile_stats,  # re-exported: part of the trace API
)
from accelsim.workload.trace_zip import HEADER_KEY as HEADER_KEY  # re-exported
from accelsim.workload.trace_zip import read_npz

SCHEMA = "accelsim.trace"
SCHEMA_VERSION = 1
WEIGHT_OPS = ("gemm", "conv2d")
SHAPE_ONLY_OPS = ("attention",)
ENCODINGS = ("uniform", "fineq")
GRANULARITIES = ("tensor", "channel", "group", "cluster")
GEMM_KEYS = ("m", "n", "k", "batch")
CONV_KEYS = ("ifmap_h", "ifmap_w", "channels", "filter_h", "filter_w", "num_filters",
             "stride_h", "stride_w", "pad_h", "pad_w", "groups")


@dataclass(frozen=True)
class LayerError:
    """Weight quantization error of a layer against its float weights."""

    mse: float
    sqnr_db: float


@dataclass(frozen=True)
class TraceLayer:
    """One layer of a trace. Shape-only layers (``attention``) carry no weights or stats."""

    name: str
    op: str
    shape: Mapping[str, int]
    weight: OperandPrecision
    activation: OperandPrecision
    encoding: str = "uniform"
    granularity: str = "channel"
    group_size: int | None = None
    avg_weight_bits: float | None = None
    error: LayerError | None = None
    scale: np.ndarray | None = field(default=None, compare=False, repr=False)
    zero_point: np.ndarray | None = field(default=None, compare=False, repr=False)
    weights_int: np.ndarray | None = field(default=None, compare=False, repr=False)
    stats: TileStats | None = field(default=None, compare=False, repr=False)

    def gemm_kn(self) -> tuple[int, int, int]:
        """``(groups, K, N)`` of the weight matrix in GEMM form."""
        s = self.shape
        if self.op == "conv2d":
            g = s["groups"]
            return g, s["filter_h"] * s["filter_w"] * (s["channels"] // g), s["num_filters"] // g
        return 1, s["k"], s["n"]


@dataclass(frozen=True)
class NonlinearTable:
    """A piecewise-linear table for a non-linear unit (GQA-LUT style)."""

    fn: str
    n_segments: int
    x_min: float
    x_max: float
    breakpoints: np.ndarray = field(compare=False, repr=False)
    slopes: np.ndarray = field(compare=False, repr=False)
    intercepts: np.ndarray = field(compare=False, repr=False)


@dataclass(frozen=True)
class TraceScheme:
    """How the trace was made: scheme name, activation/PSUM precision, APSQ grouping."""

    name: str
    activation_bits: int = 8
    psum_scheme: str | None = None
    psum_bits: int | None = None
    psum_group_size: int | None = None


@dataclass(frozen=True)
class Trace:
    """A quantized model: layers in execution order plus non-linear tables."""

    model: str
    source: str
    scheme: TraceScheme
    layers: tuple[TraceLayer, ...]
    nonlinear: tuple[NonlinearTable, ...] = ()
    producer: str = "accelsim"
    notes: str = ""
    schema_version: int = SCHEMA_VERSION


def array_digest(arr: np.ndarray) -> str:
    h = hashlib.sha256(f"{arr.dtype.str}{arr.shape}".encode())
    h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def _put(arrays: dict[str, np.ndarray], key: str, arr: np.ndarray) -> dict[str, object]:
    arrays[key] = np.ascontiguousarray(arr)
    return {"key": key, "dtype": arr.dtype.str, "shape": list(arr.shape),
            "sha256": array_digest(arr)}


def _layer_header(i: int, lay: TraceLayer, arrays: dict[str, np.ndarray]) -> dict[str, object]:
    refs: dict[str, object] = {}
    for fname in ("scale", "zero_point", "weights_int"):
        arr = getattr(lay, fname)
        if arr is not None:
            refs[fname] = _put(arrays, f"layer{i:04d}.{fname}", arr)
    stats = None
    if lay.stats is not None:
        stats = {"tile_k": lay.stats.tile_k, "tile_n": lay.stats.tile_n}
        for sname, arr in lay.stats.arrays().items():
            refs[f"stats.{sname}"] = _put(arrays, f"layer{i:04d}.stats.{sname}", arr)
    return {
        "name": lay.name, "op": lay.op, "shape": dict(lay.shape),
        "weight": {"bits": lay.weight.bits, "signed": lay.weight.signed},
        "activation": {"bits": lay.activation.bits, "signed": lay.activation.signed},
        "encoding": lay.encoding, "granularity": lay.granularity, "group_size": lay.group_size,
        "avg_weight_bits": lay.avg_weight_bits,
        "error": None if lay.error is None else {
            "mse": lay.error.mse,
            # an exact layer has infinite SQNR, which JSON cannot hold: null
            "sqnr_db": lay.error.sqnr_db if math.isfinite(lay.error.sqnr_db) else None},
        "stats": stats, "arrays": refs,
    }


def trace_header(trace: Trace, arrays: dict[str, np.ndarray]) -> dict[str, object]:
    """The JSON header of ``trace``; fills ``arrays`` with the arrays it references."""
    tables = []
    for j, t in enumerate(trace.nonlinear):
        refs = {a: _put(arrays, f"pwl{j:02d}.{a}", getattr(t, a))
                for a in ("breakpoints", "slopes", "intercepts")}
        tables.append({"fn": t.fn, "n_segments": t.n_segments, "x_range": [t.x_min, t.x_max],
                       "arrays": refs})
    s = trace.scheme
    return {
        "schema": SCHEMA, "schema_version": trace.schema_version, "producer": trace.producer,
        "model": trace.model, "source": trace.source, "notes": trace.notes,
        "scheme": {"name": s.name, "activation_bits": s.activation_bits,
                   "psum_scheme": s.psum_scheme, "psum_bits": s.psum_bits,
                   "psum_group_size": s.psum_group_size},
        "layers": [_layer_header(i, lay, arrays) for i, lay in enumerate(trace.layers)],
        "nonlinear": tables,
    }


def write_trace(path: str | Path, trace: Trace) -> Path:
    """Write ``trace`` (compressed npz). The trace is validated first, as the reader would."""
    from accelsim.workload.trace_check import check_header

    arrays: dict[str, np.ndarray] = {}
    header = trace_header(trace, arrays)
    check_header(header, arrays, str(path))
    blob = json.dumps(header, allow_nan=False, sort_keys=True).encode("utf-8")
    path = Path(path)
    with staged_outputs([path]) as (tmp,), tmp.open("wb") as fh:  # a kill keeps the old trace
        # Numeric arrays only; naming allow_pickle also keeps the array names off that keyword.
        np.savez_compressed(fh, allow_pickle=False,
                            **{HEADER_KEY: np.frombuffer(blob, dtype=np.uint8)}, **arrays)
    return path


def read_trace(path: str | Path) -> Trace:
    """Read and validate a trace; any problem is a ``TraceError`` naming layer and field."""
    from accelsim.workload.trace_check import check_header, trace_from_header

    path = Path(path)
    if not path.is_file():
        raise TraceError("trace file not found", file=str(path))
    header, arrays = read_npz(path)
    check_header(header, arrays, str(path))
    assert isinstance(header, dict)  # check_header refuses anything else
    return trace_from_header(header, arrays)


def _quant(lay: TraceLayer) -> LayerQuant:
    return LayerQuant(weight=lay.weight, activation=lay.activation, encoding=lay.encoding,
                      weights_int=lay.weights_int, avg_weight_bits=lay.avg_weight_bits,
                      tile_stats=lay.stats)


def trace_layer_to_layer(lay: TraceLayer) -> Layer:
    """The simulator's layer for one trace layer, quantization data attached."""
    s = lay.shape
    if lay.op == "conv2d":
        return Conv2dLayer(
            lay.name, ifmap_h=int(s["ifmap_h"]), ifmap_w=int(s["ifmap_w"]),
            channels=int(s["channels"]), filter_h=int(s["filter_h"]),
            filter_w=int(s["filter_w"]), num_filters=int(s["num_filters"]),
            stride_h=int(s["stride_h"]), stride_w=int(s["stride_w"]), pad_h=int(s["pad_h"]),
            pad_w=int(s["pad_w"]), groups=int(s["groups"]), quant=_quant(lay))
    return GemmLayer(lay.name, m=int(s["m"]), n=int(s["n"]), k=int(s["k"]),
                     batch=int(s["batch"]), op=lay.op, quant=_quant(lay))


def trace_to_workload(trace: Trace, source: str) -> Workload:
    """A ``Workload`` the simulator can run, from a (validated) trace."""
    return Workload(trace.model, source, tuple(trace_layer_to_layer(lay)
                                               for lay in trace.layers))


def load_trace_workload(path: str | Path) -> Workload:
    """``read_trace`` then ``trace_to_workload``."""
    return trace_to_workload(read_trace(path), str(path))
