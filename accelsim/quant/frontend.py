"""The quantization front-end: imported weights + a scheme -> a ``Trace`` and a per-layer report.

Schemes: ``int2`` .. ``int8`` (uniform symmetric; per-channel by default, per-group with
``granularity="group"``; ``int4`` defaults to per-group) and ``fineq`` (clusters of 3 with 3-bit
outliers). Weights go to the trace in GEMM form ``B[K, N] = W^T`` (conv: ``[groups, K, N]`` with K
ordered (channel, kh, kw) as PyTorch flattens it). APSQ and PWL options are recorded in the trace
(they act on activations and PSUMs at run time; see ``accuracy.py`` for their effect on MiniLM).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from accelsim.errors import AccelsimError, QuantError
from accelsim.quant.fineq import FineQConfig, fineq_quantize
from accelsim.quant.model_import import ImportedLayer, ImportedModel
from accelsim.quant.pwl import FUNCTIONS, evaluate_pwl_float, fit_pwl_genetic
from accelsim.quant.uniform import quantization_error, quantize_uniform
from accelsim.workload.layers import OperandPrecision
from accelsim.workload.trace import (
    LayerError,
    NonlinearTable,
    Trace,
    TraceLayer,
    TraceScheme,
    compute_tile_stats,
)

UNIFORM_BITS = range(2, 9)
SCHEME_NAMES = tuple(f"int{b}" for b in UNIFORM_BITS) + ("fineq",)
PSUM_SCHEMES = ("apsq",)
PWL_FUNCTIONS = tuple(FUNCTIONS)


@dataclass(frozen=True)
class PwlRequest:
    """Fit a ``n_segments``-segment PWL table for ``fn`` (GQA-LUT genetic search)."""

    fn: str
    n_segments: int = 8
    population: int = 50
    generations: int = 200
    seed: int = 0


@dataclass(frozen=True)
class QuantOptions:
    """Everything ``quantize_model`` needs besides the weights (CLI flags map 1:1 onto these)."""

    scheme: str = "int8"
    granularity: str | None = None  # None: "group" for int4 and below, else "channel"
    group_size: int = 64
    calibration: str = "minmax"
    activation_bits: int = 8
    psum: str | None = None
    psum_bits: int = 8
    psum_group_size: int = 2
    pwl: tuple[PwlRequest, ...] = ()
    rows: int = 1  # GEMM M of linear layers when the file does not say (tokens, batch)
    ifmap_hw: tuple[int, int] | None = None  # conv input size when the file does not say
    stat_tile: tuple[int, int] = (8, 8)
    store_weights: str | None = ".*"  # regex of layers whose integer weights go in the trace
    fineq: FineQConfig | None = None

    @property
    def weight_bits(self) -> int:
        if self.scheme == "fineq":
            return (self.fineq or FineQConfig()).value_bits
        return int(self.scheme[3:])

    def resolved_granularity(self) -> str:
        if self.scheme == "fineq":
            return "channel" if (self.fineq or FineQConfig()).scale_group_size is None \
                else "group"
        if self.granularity is not None:
            return self.granularity
        return "group" if self.weight_bits <= 4 else "channel"


def check_options(opts: QuantOptions) -> None:
    """Reject unknown schemes, bit widths and sizes before any work, naming the option."""
    if opts.scheme not in SCHEME_NAMES:
        m = re.fullmatch(r"int(\d+)", opts.scheme)
        hint = (f"bit width {m.group(1)} is not supported (2..8)" if m
                else f"unknown scheme {opts.scheme!r}")
        raise QuantError(f"{hint}; choose one of {', '.join(SCHEME_NAMES)}", key_path="scheme")
    if opts.granularity not in (None, "tensor", "channel", "group"):
        raise QuantError(f"unknown granularity {opts.granularity!r} (tensor, channel, group)",
                         key_path="granularity")
    for name, value, lo, hi in (("activation_bits", opts.activation_bits, 2, 16),
                                ("psum_bits", opts.psum_bits, 2, 32),
                                ("psum_group_size", opts.psum_group_size, 1, 1 << 16),
                                ("group_size", opts.group_size, 1, 1 << 20),
                                ("rows", opts.rows, 1, 1 << 30)):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise QuantError(f"expected an integer in {lo}..{hi}, got {value!r}", key_path=name)
    if opts.psum is not None and opts.psum not in PSUM_SCHEMES:
        raise QuantError(f"unknown PSUM scheme {opts.psum!r} (apsq)", key_path="psum")
    for req in opts.pwl:
        if req.fn not in PWL_FUNCTIONS:
            raise QuantError(f"no PWL target {req.fn!r}; choose one of "
                             f"{', '.join(PWL_FUNCTIONS)}", key_path="pwl")
        if not 2 <= req.n_segments <= 64:
            raise QuantError(f"{req.n_segments} segments: expected 2..64", key_path="pwl")
    if min(opts.stat_tile) < 1:
        raise QuantError(f"bad stat tile {opts.stat_tile}", key_path="stat_tile")


@dataclass(frozen=True)
class LayerReport:
    """One row of the ``accelsim quantize`` table."""

    name: str
    op: str
    shape: str
    weights: int
    avg_bits: float
    mse: float
    sqnr_db: float
    stored: bool


@dataclass(frozen=True)
class QuantReport:
    """Per-layer errors, weighted average bits, and the fitted PWL tables' errors."""

    scheme: str
    layers: tuple[LayerReport, ...]
    pwl_mse: tuple[tuple[str, int, float], ...] = ()

    @property
    def total_weights(self) -> int:
        return sum(r.weights for r in self.layers)

    @property
    def avg_bits(self) -> float:
        """Code bits per weight over the model (scales not included)."""
        return sum(r.avg_bits * r.weights for r in self.layers) / max(self.total_weights, 1)


