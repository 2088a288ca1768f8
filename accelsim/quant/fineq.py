"""FineQ (DATE 2025): clusters of 3 weights, one 3-bit outlier each, packed in aligned containers.

The paper publishes the idea (clusters of 3, 3-bit outliers, index and data concatenated for
aligned access, a temporal-coded PE), not the layout or the outlier rule (papers.md §1 [NF]); the
design is ours, every choice a `FineQConfig` field (docs/quantization.md). Defaults:

* sign-magnitude values times a per-output-channel scale: normal ``{-1, 0, 1}``, outliers
  ``{±2, ±3}``; the magnitude is the pulse length of a temporal-coded PE;
* outlier rule ``max_abs``: the largest-|w| member becomes the outlier iff its value does not fit
  the normal range (``|round(w/s)| > 1``); at most ``max_outliers_per_cluster`` per cluster;
* container (LSB first): ``[index | field 0 | field 1 | field 2 | zero padding]``; the index is
  0 = no outlier, 1..3 = which member (the rank of the outlier set among all allowed sets);
* ``outlier_code="offset"``: since the index already says the member is an outlier
  (``|q| >= 2``), its field stores sign + ``|q| - 2`` in 2 bits, so every cluster fits one byte:
  2 + 2·3 = 8 bits, **2.67 bits per weight**. ``"full"`` stores all 3 bits (9 -> 12-bit container).
Level sets, outliers per cluster, packing, container and scale group are pluggable;
``fineq_format`` names the readings of the paper compared in docs/quantization.md §7.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from accelsim.errors import QuantError
from accelsim.quant.fineq_codec import (
    check_int,
    check_magnitudes,
    clusters,
    encode_clusters,
    field_bits,
    fineq_decode,
    signed_levels,
    unclusters,
)
from accelsim.quant.uniform import check_axis, check_weights

OUTLIER_RULES = ("max_abs", "ratio")
OUTLIER_CODES = ("offset", "full")
FINEQ_CALIBRATIONS = ("mse", "minmax")
PACKINGS = ("fields", "enumerated")

__all__ = ["FineQConfig", "FineQTensor", "encode_clusters", "fineq_decode", "fineq_quantize"]


@dataclass(frozen=True)
class FineQConfig:
    """A FineQ cluster format (placeholders where the paper is silent; see module docstring).

    Sign-magnitude level sets: ``normal_magnitudes`` / ``outlier_magnitudes`` (m = ±m), derived
    from the bit widths and ``outlier_code`` unless given (then they replace both)."""

    cluster_size: int = 3
    normal_bits: int = 2
    outlier_bits: int = 3
    max_outliers_per_cluster: int = 1
    outlier_rule: str = "max_abs"
    #: ``ratio`` rule: an outlier only if max|w| > ratio·min|w| in its cluster (papers.md §1 [S])
    outlier_ratio: float = 4.0
    outlier_code: str = "offset"
    #: explicit level sets (magnitudes); None = derived from the bit widths and the code
    normal_magnitudes: tuple[int, ...] | None = None
    outlier_magnitudes: tuple[int, ...] | None = None
    #: "fields" (index + one field per member) or "enumerated" (one number per cluster)
    packing: str = "fields"
    #: containers are padded to a multiple of this (4 = nibble, 8 = byte)
    align_bits: int = 4
    #: fixed container width; None = the smallest multiple of ``align_bits`` that fits
    container_bits: int | None = None
    #: scale shared by this many consecutive inputs (a multiple of cluster_size); None = per channel
    scale_group_size: int | None = None
    #: bits of one stored scale (FP16 by default: an assumption, the paper gives none [NF])
    scale_bits: int = 16
    calibration: str = "mse"
    #: scales tried by ``mse``: max|w|/outlier_max x linspace(mse_max_ratio, mse_min_ratio,
    #: mse_grid); a ratio above 1 leaves the largest level unused but widens the normal levels
    mse_grid: int = 36
    mse_min_ratio: float = 0.3
    mse_max_ratio: float = 1.0

    def __post_init__(self) -> None:
        cs = check_int(self.cluster_size, "cluster_size", 1, 16)
        nb = check_int(self.normal_bits, "normal_bits", 2, 8)
        check_int(self.outlier_bits, "outlier_bits", nb + 1, 8)
        check_int(self.max_outliers_per_cluster, "max_outliers_per_cluster", 0, cs)
        check_int(self.align_bits, "align_bits", 1, 64)
        check_int(self.scale_bits, "scale_bits", 0, 64)
        check_int(self.mse_grid, "mse_grid", 1, 1000)
        for field, allowed in (("outlier_rule", OUTLIER_RULES), ("outlier_code", OUTLIER_CODES),
                               ("calibration", FINEQ_CALIBRATIONS), ("packing", PACKINGS)):
            if getattr(self, field) not in allowed:
                raise QuantError(f"unknown value {getattr(self, field)!r}; expected one of "
                                 f"{allowed}", key_path=field)
        self._check_ratios()
        self._check_level_sets()
        if self.scale_group_size is not None:
            sg = check_int(self.scale_group_size, "scale_group_size", 1, 1 << 30)
            if sg % cs:
                raise QuantError(f"expected a multiple of cluster_size {cs}, got {sg}",
                                 key_path="scale_group_size")
        limit = 62 if self.packing == "enumerated" else 64  # codes stay int64 arithmetic
        if self.required_bits > limit:
            raise QuantError(f"a cluster needs {self.required_bits} bits; at most {limit} fit",
                             key_path="cluster_size")
        if self.container_bits is not None:
            check_int(self.container_bits, "container_bits", self.required_bits, 64)

    def _check_ratios(self) -> None:
        if not (isinstance(self.outlier_ratio, int | float) and self.outlier_ratio >= 1.0):
            raise QuantError(f"expected a ratio >= 1, got {self.outlier_ratio!r}",
                             key_path="outlier_ratio")
        for key in ("mse_min_ratio", "mse_max_ratio"):
            if not (isinstance(getattr(self, key), int | float) and 0 < getattr(self, key) <= 8):
                raise QuantError(f"expected a ratio in (0, 8], got {getattr(self, key)!r}",
                                 key_path=key)

    def _check_level_sets(self) -> None:
        check_magnitudes(self.normal_magnitudes, "normal_magnitudes", need_zero=True)
        check_magnitudes(self.outlier_magnitudes, "outlier_magnitudes", need_zero=False)
        if self.max_outliers_per_cluster and not set(self.outlier_mags) - set(self.normal_mags):
            raise QuantError(f"the outlier levels {self.outlier_mags} add nothing to the normal "
                             f"levels {self.normal_mags}", key_path="outlier_magnitudes")

    # --- level sets -----------------------------------------------------------------------
    @property
    def normal_mags(self) -> tuple[int, ...]:
        """Magnitudes a normal member can take (0 first)."""
        if self.normal_magnitudes is not None:
            return self.normal_magnitudes
        return tuple(range(1 << (self.normal_bits - 1)))

    @property
    def outlier_mags(self) -> tuple[int, ...]:
        """Magnitudes an outlier member can take."""
        if self.outlier_magnitudes is not None:
            return self.outlier_magnitudes
        first = 0 if self.outlier_code == "full" else (1 << (self.normal_bits - 1))
        return tuple(range(first, 1 << (self.outlier_bits - 1)))

    @property
    def normal_levels(self) -> tuple[int, ...]:
        return signed_levels(self.normal_mags)

    @property
    def outlier_levels(self) -> tuple[int, ...]:
        return signed_levels(self.outlier_mags)

    @property
    def outlier_only_levels(self) -> tuple[int, ...]:
        """Outlier levels a normal member cannot take (what an outlier adds)."""
        return tuple(v for v in self.outlier_levels if v not in self.normal_levels)

    @property
    def normal_max(self) -> int:
        return self.normal_mags[-1]

    @property
    def outlier_max(self) -> int:
        """The largest magnitude of the format (the scale maps max|w| onto it)."""
        if self.max_outliers_per_cluster == 0:
            return self.normal_max
        return max(self.outlier_mags[-1], self.normal_max)

    @property
    def value_bits(self) -> int:
        """Sign-magnitude width of the widest value (the PE's weight register)."""
        return 1 + max(1, self.outlier_max.bit_length())

    # --- derived layout -------------------------------------------------------------------
    @cached_property
    def outlier_sets(self) -> tuple[tuple[int, ...], ...]:
        """Allowed outlier member sets; a cluster's index is the rank of its set here."""
        members = range(self.cluster_size)
        return tuple(s for j in range(self.max_outliers_per_cluster + 1)
                     for s in itertools.combinations(members, j))

    @property
    def index_bits(self) -> int:
        if self.packing == "enumerated":
            return 0
        return math.ceil(math.log2(len(self.outlier_sets))) if len(self.outlier_sets) > 1 else 0

    @property
    def normal_field_bits(self) -> int:
        return field_bits(self.normal_mags)

    @property
    def outlier_field_bits(self) -> int:
        return field_bits(self.outlier_mags)

    def _count(self, outlier_choices: int, normal_choices: int) -> int:
        cs = self.cluster_size
        return sum(math.comb(cs, j) * outlier_choices ** j * normal_choices ** (cs - j)
                   for j in range(self.max_outliers_per_cluster + 1))

    @property
    def value_count(self) -> int:
        """Distinct clusters the format can hold (the information it stores)."""
        return self._count(len(self.outlier_only_levels), len(self.normal_levels))

    @property
    def code_count(self) -> int:
        """Containers the decoder accepts as valid (fields: ``-0`` and overlaps included)."""
        if self.packing == "enumerated":
            return self.value_count
        return self._count(len(self.outlier_levels), len(self.normal_levels))

    @property
    def required_bits(self) -> int:
        """Enumerated: bits of the largest code. Fields: index plus the widest data."""
        if self.packing == "enumerated":
            return max(1, (self.value_count - 1).bit_length())
        data = max(j * self.outlier_field_bits + (self.cluster_size - j) * self.normal_field_bits
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
    def information_bits_per_weight(self) -> float:
        """log2 of the distinct clusters over the cluster size: what the container carries."""
        return math.log2(self.value_count) / self.cluster_size

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
    def scale_bits_per_weight(self) -> float:
        """Bits of the stored scales over weights (``cfg.scale_bits`` each)."""
        return self.scale.size * self.cfg.scale_bits / self.q.size

    @property
    def outlier_fraction(self) -> float:
        """Fraction of clusters that hold at least one outlier."""
        flags = clusters(self.outlier, self.axis, self.cfg.cluster_size)
        return float(np.count_nonzero(flags.any(-1)) / self.n_clusters)

    def encode(self) -> np.ndarray:
        """Pack each cluster into one container; shape = weight shape with axis -> clusters."""
        return encode_clusters(self.q, self.outlier, self.cfg, self.axis)


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


def _nearest(u: np.ndarray, levels: tuple[int, ...]) -> np.ndarray:
    """The nearest of the sorted integer ``levels`` (a contiguous range: round half to even)."""
    lo, hi = levels[0], levels[-1]
    if len(levels) == hi - lo + 1:
        near: np.ndarray = np.clip(np.rint(u), lo, hi)
        return near
    table = np.asarray(levels, np.float64)
    return table[np.searchsorted((table[1:] + table[:-1]) / 2, u)]


def _cluster_codes(u: np.ndarray, candidates: np.ndarray, cfg: FineQConfig
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Integer values and outlier flags for clusters ``u = w/s`` of shape (..., cs).

    A candidate becomes an outlier only if its nearest level of the whole format is not a
    normal level, so an outlier's value is always one a normal member cannot take (what the
    ``offset`` code and the ``enumerated`` packing rely on).
    """
    normal = _nearest(u, cfg.normal_levels)
    if cfg.max_outliers_per_cluster == 0:
        return normal.astype(np.int8), np.zeros(u.shape, dtype=bool)
    best = _nearest(u, tuple(sorted(set(cfg.normal_levels) | set(cfg.outlier_levels))))
    out = candidates & ~np.isin(best, cfg.normal_levels)
    return np.where(out, best, normal).astype(np.int8), out


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
    best_err, best = np.full(base.shape, np.inf), base
    for ratio in np.linspace(cfg.mse_max_ratio, cfg.mse_min_ratio, cfg.mse_grid):
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
    wc = clusters(arr, ax, cfg.cluster_size)
    wg, n_groups = _scale_groups(wc, cfg, arr.shape[ax])
    candidates = _candidates(np.abs(wg), cfg)
    scale = _fit_scales(wg, candidates, cfg)
    q, out = _cluster_codes(wg / scale, candidates, cfg)
    q = unclusters(q.reshape(wc.shape), arr.shape, ax)
    out = unclusters(out.reshape(wc.shape), arr.shape, ax)
    moved = tuple(s for i, s in enumerate(arr.shape) if i != ax) + (n_groups,)
    scale_arr = np.moveaxis(scale.reshape(moved), -1, ax)
    return FineQTensor(q=q, outlier=out, scale=scale_arr, cfg=cfg, axis=ax)
