"""FineQ (DATE 2025): clusters of 3 weights, one 3-bit outlier each, packed in aligned containers.

The paper publishes the idea (clusters of 3 along the input dimension, 3-bit outliers, "index and
data concatenated" for aligned memory access, a temporal-coded PE) but not the layout or the
outlier rule (papers.md §1 [NF]). The design below is ours; every choice is a `FineQConfig` field
and docs/quantization.md gives the reasons. Defaults:

* values are sign-magnitude integers times a per-output-channel scale: normal members
  ``{-1, 0, 1}`` (2 bits), outliers ``{-3..3}`` (3 bits); the magnitude is the pulse length of a
  temporal-coded PE, so sign-magnitude (not two's complement) is the natural code;
* outlier rule ``max_abs``: the largest-|w| member becomes the outlier iff its value does not fit
  the normal range (``|round(w/s)| > 1``); at most ``max_outliers_per_cluster`` per cluster;
* container (LSB first): ``[index | field 0 | field 1 | field 2 | zero padding]``; the index is
  0 = no outlier, 1..3 = which member (the rank of the outlier set among all allowed sets);
* ``outlier_code="offset"``: since the index already says the member is an outlier
  (``|q| >= 2``), its field stores sign + ``|q| - 2`` in 2 bits, so every cluster fits one byte:
  2 + 2·3 = 8 bits, **2.67 bits per weight**. ``"full"`` stores all 3 bits (9 -> 12-bit container).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from accelsim.errors import QuantError
from accelsim.quant.uniform import (
    check_axis,
    check_weights,
)

OUTLIER_RULES = ("max_abs", "ratio")
OUTLIER_CODES = ("offset", "full")
FINEQ_CALIBRATIONS = ("mse", "minmax")


def _check_int(value: object, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        raise QuantError(f"expected an integer in {lo}..{hi}, got {value!r}", key_path=name)
    return int(value)


@dataclass(frozen=True)
class FineQConfig:
    """FineQ format parameters (placeholders where the paper is silent; see module docstring)."""

    cluster_size: int = 3
    normal_bits: int = 2
    outlier_bits: int = 3
    max_outliers_per_cluster: int = 1
    outlier_rule: str = "max_abs"
    #: for ``outlier_rule="ratio"``: a cluster may hold an outlier only if max|w| > ratio·min|w|
    #: (the truncated rule of papers.md §1 [S]), on top of the saturation test.
    outlier_ratio: float = 4.0
    outlier_code: str = "offset"
    #: containers are padded to a multiple of this (4 = nibble, 8 = byte)
    align_bits: int = 4
    #: fixed container width; None = the smallest multiple of ``align_bits`` that fits
    container_bits: int | None = None
    #: scale shared by this many consecutive inputs (a multiple of cluster_size); None = per channel
    scale_group_size: int | None = None
    calibration: str = "mse"
    #: clipping ratios tried by the ``mse`` calibration (linspace(1, 0.3, mse_grid))
    mse_grid: int = 36

    def __post_init__(self) -> None:
        cs = _check_int(self.cluster_size, "cluster_size", 1, 16)
        nb = _check_int(self.normal_bits, "normal_bits", 2, 8)
        _check_int(self.outlier_bits, "outlier_bits", nb + 1, 8)
        _check_int(self.max_outliers_per_cluster, "max_outliers_per_cluster", 0, cs)
        _check_int(self.align_bits, "align_bits", 1, 64)
        _check_int(self.mse_grid, "mse_grid", 1, 1000)
        for field, allowed in (("outlier_rule", OUTLIER_RULES), ("outlier_code", OUTLIER_CODES),
                               ("calibration", FINEQ_CALIBRATIONS)):
            if getattr(self, field) not in allowed:
                raise QuantError(f"unknown value {getattr(self, field)!r}; expected one of "
                                 f"{allowed}", key_path=field)
        if not (isinstance(self.outlier_ratio, int | float) and self.outlier_ratio >= 1.0):
            raise QuantError(f"expected a ratio >= 1, got {self.outlier_ratio!r}",
                             key_path="outlier_ratio")
        if self.scale_group_size is not None:
            sg = _check_int(self.scale_group_size, "scale_group_size", 1, 1 << 30)
            if sg % cs:
                raise QuantError(f"expected a multiple of cluster_size {cs}, got {sg}",
                                 key_path="scale_group_size")
        if self.required_bits > 64:
            raise QuantError(f"a cluster needs {self.required_bits} bits; at most 64 fit",
                             key_path="cluster_size")
        if self.container_bits is not None:
            _check_int(self.container_bits, "container_bits", self.required_bits, 64)

    # --- derived layout -------------------------------------------------------------------
    @property
    def normal_max(self) -> int:
        return (1 << (self.normal_bits - 1)) - 1

    @property
    def outlier_max(self) -> int:
        return (1 << (self.outlier_bits - 1)) - 1

    @cached_property
    def outlier_sets(self) -> tuple[tuple[int, ...], ...]:
        """Allowed outlier member sets; a cluster's index is the rank of its set here."""
        members = range(self.cluster_size)
        return tuple(s for j in range(self.max_outliers_per_cluster + 1)
                     for s in itertools.combinations(members, j))

    @property
    def index_bits(self) -> int:
        return math.ceil(math.log2(len(self.outlier_sets))) if len(self.outlier_sets) > 1 else 0

    @property
    def outlier_field_bits(self) -> int:
        if self.outlier_code == "full":
            return self.outlier_bits
        return 1 + math.ceil(math.log2(self.outlier_max - self.normal_max))

    @property
    def required_bits(self) -> int:
        """Index plus the widest data a cluster can need."""
        data = max(j * self.outlier_field_bits + (self.cluster_size - j) * self.normal_bits
                   for j in range(self.max_outliers_per_cluster + 1))
        return self.index_bits + data

    @property
    def container_width(self) -> int:
        if self.container_bits is not None:
            return self.container_bits
        return -(-self.required_bits // self.align_bits) * self.align_bits

    @property
    def bits_per_weight(self) -> float:
        """Nominal average: container bits / cluster size (scales not included)."""
        return self.container_width / self.cluster_size

    @property
    def container_dtype(self) -> type[np.unsignedinteger]:
        for bits, dt in ((8, np.uint8), (16, np.uint16), (32, np.uint32)):
            if self.container_width <= bits:
                return dt
        return np.uint64


@dataclass(frozen=True, eq=False)
class FineQTensor:
    """FineQ-quantized weights: ``q`` integers (sign-magnitude values), ``outlier`` flags, scales.

    ``scale`` has the weight shape with ``shape[axis]`` replaced by the number of scale groups
    (1 = per output channel), so it broadcasts after ``np.repeat`` along ``axis``.
    """

    q: np.ndarray
    outlier: np.ndarray
    scale: np.ndarray
    cfg: FineQConfig
    axis: int

    @property
    def scale_group(self) -> int:
        return self.cfg.scale_group_size or self.q.shape[self.axis]

    def dequantize(self) -> NDArray[np.float64]:
        values: NDArray[np.float64] = self.q * np.repeat(self.scale, self.scale_group,
                                                          axis=self.axis)
        return values

    def magnitudes(self) -> NDArray[np.uint8]:
        """|q| per weight: the pulse length (cycles) of a temporal-coded multiplier."""
        magnitudes: NDArray[np.uint8] = np.abs(self.q).astype(np.uint8)
        return magnitudes

    @property
    def n_clusters(self) -> int:
        k: int = self.q.shape[self.axis]
        return (self.q.size // k) * -(-k // self.cfg.cluster_size)

    @property
    def avg_bits_per_weight(self) -> float:
        """Container bits over weights, including the padding of a ragged last cluster."""
        return self.n_clusters * self.cfg.container_width / self.q.size

    @property
    def outlier_fraction(self) -> float:
        """Fraction of clusters that hold at least one outlier."""
        return float(np.count_nonzero(_clusters(self.outlier, self.axis, self.cfg).any(-1))
                     / self.n_clusters)

    def encode(self) -> np.ndarray:
        """Pack each cluster into one container; shape = weight shape with axis -> clusters."""
        return encode_clusters(self.q, self.outlier, self.cfg, self.axis)


# ----------------------------------------------------------------------------------------------
# cluster views
# ----------------------------------------------------------------------------------------------
def _clusters(x: np.ndarray, axis: int, cfg: FineQConfig) -> np.ndarray:
    """(rows, clusters, cluster_size) view of ``x`` along ``axis``, zero-padded at the end."""
    moved = np.moveaxis(x, axis, -1)
    k = moved.shape[-1]
    pad = -k % cfg.cluster_size
    if pad:
        moved = np.concatenate([moved, np.zeros(moved.shape[:-1] + (pad,), moved.dtype)], -1)
    return moved.reshape(-1, (k + pad) // cfg.cluster_size, cfg.cluster_size)


def _unclusters(c: np.ndarray, shape: tuple[int, ...], axis: int) -> np.ndarray:
    moved_shape = tuple(s for i, s in enumerate(shape) if i != axis) + (shape[axis],)
    flat = c.reshape(c.shape[0], -1)[:, : shape[axis]]
    return np.moveaxis(flat.reshape(moved_shape), -1, axis)


def _set_tables(cfg: FineQConfig) -> tuple[np.ndarray, np.ndarray]:
    """index -> member mask (n_sets, cs) bool, and mask integer -> index (-1 if not allowed)."""
    sets = cfg.outlier_sets
    members = np.zeros((len(sets), cfg.cluster_size), dtype=bool)
    mask_to_index = np.full(1 << cfg.cluster_size, -1, dtype=np.int64)
    for idx, s in enumerate(sets):
        members[idx, list(s)] = True
        mask_to_index[sum(1 << i for i in s)] = idx
    return members, mask_to_index


# ----------------------------------------------------------------------------------------------
# quantization
# ----------------------------------------------------------------------------------------------
def _rank_by_magnitude(u: np.ndarray) -> np.ndarray:
    """Rank of each member by decreasing |u| within its cluster (ties: lower member first)."""
    a = np.abs(u)
    if u.shape[-1] == 1:
        return np.zeros(u.shape, dtype=np.int64)
    if u.shape[-1] == 3:  # the default, unrolled: 3 comparisons instead of a sort
        a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
        g01, g02, g12 = a0 >= a1, a0 >= a2, a1 >= a2
        return np.stack([(~g01).astype(np.int64) + ~g02, g01 + (~g12).astype(np.int64),
                         g02.astype(np.int64) + g12], axis=-1)
    i = np.arange(u.shape[-1])
    ahead = (a[..., None, :] > a[..., :, None]) | (
        (a[..., None, :] == a[..., :, None]) & (i[None, :] < i[:, None]))
    ranks: NDArray[np.int64] = ahead.sum(-1)
    return ranks


def _candidates(absw: np.ndarray, cfg: FineQConfig) -> np.ndarray:
    """Members allowed to be outliers: the top-m by |w| (and the ratio test). Scale-free."""
    m = cfg.max_outliers_per_cluster
    if m == 0:
        return np.zeros(absw.shape, dtype=bool)
    top = _rank_by_magnitude(absw) < m
    if cfg.outlier_rule == "ratio":
        top &= (absw.max(-1) > cfg.outlier_ratio * absw.min(-1))[..., None]
    return top


def _cluster_codes(u: np.ndarray, candidates: np.ndarray, cfg: FineQConfig
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Integer values and outlier flags for clusters ``u = w/s`` of shape (..., cs).

    A candidate becomes an outlier only if it does not fit the normal range, so an outlier's
    magnitude is always above ``normal_max`` (what the ``offset`` code relies on).
    """
    r = np.rint(u)
    out = candidates & (np.abs(r) > cfg.normal_max)
    lim = np.where(out, cfg.outlier_max, cfg.normal_max)
    return np.clip(r, -lim, lim).astype(np.int8), out


def _scale_groups(wc: np.ndarray, cfg: FineQConfig, k: int) -> tuple[np.ndarray, int]:
    """Reshape clusters (R, C, cs) to (R, G, C/G, cs) scale groups; returns (view, G)."""
    sg = cfg.scale_group_size or wc.shape[1] * cfg.cluster_size
    if cfg.scale_group_size is not None and k % sg:
        raise QuantError(f"scale group size {sg} does not divide the input dimension {k}",
                         key_path="scale_group_size")
    n_groups = wc.shape[1] * cfg.cluster_size // sg
    return wc.reshape(wc.shape[0], n_groups, -1, cfg.cluster_size), n_groups


def _fit_scales(wg: np.ndarray, candidates: np.ndarray, cfg: FineQConfig) -> np.ndarray:
    """Per scale group: max|w|/outlier_max times the least-MSE ratio (or 1 for ``minmax``)."""
    amax = np.abs(wg).max(axis=(2, 3), keepdims=True)
    base = np.where(amax > 0, amax, 1.0) / cfg.outlier_max
    if cfg.calibration == "minmax":
        return base
    best_err = np.full(base.shape, np.inf)
    best = base
    for ratio in np.linspace(1.0, 0.3, cfg.mse_grid):
        s = base * ratio
        q, _ = _cluster_codes(wg / s, candidates, cfg)
        err = np.sum((q * s - wg) ** 2, axis=(2, 3), keepdims=True)
        better = err < best_err
        best_err = np.where(better, err, best_err)
        best = np.where(better, s, best)
    return best


def fineq_quantize(w: np.ndarray, cfg: FineQConfig | None = None, axis: int = 1, *,
                   name: str = "w") -> FineQTensor:
    """Quantize weights (PyTorch layout, ``axis`` = input dim) to the FineQ format of ``cfg``."""
    cfg = cfg or FineQConfig()
    arr = check_weights(w, name=name, min_ndim=1)
    ax = check_axis(axis, arr.ndim, name="axis")
    wc = _clusters(arr, ax, cfg)
    wg, n_groups = _scale_groups(wc, cfg, arr.shape[ax])
    candidates = _candidates(np.abs(wg), cfg)
    scale = _fit_scales(wg, candidates, cfg)
    q, out = _cluster_codes(wg / scale, candidates, cfg)
    q = _unclusters(q.reshape(wc.shape), arr.shape, ax)
    out = _unclusters(out.reshape(wc.shape), arr.shape, ax)
    moved = tuple(s for i, s in enumerate(arr.shape) if i != ax) + (n_groups,)
    scale_arr = np.moveaxis(scale.reshape(moved), -1, ax)
    return FineQTensor(q=q, outlier=out, scale=scale_arr, cfg=cfg, axis=ax)


# ----------------------------------------------------------------------------------------------
# container encoding
# ----------------------------------------------------------------------------------------------
def _field_layout(is_out: np.ndarray, cfg: FineQConfig) -> tuple[np.ndarray, np.ndarray]:
    """Widths and bit offsets (LSB first, after the index) of each member's field."""
    widths = np.where(is_out, cfg.outlier_field_bits, cfg.normal_bits).astype(np.uint64)
    offsets = cfg.index_bits + np.cumsum(widths, axis=-1) - widths
    return widths, offsets.astype(np.uint64)


def encode_clusters(q: np.ndarray, outlier: np.ndarray, cfg: FineQConfig, axis: int = 1
                    ) -> np.ndarray:
    """Pack integer values and outlier flags into containers (see module docstring)."""
    if np.shape(q) != np.shape(outlier):
        raise QuantError(f"outlier flags {np.shape(outlier)} do not match values {np.shape(q)}",
                         key_path="outlier")
    axis = check_axis(axis, np.ndim(q), name="axis")
    qc = _clusters(np.asarray(q, dtype=np.int64), axis, cfg)
    oc = _clusters(np.asarray(outlier, dtype=bool), axis, cfg)
    _, mask_to_index = _set_tables(cfg)
    mask = np.sum(oc.astype(np.int64) << np.arange(cfg.cluster_size), axis=-1)
    index = mask_to_index[mask]
    mag = np.abs(qc)
    limit = np.where(oc, cfg.outlier_max, cfg.normal_max)
    bad_offset = cfg.outlier_code == "offset" and bool(np.any(oc & (mag <= cfg.normal_max)))
    if np.any(index < 0) or np.any(mag > limit) or bad_offset:
        raise QuantError("values or outlier flags do not fit the FineQ layout", key_path="q")
    widths, offsets = _field_layout(oc, cfg)
    if cfg.outlier_code == "offset":
        mag = np.where(oc, mag - cfg.normal_max - 1, mag)
    sign = (qc < 0).astype(np.uint64) << (widths - np.uint64(1))
    fields = (sign | mag.astype(np.uint64)) << offsets
    containers = np.bitwise_or.reduce(fields, axis=-1) | index.astype(np.uint64)
    shape = tuple(s for i, s in enumerate(np.shape(q)) if i != axis) + (qc.shape[1],)
    packed: np.ndarray = np.moveaxis(containers.reshape(shape), -1, axis)
    return packed.astype(cfg.container_dtype)


def fineq_decode(containers: np.ndarray, cfg: FineQConfig, shape: tuple[int, ...], axis: int = 1,
                 *, return_outliers: bool = False
                 ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Integer values (int8, ``shape``) from containers; optionally also the outlier flags."""
    c = np.asarray(containers)
    ax = check_axis(axis, len(shape), name="axis")
    n_clusters = -(-shape[ax] // cfg.cluster_size)
    expect = tuple(n_clusters if i == ax else s for i, s in enumerate(shape))
    if c.dtype.kind != "u" or c.shape != expect:
        raise QuantError(f"expected unsigned containers of shape {expect}, got {c.dtype} "
                         f"{c.shape}", key_path="containers")
    flat = np.moveaxis(c.astype(np.uint64), ax, -1).reshape(-1, n_clusters)[..., None]
    index = (flat[..., 0] & np.uint64((1 << cfg.index_bits) - 1)).astype(np.int64)
    members, _ = _set_tables(cfg)
    if np.any(index >= len(members)):
        raise QuantError(f"container index above {len(members) - 1}: corrupt data",
                         key_path="containers")
    is_out = members[index]
    widths, offsets = _field_layout(is_out, cfg)
    fields = (flat >> offsets) & ((np.uint64(1) << widths) - np.uint64(1))
    mag = (fields & ((np.uint64(1) << (widths - np.uint64(1))) - np.uint64(1))).astype(np.int64)
    neg = (fields >> (widths - np.uint64(1))).astype(bool)
    if cfg.outlier_code == "offset":
        mag = np.where(is_out, mag + cfg.normal_max + 1, mag)
    q = np.where(neg, -mag, mag).astype(np.int8)
    values = _unclusters(q, shape, ax)
    return (values, _unclusters(is_out, shape, ax)) if return_outliers else values