@dataclass(frozen=True)
class QuantizedMatrix:
    """A quantized ``[out, in]`` matrix: integer codes, scales, the dequantized floats."""

    q: np.ndarray
    scale: np.ndarray
    zero_point: np.ndarray
    dequantized: np.ndarray
    bits: int
    avg_bits: float
    encoding: str


def quantize_matrix(w: np.ndarray, opts: QuantOptions, name: str = "w") -> QuantizedMatrix:
    """Quantize one ``[out, in]`` weight matrix with the scheme of ``opts``."""
    if opts.scheme == "fineq":
        ft = fineq_quantize(w, opts.fineq, axis=1, name=name)
        return QuantizedMatrix(ft.q, ft.scale, np.zeros(ft.scale.shape, np.int32),
                               ft.dequantize(), ft.cfg.value_bits, ft.avg_bits_per_weight,
                               "fineq")
    gran = opts.resolved_granularity()
    group = opts.group_size if gran == "group" else None
    if group is not None and w.shape[1] % group:
        raise QuantError(f"group size {group} does not divide the input dimension "
                         f"{w.shape[1]}; pick another --weight-group-size (or "
                         "--granularity channel)", key_path=f"{name}.weight")
    qt = quantize_uniform(w, opts.weight_bits, symmetric=True, granularity=gran, axis=0,
                          group_size=group, group_axis=1, calibration=opts.calibration,
                          name=name)
    scale = np.asarray(qt.scale).reshape((1,) if gran == "tensor" else qt.scale.shape)
    return QuantizedMatrix(qt.q, scale, np.zeros(scale.shape, np.int32), qt.dequantize(),
                           opts.weight_bits, float(opts.weight_bits), "uniform")


def _gemm_form(q: np.ndarray, groups: int | None) -> np.ndarray:
    """``[out, K]`` codes -> ``[K, N]`` for a linear layer (``groups`` None) or
    ``[groups, K, N/groups]`` for a conv (also when ungrouped: the trace keeps the group axis),
    in the smallest int dtype."""
    dtype = np.int8 if q.min() >= -128 and q.max() <= 127 else np.int16
    if groups is None:
        return np.ascontiguousarray(q.T).astype(dtype)
    n = q.shape[0] // groups
    return np.stack([q[g * n:(g + 1) * n].T for g in range(groups)]).astype(dtype)


def _shape(lay: ImportedLayer, opts: QuantOptions) -> dict[str, int]:
    w = lay.weight
    if lay.op == "linear":
        return {"m": lay.rows or opts.rows, "n": int(w.shape[0]), "k": int(w.shape[1]),
                "batch": 1}
    geo = lay.conv
    assert geo is not None
    ih, iw = (geo.ifmap_h, geo.ifmap_w) if geo.ifmap_h else (opts.ifmap_hw or (None, None))
    if ih is None or iw is None:
        raise QuantError("the input size of this conv is not in the file; pass --ifmap HxW "
                         "or use an .onnx model", key_path=f"{lay.name}.ifmap")
    return {"ifmap_h": int(ih), "ifmap_w": int(iw), "channels": int(w.shape[1] * geo.groups),
            "filter_h": int(w.shape[2]), "filter_w": int(w.shape[3]),
            "num_filters": int(w.shape[0]), "stride_h": geo.stride_h, "stride_w": geo.stride_w,
            "pad_h": geo.pad_h, "pad_w": geo.pad_w, "groups": geo.groups}


