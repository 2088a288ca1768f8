"""FineQ containers: cluster views of a weight array and the two packings of a cluster.

* ``fields`` (default): ``[index | field 0 | ... | field cs-1 | zero padding]``, LSB first. The
  index is the rank of the cluster's outlier set among the allowed sets; each member's field is
  ``sign << (width - 1) | rank of |q|`` among the magnitudes of its level set (normal or
  outlier). With the default sets ``{0, 1}`` and ``{2, 3}`` this is sign-magnitude for normal
  members and sign + ``(|q| - 2)`` for outliers; the unused codes (``-0``) are the price.
* ``enumerated``: the cluster's value is a number below the count of distinct clusters the
  format can hold (outlier set first, then the members' level ranks in mixed radix), so no code
  is wasted; decoding is arithmetic (or a table of that many entries in hardware).

The config is duck-typed (``FineQConfig``): this module knows no quantizer.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from accelsim.errors import QuantError
from accelsim.quant.uniform import check_axis

if TYPE_CHECKING:
    from accelsim.quant.fineq import FineQConfig


# ----------------------------------------------------------------------------------------------
# level sets
# ----------------------------------------------------------------------------------------------
def check_int(value: object, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        raise QuantError(f"expected an integer in {lo}..{hi}, got {value!r}", key_path=name)
    return int(value)


def check_magnitudes(value: object, name: str, need_zero: bool) -> tuple[int, ...] | None:
    """None, or a strictly increasing tuple of magnitudes in 0..127 (with 0 if ``need_zero``)."""
    if value is None:
        return None
    mags: tuple[object, ...] = value if isinstance(value, tuple) else ()
    ints = [v for v in mags if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 127]
    ok = len(ints) == len(mags) > 0 and all(a < b for a, b in zip(ints, ints[1:], strict=False))
    if not ok or (need_zero and ints[0] != 0):
        what = "starting at 0 " if need_zero else ""
        raise QuantError(f"expected increasing magnitudes {what}in 0..127 (each m stands for "
                         f"the levels +m and -m), got {value!r}", key_path=name)
    return tuple(ints)


def signed_levels(mags: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted({-m for m in mags} | set(mags)))


def field_bits(mags: tuple[int, ...]) -> int:
    """Sign (if any level is nonzero) plus the rank of the magnitude."""
    return (1 if mags[-1] > 0 else 0) + (math.ceil(math.log2(len(mags))) if len(mags) > 1 else 0)


# ----------------------------------------------------------------------------------------------
# cluster views
# ----------------------------------------------------------------------------------------------
def clusters(x: np.ndarray, axis: int, cluster_size: int) -> np.ndarray:
    """(rows, clusters, cluster_size) view of ``x`` along ``axis``, zero-padded at the end."""
    moved = np.moveaxis(x, axis, -1)
    k = moved.shape[-1]
    pad = -k % cluster_size
    if pad:
        moved = np.concatenate([moved, np.zeros(moved.shape[:-1] + (pad,), moved.dtype)], -1)
    return moved.reshape(-1, (k + pad) // cluster_size, cluster_size)


def unclusters(c: np.ndarray, shape: tuple[int, ...], axis: int) -> np.ndarray:
    """Inverse of ``clusters``: drop the padding and restore ``shape``."""
    moved_shape = tuple(s for i, s in enumerate(shape) if i != axis) + (shape[axis],)
    flat = c.reshape(c.shape[0], -1)[:, : shape[axis]]
    return np.moveaxis(flat.reshape(moved_shape), -1, axis)


def set_tables(cfg: FineQConfig) -> tuple[np.ndarray, np.ndarray]:
    """index -> member mask (n_sets, cs) bool, and mask integer -> index (-1 if not allowed)."""
    sets = cfg.outlier_sets
    members = np.zeros((len(sets), cfg.cluster_size), dtype=bool)
    mask_to_index = np.full(1 << cfg.cluster_size, -1, dtype=np.int64)
    for idx, s in enumerate(sets):
        members[idx, list(s)] = True
        mask_to_index[sum(1 << i for i in s)] = idx
    return members, mask_to_index


def _rank(values: np.ndarray, levels: tuple[int, ...]) -> np.ndarray:
    """Position of each value in the sorted tuple ``levels`` (values must be members)."""
    return np.searchsorted(np.asarray(levels, np.int64), values)


# ----------------------------------------------------------------------------------------------
# encoding
# ----------------------------------------------------------------------------------------------
def _fields_encode(qc: np.ndarray, oc: np.ndarray, index: np.ndarray, cfg: FineQConfig
                   ) -> np.ndarray:
    widths, offsets = _field_layout(oc, cfg)
    mag = np.abs(qc)
    rank = np.where(oc, _rank(mag, cfg.outlier_mags),
                    _rank(mag, cfg.normal_mags))
    sign_bit = np.where(widths > 0, widths - np.uint64(1), np.uint64(0))
    sign = np.where(qc < 0, np.uint64(1) << sign_bit, np.uint64(0))
    fields = (sign | rank.astype(np.uint64)) << offsets
    out: np.ndarray = np.bitwise_or.reduce(fields, axis=-1) | index.astype(np.uint64)
    return out


def _radices(cfg: FineQConfig) -> tuple[np.ndarray, np.ndarray]:
    """Per outlier set: the radix of each member (its level count) and the set's first code."""
    members, _ = set_tables(cfg)
    radix = np.where(members, len(cfg.outlier_only_levels), len(cfg.normal_levels))
    starts = np.concatenate([[0], np.cumsum(np.prod(radix, axis=1))[:-1]])
    return radix.astype(np.int64), starts.astype(np.int64)


