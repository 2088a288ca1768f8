"""Uniform INT-b quantization (Krishnamoorthi 2018): symmetric or affine, per tensor/channel/group.

Weights use the PyTorch layout (axis 0 = output channel, axis 1 = input dimension). A scale (and
zero point) is shared by one *reduction set*: the whole tensor, one output channel, or one group of
``group_size`` consecutive inputs of one output channel. Every set is computed at once on a 2-D
"rows" view of the tensor (one row per set), so no Python loop runs over channels or groups.

Formulas (papers.md §6): affine ``Δ = (x_max − x_min)/(2^b − 1)``, ``z = round(−x_min/Δ)``,
``x_Q = clamp(round(x/Δ) + z, 0, 2^b − 1)``; symmetric ``Δ = max|x| / (2^(b−1) − 1)``, ``z = 0``,
``x_Q = clamp(round(x/Δ), −2^(b−1), 2^(b−1) − 1)``; ``x̂ = (x_Q − z)·Δ``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from accelsim.errors import QuantError

GRANULARITIES = ("tensor", "channel", "group")
CALIBRATIONS = ("minmax", "percentile", "mse")
#: Clipping ratios tried by the MSE calibration, largest first so that ties keep the wider range.
MSE_RATIOS = np.linspace(1.0, 0.2, 81)
_MSE_CHUNK_ELEMS = 1 << 22  # bound on (ratios x elements) evaluated at once


# ----------------------------------------------------------------------------------------------
# validation shared by the quantizers of this package
# ----------------------------------------------------------------------------------------------
def check_bits(bits: object, *, name: str = "bits", lo: int = 2, hi: int = 8) -> int:
    """Return ``bits`` as int, or raise QuantError naming the parameter."""
    if isinstance(bits, bool) or not isinstance(bits, int | np.integer):
        raise QuantError(f"expected an integer number of bits in {lo}..{hi}, got {bits!r}",
                         key_path=name)
    if not lo <= int(bits) <= hi:
        raise QuantError(f"expected bits in {lo}..{hi}, got {bits}", key_path=name)
    return int(bits)


def check_weights(w: object, *, name: str = "w", min_ndim: int = 0) -> np.ndarray:
    """Return ``w`` as a float64 array; raise QuantError on non-numeric, NaN/Inf or empty input."""
    arr = np.asarray(w)
    if arr.dtype.kind not in "biuf":
        raise QuantError(f"expected a real numeric array, got dtype {arr.dtype}", key_path=name)
    if arr.ndim < min_ndim:
        raise QuantError(f"expected at least {min_ndim} dimension(s), got shape {arr.shape}",
                         key_path=name)
    if arr.size == 0:
        raise QuantError(f"expected a non-empty array, got shape {arr.shape}", key_path=name)
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise QuantError(f"contains {bad} NaN/Inf value(s); expected finite weights",
                         key_path=name)
    return arr


def check_axis(axis: int, ndim: int, *, name: str) -> int:
    """Normalize a possibly negative axis, or raise QuantError."""
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer) or not -ndim <= axis < ndim:
        raise QuantError(f"expected an axis in {-ndim}..{ndim - 1}, got {axis!r}", key_path=name)
    return int(axis) % ndim


def int_range(bits: int, signed: bool) -> tuple[int, int]:
    """Representable integer range of a ``bits``-bit two's complement / unsigned value."""
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


