"""Validation of trace headers and arrays, and construction of ``Trace`` from a checked header.

Every check raises ``TraceError(file=..., key_path=...)`` with a key path such as
``layers[encoder.layer.0.attention.self.query].weights_int``: the layer by name and the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal, overload

import numpy as np

from accelsim.errors import TraceError
from accelsim.workload import trace as tr
from accelsim.workload.layers import OperandPrecision, TileStats, compute_tile_stats

_TOP = {"schema", "schema_version", "producer", "model", "source", "notes", "scheme", "layers",
        "nonlinear"}
_SCHEME = {"name", "activation_bits", "psum_scheme", "psum_bits", "psum_group_size"}
_LAYER = {"name", "op", "shape", "weight", "activation", "encoding", "granularity", "group_size",
          "avg_weight_bits", "error", "stats", "arrays"}
_REF = {"key", "dtype", "shape", "sha256"}
_STATS = ("max_abs", "sum_abs", "nonzero", "hist")


class _Checker:
    """Carries the file name and the arrays; ``fail`` builds the error."""

    def __init__(self, path: str, arrays: Mapping[str, np.ndarray]) -> None:
        self.path = path
        self.arrays = arrays
        self.used: set[str] = set()

    def fail(self, where: str, msg: str) -> TraceError:
        return TraceError(msg, file=self.path, key_path=where)

    def keys(self, obj: object, where: str, expected: set[str]) -> dict[str, Any]:
        if not isinstance(obj, dict):
            raise self.fail(where, f"expected an object, found {type(obj).__name__}")
        missing, extra = expected - obj.keys(), obj.keys() - expected
        if missing:
            raise self.fail(f"{where}.{sorted(missing)[0]}", "missing field")
        if extra:
            raise self.fail(f"{where}.{sorted(extra)[0]}", "unknown field")
        return obj

    def typed(self, value: object, where: str, kind: type | tuple[type, ...],
              optional: bool = False) -> Any:
        if value is None and optional:
            return None
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
            raise self.fail(where, f"expected {getattr(kind, '__name__', kind)}, "
                                   f"found {value!r}")
        return value

    @overload
    def int_in(self, value: object, where: str, lo: int, hi: int | None = None,
               optional: Literal[False] = False) -> int: ...

    @overload
    def int_in(self, value: object, where: str, lo: int, hi: int | None = None, *,
               optional: Literal[True]) -> int | None: ...

    def int_in(self, value: object, where: str, lo: int, hi: int | None = None,
               optional: bool = False) -> int | None:
        v: int | None = self.typed(value, where, int, optional)
        if v is not None and (v < lo or (hi is not None and v > hi)):
            raise self.fail(where, f"{v} is out of range [{lo}, {hi if hi else 'inf'}]")
        return v

    def one_of(self, value: object, where: str, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(where, f"{value!r} is not one of {', '.join(allowed)}")
        return str(value)

    def array(self, ref: object, where: str) -> np.ndarray:
        ref = self.keys(ref, where, _REF)
        key = self.typed(ref["key"], f"{where}.key", str)
        if key not in self.arrays:
            raise self.fail(where, f"array {key!r} is not in the file")
        arr = self.arrays[key]
        if arr.dtype.str != ref["dtype"] or list(arr.shape) != ref["shape"]:
            raise self.fail(where, f"array {key!r} is {arr.dtype.str}{list(arr.shape)}, header "
                                   f"says {ref['dtype']}{ref['shape']}")
        if tr.array_digest(arr) != ref["sha256"]:
            raise self.fail(where, f"array {key!r} does not match its sha256 (file altered?)")
        self.used.add(key)
        return arr


def check_header(header: object, arrays: Mapping[str, np.ndarray], path: str) -> None:
    """Raise ``TraceError`` unless header and arrays form a consistent, current-version trace."""
    c = _Checker(path, arrays)
    if not isinstance(header, dict):
        raise c.fail(tr.HEADER_KEY, "header is not a JSON object")
    if header.get("schema") != tr.SCHEMA:
        raise c.fail("schema", f"expected {tr.SCHEMA!r}, found {header.get('schema')!r}")
    version = header.get("schema_version")
    if version != tr.SCHEMA_VERSION or isinstance(version, bool):
        raise c.fail("schema_version", f"version {version!r} is not supported (this accelsim "
                                       f"reads version {tr.SCHEMA_VERSION})")
    h = c.keys(header, "header", _TOP)
    for k in ("producer", "model", "source", "notes"):
        c.typed(h[k], k, str)
    _check_scheme(c, h["scheme"])
    layers = c.typed(h["layers"], "layers", list)
    if not layers:
        raise c.fail("layers", "a trace needs at least one layer")
    names: set[str] = set()
    for i, lay in enumerate(layers):
        name = _check_layer(c, i, lay)
        if name in names:
            raise c.fail(f"layers[{name}].name", "duplicate layer name")
        names.add(name)
    for j, table in enumerate(c.typed(h["nonlinear"], "nonlinear", list)):
        _check_table(c, f"nonlinear[{j}]", table)
    extra = set(arrays) - c.used
    if extra:
        raise c.fail(sorted(extra)[0], "array not referenced by the header")


def _check_scheme(c: _Checker, scheme: object) -> None:
    s = c.keys(scheme, "scheme", _SCHEME)
    c.typed(s["name"], "scheme.name", str)
    c.int_in(s["activation_bits"], "scheme.activation_bits", 1, 32)
    if s["psum_scheme"] is not None:
        c.one_of(s["psum_scheme"], "scheme.psum_scheme", ("apsq",))
    c.int_in(s["psum_bits"], "scheme.psum_bits", 1, 64, optional=True)
    c.int_in(s["psum_group_size"], "scheme.psum_group_size", 1, optional=True)


def _precision(c: _Checker, obj: object, where: str) -> OperandPrecision:
    d = c.keys(obj, where, {"bits", "signed"})
    return OperandPrecision(c.int_in(d["bits"], f"{where}.bits", 1, 32),
                            c.typed(d["signed"], f"{where}.signed", bool))


def _check_shape(c: _Checker, where: str, op: str, shape: object) -> dict[str, int]:
    keys = tr.CONV_KEYS if op == "conv2d" else tr.GEMM_KEYS
    s = c.keys(shape, where, set(keys))
    for k in keys:
        c.int_in(s[k], f"{where}.{k}", 0 if k.startswith("pad") else 1)
    if op == "conv2d":
        if s["channels"] % s["groups"] or s["num_filters"] % s["groups"]:
            raise c.fail(f"{where}.groups", "groups must divide channels and num_filters")
        if s["ifmap_h"] + 2 * s["pad_h"] < s["filter_h"] or \
                s["ifmap_w"] + 2 * s["pad_w"] < s["filter_w"]:
            raise c.fail(f"{where}.filter_h", "filter larger than the padded ifmap")
    return s


def _check_layer(c: _Checker, i: int, obj: object) -> str:
    d = c.keys(obj, f"layers[{i}]", _LAYER)
    name: str = c.typed(d["name"], f"layers[{i}].name", str)
    w = f"layers[{name}]"
    op = c.one_of(d["op"], f"{w}.op", tr.WEIGHT_OPS + tr.SHAPE_ONLY_OPS)
    layer = tr.TraceLayer(
        name, op, _check_shape(c, f"{w}.shape", op, d["shape"]),
        _precision(c, d["weight"], f"{w}.weight"),
        _precision(c, d["activation"], f"{w}.activation"),
        c.one_of(d["encoding"], f"{w}.encoding", tr.ENCODINGS),
        c.one_of(d["granularity"], f"{w}.granularity", tr.GRANULARITIES),
        c.int_in(d["group_size"], f"{w}.group_size", 1, optional=True))
    if layer.granularity == "group" and layer.group_size is None:
        raise c.fail(f"{w}.group_size", "granularity 'group' needs a group_size")
    bits = c.typed(d["avg_weight_bits"], f"{w}.avg_weight_bits", (int, float), optional=True)
    if bits is not None and not 0 < bits <= 32:
        raise c.fail(f"{w}.avg_weight_bits", f"{bits} is out of range (0, 32]")
    if d["error"] is not None:
        e = c.keys(d["error"], f"{w}.error", {"mse", "sqnr_db"})
        c.typed(e["mse"], f"{w}.error.mse", (int, float))
        c.typed(e["sqnr_db"], f"{w}.error.sqnr_db", (int, float), optional=True)
    refs = c.typed(d["arrays"], f"{w}.arrays", dict)
    if op in tr.SHAPE_ONLY_OPS:
        if refs or d["stats"] is not None:
            raise c.fail(f"{w}.arrays", f"a {op} layer carries no weights or stats")
        return name
    _check_weight_arrays(c, w, layer, refs, d["stats"])
    return name


def _qrange(p: OperandPrecision) -> tuple[int, int]:
    return (-(1 << (p.bits - 1)), (1 << (p.bits - 1)) - 1) if p.signed else (0, (1 << p.bits) - 1)


def _check_weight_arrays(c: _Checker, w: str, layer: tr.TraceLayer, refs: dict[str, Any],
                         stats: object) -> None:
    allowed = {"scale", "zero_point", "weights_int"} | {f"stats.{s}" for s in _STATS}
    for key in refs:
        if key not in allowed:
            raise c.fail(f"{w}.arrays.{key}", "unknown array")
    for need in ("scale", "zero_point"):
        if need not in refs:
            raise c.fail(f"{w}.arrays.{need}", "missing array")
    groups, k, n = layer.gemm_kn()
    scale = c.array(refs["scale"], f"{w}.scale")
    if scale.dtype.kind != "f" or not np.all(np.isfinite(scale)) or np.any(scale <= 0):
        raise c.fail(f"{w}.scale", "scales must be finite positive floats")
    if scale.ndim not in (1, 2) or scale.shape[0] not in (1, n * groups):
        raise c.fail(f"{w}.scale", f"shape {list(scale.shape)} fits neither 1 nor N={n * groups}")
    zp = c.array(refs["zero_point"], f"{w}.zero_point")
    if zp.dtype.kind not in "iu" or zp.shape != scale.shape:
        raise c.fail(f"{w}.zero_point", "zero points must be integers shaped like the scales")
    q = None
    if "weights_int" in refs:
        q = c.array(refs["weights_int"], f"{w}.weights_int")
        want = (k, n) if layer.op == "gemm" else (groups, k, n)
        if q.dtype.kind not in "iu" or q.shape != want:
            raise c.fail(f"{w}.weights_int", f"expected integers of shape {list(want)}, found "
                                             f"{q.dtype.str}{list(q.shape)}")
        lo, hi = _qrange(layer.weight)
        if q.size and (q.min() < lo or q.max() > hi):
            raise c.fail(f"{w}.weights_int", f"values [{q.min()}, {q.max()}] exceed the "
                                             f"{layer.weight.bits}-bit range [{lo}, {hi}]")
    _check_stats(c, w, layer, refs, stats, q)


def _check_stats(c: _Checker, w: str, layer: tr.TraceLayer, refs: dict[str, Any],
                 stats: object, q: np.ndarray | None) -> None:
    s = c.keys(stats, f"{w}.stats", {"tile_k", "tile_n"})
    tk = c.int_in(s["tile_k"], f"{w}.stats.tile_k", 1)
    tn = c.int_in(s["tile_n"], f"{w}.stats.tile_n", 1)
    groups, k, n = layer.gemm_kn()
    got = {}
    for name in _STATS:
        if f"stats.{name}" not in refs:
            raise c.fail(f"{w}.arrays.stats.{name}", "missing array")
        got[name] = c.array(refs[f"stats.{name}"], f"{w}.stats.{name}")
    want = (groups, -(-k // tk), -(-n // tn))
    for name in ("max_abs", "sum_abs", "nonzero"):
        if got[name].shape != want or got[name].dtype.kind not in "iu":
            raise c.fail(f"{w}.stats.{name}", f"expected integers of shape {list(want)}")
    hist = got["hist"]
    if hist.ndim != 1 or hist.dtype.kind not in "iu" or int(hist.sum()) != groups * k * n:
        raise c.fail(f"{w}.stats.hist", f"histogram must count all {groups * k * n} weights")
    limit = max(abs(v) for v in _qrange(layer.weight))
    if got["max_abs"].size and int(got["max_abs"].max()) > limit or len(hist) > limit + 1:
        raise c.fail(f"{w}.stats.max_abs", f"magnitudes exceed the {layer.weight.bits}-bit range")
    if q is not None:
        ref = compute_tile_stats(q, tk, tn).arrays()
        for name in _STATS:
            r, g = ref[name], got[name]
            if r.shape[0] != g.shape[0] or not np.array_equal(
                    np.trim_zeros(r, "b") if name == "hist" else r,
                    np.trim_zeros(g, "b") if name == "hist" else g):
                raise c.fail(f"{w}.stats.{name}", "statistics do not match weights_int")


def _check_table(c: _Checker, where: str, obj: object) -> None:
    t = c.keys(obj, where, {"fn", "n_segments", "x_range", "arrays"})
    c.typed(t["fn"], f"{where}.fn", str)
    nseg = c.int_in(t["n_segments"], f"{where}.n_segments", 1, 4096)
    xr = c.typed(t["x_range"], f"{where}.x_range", list)
    if len(xr) != 2 or not all(isinstance(v, int | float) for v in xr) or xr[0] >= xr[1]:
        raise c.fail(f"{where}.x_range", "expected [x_min, x_max] with x_min < x_max")
    refs = c.keys(t["arrays"], f"{where}.arrays", {"breakpoints", "slopes", "intercepts"})
    bp = c.array(refs["breakpoints"], f"{where}.breakpoints")
    for name in ("slopes", "intercepts"):
        arr = c.array(refs[name], f"{where}.{name}")
        if arr.shape != (nseg,) or not np.all(np.isfinite(arr)):
            raise c.fail(f"{where}.{name}", f"expected {nseg} finite values")
    if bp.shape != (nseg - 1,) or not np.all(np.isfinite(bp)) or np.any(np.diff(bp) < 0):
        raise c.fail(f"{where}.breakpoints", f"expected {nseg - 1} sorted finite values")


def trace_from_header(header: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> tr.Trace:
    """Build the ``Trace`` of a header that ``check_header`` accepted."""
    layers = tuple(_layer_from(d, arrays) for d in header["layers"])
    tables = tuple(
        tr.NonlinearTable(t["fn"], t["n_segments"], float(t["x_range"][0]),
                          float(t["x_range"][1]),
                          *(arrays[t["arrays"][a]["key"]]
                            for a in ("breakpoints", "slopes", "intercepts")))
        for t in header["nonlinear"])
    s = header["scheme"]
    scheme = tr.TraceScheme(s["name"], s["activation_bits"], s["psum_scheme"], s["psum_bits"],
                            s["psum_group_size"])
    return tr.Trace(header["model"], header["source"], scheme, layers, tables,
                    header["producer"], header["notes"], header["schema_version"])


def _layer_from(d: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> tr.TraceLayer:
    refs = d["arrays"]

    def need(name: str) -> np.ndarray:
        return arrays[refs[name]["key"]]

    def arr(name: str) -> np.ndarray | None:
        return need(name) if name in refs else None

    stats = None
    if d["stats"] is not None:  # check_header made sure that all its arrays are there
        stats = TileStats(d["stats"]["tile_k"], d["stats"]["tile_n"],
                          *(need(f"stats.{s}") for s in _STATS))
    err = d["error"]
    return tr.TraceLayer(
        d["name"], d["op"], dict(d["shape"]),
        OperandPrecision(d["weight"]["bits"], d["weight"]["signed"]),
        OperandPrecision(d["activation"]["bits"], d["activation"]["signed"]),
        d["encoding"], d["granularity"], d["group_size"], d["avg_weight_bits"],
        None if err is None else tr.LayerError(
            float(err["mse"]), math.inf if err["sqnr_db"] is None else float(err["sqnr_db"])),
        arr("scale"), arr("zero_point"), arr("weights_int"), stats)