def _enumerated_encode(qc: np.ndarray, oc: np.ndarray, index: np.ndarray, cfg: FineQConfig
                       ) -> np.ndarray:
    radix, starts = _radices(cfg)
    digit = np.where(oc, _rank(qc, cfg.outlier_only_levels), _rank(qc, cfg.normal_levels))
    r = radix[index]
    place = np.cumprod(np.concatenate([np.ones(r.shape[:-1] + (1,), np.int64), r[..., :-1]],
                                      axis=-1), axis=-1)
    code: np.ndarray = (starts[index] + np.sum(digit * place, axis=-1)).astype(np.uint64)
    return code


def encode_clusters(q: np.ndarray, outlier: np.ndarray, cfg: FineQConfig, axis: int = 1
                    ) -> np.ndarray:
    """Pack integer values and outlier flags into containers (see module docstring)."""
    if np.shape(q) != np.shape(outlier):
        raise QuantError(f"outlier flags {np.shape(outlier)} do not match values {np.shape(q)}",
                         key_path="outlier")
    axis = check_axis(axis, np.ndim(q), name="axis")
    qc = clusters(np.asarray(q, dtype=np.int64), axis, cfg.cluster_size)
    oc = clusters(np.asarray(outlier, dtype=bool), axis, cfg.cluster_size)
    _, mask_to_index = set_tables(cfg)
    index = mask_to_index[np.sum(oc.astype(np.int64) << np.arange(cfg.cluster_size), axis=-1)]
    fits = np.where(oc, np.isin(qc, cfg.outlier_only_levels if cfg.packing == "enumerated"
                                else cfg.outlier_levels), np.isin(qc, cfg.normal_levels))
    if np.any(index < 0) or not np.all(fits):
        raise QuantError("values or outlier flags do not fit the FineQ layout", key_path="q")
    pack = _enumerated_encode if cfg.packing == "enumerated" else _fields_encode
    containers = pack(qc, oc, index, cfg)
    shape = tuple(s for i, s in enumerate(np.shape(q)) if i != axis) + (qc.shape[1],)
    packed: np.ndarray = np.moveaxis(containers.reshape(shape), -1, axis)
    return packed.astype(cfg.container_dtype)


# ----------------------------------------------------------------------------------------------
# decoding
# ----------------------------------------------------------------------------------------------
def _field_layout(is_out: np.ndarray, cfg: FineQConfig) -> tuple[np.ndarray, np.ndarray]:
    """Widths and bit offsets (LSB first, after the index) of each member's field."""
    widths = np.where(is_out, cfg.outlier_field_bits, cfg.normal_field_bits).astype(np.uint64)
    offsets = cfg.index_bits + np.cumsum(widths, axis=-1) - widths
    return widths, offsets.astype(np.uint64)


def _level(rank: np.ndarray, levels: tuple[int, ...]) -> np.ndarray:
    table = np.asarray(levels + (0,), np.int64)  # a rank past the end decodes to 0 (unused)
    values: np.ndarray = table[np.minimum(rank, len(levels))]
    return values


def _fields_decode(flat: np.ndarray, cfg: FineQConfig) -> tuple[np.ndarray, np.ndarray]:
    members, _ = set_tables(cfg)
    index = (flat[..., 0] & np.uint64((1 << cfg.index_bits) - 1)).astype(np.int64)
    if np.any(index >= len(members)):
        raise QuantError(f"container index above {len(members) - 1}: corrupt data",
                         key_path="containers")
    is_out = members[index]
    widths, offsets = _field_layout(is_out, cfg)
    fields = (flat >> offsets) & ((np.uint64(1) << widths) - np.uint64(1))
    has_sign = widths > 0
    sign_bit = np.where(has_sign, widths - np.uint64(1), np.uint64(0))
    rank = (fields & ((np.uint64(1) << sign_bit) - np.uint64(1))).astype(np.int64)
    neg = has_sign & ((fields >> sign_bit) & np.uint64(1)).astype(bool)
    mag = np.where(is_out, _level(rank, cfg.outlier_mags),
                   _level(rank, cfg.normal_mags))
    return np.where(neg, -mag, mag), is_out


def _enumerated_decode(flat: np.ndarray, cfg: FineQConfig) -> tuple[np.ndarray, np.ndarray]:
    code = flat[..., 0].astype(np.int64)
    if np.any(code >= cfg.value_count):
        raise QuantError(f"container code above {cfg.value_count - 1}: corrupt data",
                         key_path="containers")
    radix, starts = _radices(cfg)
    members, _ = set_tables(cfg)
    index = np.searchsorted(starts, code, side="right") - 1
    rest, r = code - starts[index], radix[index]
    digits = []
    for i in range(cfg.cluster_size):
        digits.append(rest % r[..., i])
        rest = rest // r[..., i]
    digit = np.stack(digits, axis=-1)
    is_out = members[index]
    values = np.where(is_out, _level(digit, cfg.outlier_only_levels),
                      _level(digit, cfg.normal_levels))
    return values, is_out


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
    unpack = _enumerated_decode if cfg.packing == "enumerated" else _fields_decode
    q, is_out = unpack(flat, cfg)
    values = unclusters(q.astype(np.int8), shape, ax)
    return (values, unclusters(is_out, shape, ax)) if return_outliers else values
