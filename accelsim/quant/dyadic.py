"""Dyadic requantization (HAWQ-V3): a real multiplier ``m`` becomes ``m0 / 2**shift``.

An INT32 accumulator is rescaled to the next layer's integer grid with one integer multiply, one
add of a rounding constant and one arithmetic right shift, then the zero point and a clamp. No
division and no floating point run on the data path, which is what integer-only accelerators do.

Rounding is "round half up" (``floor(x + 1/2)``): adding ``2**(shift-1)`` before an arithmetic right
shift. It differs from numpy's round-half-to-even only on exact ties.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from accelsim.errors import QuantError
from accelsim.quant.uniform import check_bits

#: Largest right shift used; keeps ``1 << shift`` and the rounding constant inside int64.
MAX_SHIFT = 62
_INT64_LIMIT = 1 << 63


def dyadic_from_real(m: float, bits: int = 31) -> tuple[int, int]:
    """Return ``(m0, shift)`` with ``m ≈ m0 / 2**shift``, ``0 <= m0 < 2**bits``, ``0 <= shift``.

    ``m0`` is normalized to use all ``bits`` bits (relative error <= ``2**-bits``) unless the
    shift would exceed ``MAX_SHIFT`` (tiny ``m``), where precision is given up instead.
    """
    b = check_bits(bits, name="bits", lo=1, hi=62)
    if isinstance(m, bool) or not isinstance(m, int | float | np.integer | np.floating):
        raise QuantError(f"expected a real multiplier, got {m!r}", key_path="m")
    mf = float(m)
    if not math.isfinite(mf) or mf < 0:
        raise QuantError(f"expected a finite multiplier >= 0, got {mf}", key_path="m")
    if mf == 0.0:
        return 0, 0
    frac, exp = math.frexp(mf)  # mf = frac * 2**exp, 0.5 <= frac < 1
    m0 = round(frac * (1 << b))
    shift = b - exp
    if m0 == 1 << b:  # rounding reached the next power of two
        m0 >>= 1
        shift -= 1
    if shift < 0:
        raise QuantError(f"multiplier {mf} needs a left shift; expected m < 2**{b - 1}",
                         key_path="m")
    if shift > MAX_SHIFT:
        drop = shift - MAX_SHIFT
        m0 = (m0 + (1 << (drop - 1))) >> drop
        shift = MAX_SHIFT
    return int(m0), int(shift)


def dyadic_from_real_array(m: np.ndarray, bits: int = 31) -> tuple[np.ndarray, np.ndarray]:
    """Element-wise ``dyadic_from_real`` (per-channel multipliers); int64 arrays of m's shape."""
    arr = np.asarray(m, dtype=np.float64)
    pairs = [dyadic_from_real(float(v), bits) for v in arr.ravel()]
    m0 = np.array([p[0] for p in pairs], dtype=np.int64).reshape(arr.shape)
    shift = np.array([p[1] for p in pairs], dtype=np.int64).reshape(arr.shape)
    return m0, shift


def _as_int_array(x: object, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu":
        raise QuantError(f"expected integers, got dtype {arr.dtype}", key_path=name)
    return arr.astype(np.int64)


def requantize_int(
    acc: np.ndarray,
    m0: int | np.ndarray,
    shift: int | np.ndarray,
    zero_point: int | np.ndarray,
    out_bits: int,
    signed: bool,
) -> np.ndarray:
    """``clamp(((acc·m0 + 2**(shift−1)) >> shift) + zero_point)`` with integer operations only.

    ``m0``, ``shift`` and ``zero_point`` broadcast against ``acc`` (per output channel = last axis
    of ``C[M, N]``). Raises QuantError if ``acc·m0`` could overflow int64. Returns int64.
    """
    a = _as_int_array(acc, "acc")
    mm = _as_int_array(m0, "m0")
    sh = _as_int_array(shift, "shift")
    zp = _as_int_array(zero_point, "zero_point")
    ob = check_bits(out_bits, name="out_bits", lo=2, hi=32)
    if np.any(mm < 0) or np.any(sh < 0) or np.any(sh > MAX_SHIFT):
        raise QuantError(f"expected m0 >= 0 and 0 <= shift <= {MAX_SHIFT}", key_path="m0")
    if a.size and mm.size:
        bound = int(np.max(np.abs(a))) * int(np.max(mm)) + (1 << max(int(np.max(sh)) - 1, 0))
        if bound >= _INT64_LIMIT:
            raise QuantError(f"acc·m0 may reach {bound}, beyond int64; use fewer multiplier bits",
                             key_path="acc")
    prod = a * mm
    half = np.where(sh > 0, np.left_shift(np.int64(1), np.maximum(sh - 1, 0)), 0)
    scaled = np.right_shift(prod + half, sh)  # arithmetic shift: floor division by 2**shift
    qmin, qmax = (-(1 << (ob - 1)), (1 << (ob - 1)) - 1) if signed else (0, (1 << ob) - 1)
    requantized: NDArray[np.int64] = np.clip(scaled + zp, qmin, qmax)
    return requantized