def quantize_layer(lay: ImportedLayer, opts: QuantOptions) -> tuple[TraceLayer, LayerReport]:
    """Quantize one imported layer into a trace layer and its report row."""
    w2d = lay.weight.reshape(lay.weight.shape[0], -1).astype(np.float64)
    qm = quantize_matrix(w2d, opts, lay.name)
    err = quantization_error(w2d, qm.dequantized)
    q_kn = _gemm_form(qm.q, lay.conv.groups if lay.conv else None)
    keep = opts.store_weights is not None and re.search(opts.store_weights, lay.name)
    gran = opts.resolved_granularity()
    shape = _shape(lay, opts)
    tl = TraceLayer(
        name=lay.name, op="gemm" if lay.op == "linear" else "conv2d", shape=shape,
        weight=OperandPrecision(qm.bits, True),
        activation=OperandPrecision(opts.activation_bits, True),
        encoding=qm.encoding, granularity="cluster" if qm.encoding == "fineq" else gran,
        group_size=((opts.fineq or FineQConfig()).cluster_size if qm.encoding == "fineq"
                    else opts.group_size if gran == "group" else None),
        avg_weight_bits=qm.avg_bits,
        error=LayerError(err["mse"], err["sqnr_db"]),
        scale=qm.scale.astype(np.float32), zero_point=qm.zero_point.astype(np.int32),
        weights_int=q_kn if keep else None,
        stats=compute_tile_stats(q_kn, *opts.stat_tile))
    row = LayerReport(lay.name, tl.op, "x".join(str(v) for v in shape.values()),
                      int(w2d.size), qm.avg_bits, err["mse"], err["sqnr_db"], bool(keep))
    return tl, row


def fit_tables(requests: tuple[PwlRequest, ...]) -> tuple[tuple[NonlinearTable, float], ...]:
    """Fit the requested PWL tables; returns each with its MSE on a fine grid of its range."""
    out = []
    for req in requests:
        table = fit_pwl_genetic(req.fn, req.n_segments, population=req.population,
                                generations=req.generations, seed=req.seed)
        lo, hi = table.x_range
        x = np.linspace(lo, hi, 801)
        mse = float(np.mean((evaluate_pwl_float(x, table) - FUNCTIONS[req.fn].fn(x)) ** 2))
        out.append((NonlinearTable(req.fn, table.n_segments, lo, hi, table.breakpoints,
                                   table.slopes, table.intercepts), mse))
    return tuple(out)


def quantize_model(model: ImportedModel, opts: QuantOptions) -> tuple[Trace, QuantReport]:
    """Quantize every layer of ``model``; the trace is ready for ``write_trace``."""
    check_options(opts)
    layers, rows = [], []
    for lay in model.layers:
        try:
            tl, row = quantize_layer(lay, opts)
        except AccelsimError as exc:
            if isinstance(exc, QuantError) and exc.file is None:
                exc = QuantError(exc.message, file=model.source,
                                 key_path=exc.key_path or lay.name)
            raise exc from None
        layers.append(tl)
        rows.append(row)
    tables = fit_tables(opts.pwl)
    scheme = TraceScheme(opts.scheme, opts.activation_bits, opts.psum,
                         opts.psum_bits if opts.psum else None,
                         opts.psum_group_size if opts.psum else None)
    stored = sum(r.stored for r in rows)
    notes = "" if stored == len(rows) else (
        f"integer weights stored for {stored} of {len(rows)} layers; the others carry "
        f"per-tile statistics only")
    trace = Trace(model.name, model.source, scheme, tuple(layers),
                  tuple(t for t, _ in tables), producer=_producer(), notes=notes)
    report = QuantReport(opts.scheme, tuple(rows),
                         tuple((t.fn, t.n_segments, mse) for t, mse in tables))
    return trace, report


def _producer() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"accelsim {version('accelsim')}"
    except PackageNotFoundError:
        return "accelsim"