# ----------------------------------------------------------------------------------------------
# rows view: one row per reduction set
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Layout:
    shape: tuple[int, ...]
    granularity: str
    axis: int
    group_axis: int
    group_size: int | None

    def to_rows(self, w: np.ndarray) -> np.ndarray:
        if self.granularity == "tensor":
            return w.reshape(1, -1)
        if self.granularity == "channel":
            return np.moveaxis(w, self.axis, 0).reshape(w.shape[self.axis], -1)
        assert self.group_size is not None
        return np.moveaxis(w, self.group_axis, -1).reshape(-1, self.group_size)

    def from_rows(self, rows: np.ndarray) -> np.ndarray:
        if self.granularity == "tensor":
            return rows.reshape(self.shape)
        if self.granularity == "channel":
            moved = (self.shape[self.axis],) + tuple(
                s for i, s in enumerate(self.shape) if i != self.axis)
            return np.moveaxis(rows.reshape(moved), 0, self.axis)
        moved = tuple(s for i, s in enumerate(self.shape) if i != self.group_axis)
        moved += (self.shape[self.group_axis],)
        return np.moveaxis(rows.reshape(moved), -1, self.group_axis)

    def compact(self, per_row: np.ndarray) -> np.ndarray:
        """Per-row parameters in the stored shape (see QuantizedTensor)."""
        if self.granularity == "tensor":
            return per_row.reshape(())
        if self.granularity == "channel":
            return per_row.reshape(self.shape[self.axis])
        assert self.group_size is not None
        moved = tuple(s for i, s in enumerate(self.shape) if i != self.group_axis)
        moved += (self.shape[self.group_axis] // self.group_size,)
        return np.moveaxis(per_row.reshape(moved), -1, self.group_axis)


@dataclass(frozen=True, eq=False)
class QuantizedTensor:
    """Integer codes plus the parameters that map them back to reals.

    ``scale``/``zero_point`` are stored compactly: shape ``()`` per tensor, ``(C,)`` per channel
    (C = ``shape[axis]``), and ``shape`` with ``shape[group_axis]`` divided by ``group_size`` per
    group. ``expanded(param)`` broadcasts either of them against ``q``.
    """

    q: np.ndarray
    scale: np.ndarray
    zero_point: np.ndarray
    bits: int
    signed: bool
    granularity: str
    axis: int
    group_size: int | None
    group_axis: int = 1

    def expanded(self, param: np.ndarray) -> np.ndarray:
        """``param`` (scale or zero point) broadcastable against ``q``."""
        if self.granularity == "tensor":
            return param
        if self.granularity == "channel":
            shape = [1] * self.q.ndim
            shape[self.axis] = self.q.shape[self.axis]
            return param.reshape(shape)
        assert self.group_size is not None
        return np.repeat(param, self.group_size, axis=self.group_axis)

    def dequantize(self) -> NDArray[np.float64]:
        """``(q − z)·Δ`` as float64."""
        zp = self.expanded(self.zero_point).astype(np.int64)
        values: NDArray[np.float64] = (self.q.astype(np.int64) - zp) * self.expanded(self.scale)
        return values

    @property
    def qmin(self) -> int:
        return int_range(self.bits, self.signed)[0]

    @property
    def qmax(self) -> int:
        return int_range(self.bits, self.signed)[1]


# ----------------------------------------------------------------------------------------------
# quantization
# ----------------------------------------------------------------------------------------------
def _row_params(lo: np.ndarray, hi: np.ndarray, bits: int, symmetric: bool
                ) -> tuple[np.ndarray, np.ndarray]:
    """Scale and zero point for the clipping ranges [lo, hi] (any broadcast shape)."""
    if symmetric:
        amax = np.maximum(np.abs(lo), np.abs(hi))
        scale = amax / ((1 << (bits - 1)) - 1)
        zp = np.zeros(scale.shape, dtype=np.int64)
    else:
        lo, hi = np.minimum(lo, 0.0), np.maximum(hi, 0.0)  # real 0 must be representable
        scale = (hi - lo) / ((1 << bits) - 1)
        safe = np.where(scale > 0, scale, 1.0)
        zp = np.clip(np.round(-lo / safe), 0, (1 << bits) - 1).astype(np.int64)
    scale = np.where(scale > 0, scale, 1.0)  # an all-zero set: any scale represents it exactly
    return scale, zp


def _quantize_rows(rows: np.ndarray, scale: np.ndarray, zp: np.ndarray, bits: int,
                   symmetric: bool) -> NDArray[np.int64]:
    qmin, qmax = int_range(bits, symmetric)
    clipped: NDArray[np.float64] = np.clip(np.round(rows / scale) + zp, qmin, qmax)
    return clipped.astype(np.int64)


def _calibrated_range(rows: np.ndarray, bits: int, symmetric: bool, calibration: str,
                      percentile: float, ratios: np.ndarray = MSE_RATIOS
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Per-row clipping range [lo, hi], shape (R, 1) each."""
    if calibration == "percentile":
        if symmetric:
            amax = np.percentile(np.abs(rows), percentile, axis=1, keepdims=True)
            return -amax, amax
        return (np.percentile(rows, 100.0 - percentile, axis=1, keepdims=True),
                np.percentile(rows, percentile, axis=1, keepdims=True))
    lo = rows.min(axis=1, keepdims=True)
    hi = rows.max(axis=1, keepdims=True)
    if calibration == "minmax":
        return lo, hi
    return _mse_range(rows, lo, hi, bits, symmetric, ratios)


def _mse_range(rows: np.ndarray, lo: np.ndarray, hi: np.ndarray, bits: int, symmetric: bool,
               ratios_all: np.ndarray = MSE_RATIOS) -> tuple[np.ndarray, np.ndarray]:
    """Grid search over clipping ratios: for each row, the ratio with the least MSE."""
    best_err = np.full(lo.shape, np.inf)
    best_ratio = np.ones(lo.shape)
    step = max(1, _MSE_CHUNK_ELEMS // rows.size)
    for start in range(0, len(ratios_all), step):
        ratios = ratios_all[start:start + step].reshape(-1, 1, 1)  # (T, 1, 1)
        scale, zp = _row_params(lo * ratios, hi * ratios, bits, symmetric)
        q = _quantize_rows(rows[None], scale, zp, bits, symmetric)
        err = np.mean(((q - zp) * scale - rows[None]) ** 2, axis=2, keepdims=True)  # (T, R, 1)
        idx = np.argmin(err, axis=0)  # first minimum: the largest ratio among ties
        chunk_best = np.take_along_axis(err, idx[None], axis=0)[0]
        better = chunk_best < best_err
        best_err = np.where(better, chunk_best, best_err)
        best_ratio = np.where(better, ratios[idx, 0, 0].reshape(lo.shape), best_ratio)
    return lo * best_ratio, hi * best_ratio


def _check_options(w: np.ndarray, granularity: str, axis: int, group_size: int | None,
                   group_axis: int, calibration: str, percentile: float) -> _Layout:
    if granularity not in GRANULARITIES:
        raise QuantError(f"unknown granularity {granularity!r}; expected one of {GRANULARITIES}",
                         key_path="granularity")
    if calibration not in CALIBRATIONS:
        raise QuantError(f"unknown calibration {calibration!r}; expected one of {CALIBRATIONS}",
                         key_path="calibration")
    if not 50.0 < float(percentile) <= 100.0:
        raise QuantError(f"expected a percentile in (50, 100], got {percentile}",
                         key_path="percentile")
    if granularity == "tensor":
        if group_size is not None:
            raise QuantError("group_size is only used with granularity='group'",
                             key_path="group_size")
        return _Layout(w.shape, granularity, 0, 0, None)
    if w.ndim < 1:
        raise QuantError(f"granularity {granularity!r} needs at least 1 dimension", key_path="w")
    ax = check_axis(axis, w.ndim, name="axis")
    if granularity == "channel":
        if group_size is not None:
            raise QuantError("group_size is only used with granularity='group'",
                             key_path="group_size")
        return _Layout(w.shape, granularity, ax, 0, None)
    gax = check_axis(group_axis, w.ndim, name="group_axis")
    n = w.shape[gax]
    if (group_size is None or isinstance(group_size, bool)
            or not isinstance(group_size, int | np.integer) or group_size < 1):
        raise QuantError(f"expected a group size >= 1 dividing {n}, got {group_size!r}",
                         key_path="group_size")
    if n % group_size:
        raise QuantError(f"group size {group_size} does not divide dimension {gax} "
                         f"of length {n}", key_path="group_size")
    return _Layout(w.shape, granularity, ax, gax, int(group_size))


def quantize_uniform(
    w: np.ndarray,
    bits: int,
    *,
    symmetric: bool = True,
    granularity: str = "tensor",
    axis: int = 0,
    group_size: int | None = None,
    group_axis: int = 1,
    calibration: str = "minmax",
    percentile: float = 99.99,
    name: str = "w",
    mse_ratios: np.ndarray | None = None,
) -> QuantizedTensor:
    """Quantize ``w`` to INT-``bits``; symmetric gives signed codes, affine gives unsigned ones.

    ``calibration``: ``minmax`` (full range), ``percentile`` (clip at the ``percentile`` of |w|,
    or of w on both tails when affine), ``mse`` (least-MSE clipping ratio from ``MSE_RATIOS``,
    chosen independently for every channel/group; ``mse_ratios`` replaces that grid).
    """
    arr = check_weights(w, name=name)
    b = check_bits(bits)
    layout = _check_options(arr, granularity, axis, group_size, group_axis, calibration,
                            percentile)
    rows = layout.to_rows(arr)
    ratios = MSE_RATIOS if mse_ratios is None else np.asarray(mse_ratios, np.float64)
    if ratios.ndim != 1 or ratios.size == 0 or not np.all((ratios > 0) & (ratios <= 1)):
        raise QuantError("expected clipping ratios in (0, 1]", key_path="mse_ratios")
    lo, hi = _calibrated_range(rows, b, symmetric, calibration, percentile, ratios)
    scale, zp = _row_params(lo, hi, b, symmetric)
    q = _quantize_rows(rows, scale, zp, b, symmetric)
    return QuantizedTensor(
        q=layout.from_rows(q),
        scale=layout.compact(scale[:, 0]),
        zero_point=layout.compact(zp[:, 0]),
        bits=b,
        signed=symmetric,
        granularity=granularity,
        axis=layout.axis,
        group_size=layout.group_size,
        group_axis=layout.group_axis,
    )


class Dequantizable(Protocol):
    """A quantized tensor of any scheme (uniform, FineQ): it can give back its float values."""

    def dequantize(self) -> np.ndarray: ...


def quantization_error(w: np.ndarray, qt: Dequantizable | np.ndarray) -> dict[str, float]:
    """MSE, SQNR (dB; inf when exact), max |error| and relative RMSE of a quantized tensor.

    ``qt`` is anything with ``dequantize()`` (uniform, FineQ) or an already dequantized array.
    """
    ref = check_weights(w, name="w")
    approx = qt.dequantize() if hasattr(qt, "dequantize") else np.asarray(qt, dtype=np.float64)
    if approx.shape != ref.shape:
        raise QuantError(f"shape {approx.shape} does not match weights {ref.shape}",
                         key_path="qt")
    err = approx - ref
    mse = float(np.mean(err**2))
    signal = float(np.mean(ref**2))
    sqnr = math.inf if mse == 0 else (10 * math.log10(signal / mse) if signal > 0 else -math.inf)
    return {
        "mse": mse,
        "sqnr_db": sqnr,
        "max_abs_error": float(np.max(np.abs(err))),
        "rel_rmse": math.sqrt(mse / signal) if signal > 0 else math.inf,
    }
