"""APSQ (DAC 2025): additive partial-sum quantization of a K-tiled GEMM.

The array computes ``C = A @ B`` one K tile (``k_tile`` = array rows) at a time. Without APSQ each
tile's partial sum ``p_k`` is added to a wide (32-bit) PSUM in the buffer. With APSQ only
``psum_bits``-wide PSUMs are stored: ``P̂_k = Q(P̂_{k-1} + p_k)`` with
``Q(x) = clip(round(x / s), -2^(b-1), 2^(b-1)-1) · s`` and ``s = 2^e`` (papers.md §2 [S]). With a
group size ``gs``, ``gs`` consecutive tiles are summed at full precision, then requantized once.

Choices papers.md leaves open (documented in docs/quantization.md):

* the scale: APSQ learns it (LSQ, constrained to a power of two) during QAT. Post-training, we take
  the smallest power of two for which the largest stored running sum of the *exact* computation
  fits the PSUM range (no clipping), per tensor (``pow2``) or per output column (``pow2_channel``);
  ``scale_exp`` overrides it. Since every ``p_k`` is an integer, ``e`` is at least 0;
* one scale for all steps of the accumulation (the buffer holds one format);
* rounding is round-half-up, ``(x + 2^(e-1)) >> e``, as a hardware shifter with a rounding bit does;
  the whole data path is integer-only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from accelsim.errors import QuantError
from accelsim.quant.uniform import check_bits, quantize_uniform

SCALE_MODES = ("pow2", "pow2_channel")
_FLOAT_EXACT = 1 << 52


@dataclass(frozen=True, eq=False)
class ApsqResult:
    """Outcome of one APSQ GEMM: final PSUM codes, their power-of-two scale, errors vs exact."""

    out: np.ndarray  # dequantized final PSUM, float64 [M, N]
    out_codes: np.ndarray  # int64 [M, N], within the psum_bits range
    scale_exp: np.ndarray  # s = 2**scale_exp; shape () or (N,)
    exact: np.ndarray  # int64 exact A @ B
    k_tile: int
    group_size: int
    psum_bits: int
    num_tiles: int
    num_requantizations: int  # per output element (= number of groups)
    saturations: int  # clamp events summed over elements and requantizations
    mse: float
    max_abs_error: float
    rel_rmse: float
    sqnr_db: float

    @property
    def error_stats(self) -> dict[str, float]:
        return {"mse": self.mse, "max_abs_error": self.max_abs_error,
                "rel_rmse": self.rel_rmse, "sqnr_db": self.sqnr_db}


def _as_int_matrix(x: object, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu" or arr.ndim != 2:
        raise QuantError(f"expected a 2-D integer array, got {arr.dtype} {arr.shape}",
                         key_path=name)
    return arr.astype(np.int64)


def _int_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Exact integer A @ B; through float64 BLAS when no sum can leave the exact range."""
    bound = int(np.abs(a).max(initial=0)) * int(np.abs(b).max(initial=0)) * a.shape[1]
    if bound < _FLOAT_EXACT:
        return np.rint(a.astype(np.float64) @ b.astype(np.float64)).astype(np.int64)
    exact: NDArray[np.int64] = a @ b  # both int64 (_as_int_matrix)
    return exact


def _check_args(k: int, k_tile: int, group_size: int, scale_mode: str) -> None:
    for name, value in (("k_tile", k_tile), ("group_size", group_size)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise QuantError(f"expected an integer >= 1, got {value!r}", key_path=name)
    if scale_mode not in SCALE_MODES:
        raise QuantError(f"unknown scale mode {scale_mode!r}; expected one of {SCALE_MODES}",
                         key_path="scale_mode")


def _group_sums(a: np.ndarray, b: np.ndarray, k_tile: int, group_size: int) -> list[np.ndarray]:
    """Full-precision sum of each group of ``group_size`` consecutive K tiles."""
    step = k_tile * group_size
    return [_int_matmul(a[:, s:s + step], b[s:s + step]) for s in range(0, a.shape[1], step)]


def _running_peak(groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(exact sum, per-column max |running sum| over every stored partial sum)."""
    running = np.zeros_like(groups[0])
    peak = np.zeros(groups[0].shape[1], dtype=np.int64)
    for g in groups:
        running = running + g
        np.maximum(peak, np.abs(running).max(axis=0), out=peak)
    return running, peak


def pow2_exponent(max_abs: np.ndarray, psum_bits: int) -> np.ndarray:
    """Smallest ``e >= 0`` with ``max_abs <= (2^(b-1) - 1) · 2^e`` (integer-checked)."""
    qmax = (1 << (psum_bits - 1)) - 1
    m = np.asarray(max_abs, dtype=np.int64)
    e = np.ceil(np.log2(np.maximum(m, 1) / qmax)).astype(np.int64).clip(0, 62)
    e = np.where((qmax << np.maximum(e - 1, 0) >= m) & (e > 0), e - 1, e)  # float log2 slack
    return np.where(qmax << e < m, e + 1, e)


def apsq_matmul(
    a_int: np.ndarray,
    b_int: np.ndarray,
    *,
    k_tile: int,
    psum_bits: int = 8,
    group_size: int = 1,
    scale_mode: str = "pow2",
    scale_exp: int | np.ndarray | None = None,
) -> ApsqResult:
    """Run ``A[M,K] @ B[K,N]`` with APSQ PSUMs; compare with the exact int64 result."""
    a = _as_int_matrix(a_int, "a_int")
    b = _as_int_matrix(b_int, "b_int")
    if a.shape[1] != b.shape[0]:
        raise QuantError(f"inner dimensions differ: A is {a.shape}, B is {b.shape}",
                         key_path="b_int")
    bits = check_bits(psum_bits, name="psum_bits", lo=2, hi=32)
    _check_args(a.shape[1], k_tile, group_size, scale_mode)
    groups = _group_sums(a, b, int(k_tile), int(group_size))
    exact, peak = _running_peak(groups)
    if scale_exp is None:
        e = pow2_exponent(peak.max() if scale_mode == "pow2" else peak, bits)
    else:
        e = np.asarray(scale_exp, dtype=np.int64)
        if np.any(e < 0) or np.any(e > 62):
            raise QuantError(f"expected exponents in 0..62, got {scale_exp!r}",
                             key_path="scale_exp")
    codes, saturations = _accumulate(groups, e, bits)
    out = codes * np.exp2(e.astype(np.float64))
    err = out - exact
    mse = float(np.mean(err**2))
    signal = float(np.mean(exact.astype(np.float64) ** 2))
    return ApsqResult(
        out=out, out_codes=codes, scale_exp=e, exact=exact, k_tile=int(k_tile),
        group_size=int(group_size), psum_bits=bits, num_tiles=-(-a.shape[1] // int(k_tile)),
        num_requantizations=len(groups), saturations=saturations, mse=mse,
        max_abs_error=float(np.max(np.abs(err))),
        rel_rmse=math.sqrt(mse / signal) if signal > 0 else (0.0 if mse == 0 else math.inf),
        sqnr_db=(math.inf if mse == 0 else
                 10 * math.log10(signal / mse) if signal > 0 else -math.inf),
    )


def _accumulate(groups: list[np.ndarray], e: np.ndarray, bits: int) -> tuple[np.ndarray, int]:
    """``c_j = clip((c_{j-1}·2^e + g_j + 2^(e-1)) >> e)``: integer shifts, adds and clamps only."""
    qmin, qmax = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    half = np.where(e > 0, np.left_shift(np.int64(1), np.maximum(e - 1, 0)), 0)
    codes = np.zeros_like(groups[0])
    saturations = 0
    for g in groups:
        raw = np.right_shift(np.left_shift(codes, e) + g + half, e)
        saturations += int(np.count_nonzero((raw > qmax) | (raw < qmin)))
        codes = np.clip(raw, qmin, qmax)
    return codes, saturations


@dataclass(frozen=True)
class ApsqErrorRow:
    """One row of the APSQ error table."""

    psum_bits: int
    group_size: int | None  # None = quantize once at the end (plain output quantization)
    num_requantizations: int
    rel_rmse: float
    sqnr_db: float
    max_abs_error_steps: float  # max |error| in units of the PSUM step 2^e
    saturations: int


def bert_like_operands(shape: tuple[int, int, int] = (128, 768, 768), seed: int = 0
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Seeded Gaussian activations [M,K] and weights [K,N], each INT8 per-tensor symmetric."""
    m, k, n = shape
    rng = np.random.default_rng(seed)
    a = quantize_uniform(rng.standard_normal((m, k)), 8, name="activations").q
    b = quantize_uniform(rng.standard_normal((k, n)), 8, name="weights").q
    return a, b


def apsq_error_table(
    a_int: np.ndarray | None = None,
    b_int: np.ndarray | None = None,
    *,
    k_tile: int = 32,
    group_sizes: tuple[int, ...] = (1, 2, 4, 8),
    psum_bits: tuple[int, ...] = (4, 6, 8),
    shape: tuple[int, int, int] = (128, 768, 768),
    seed: int = 0,
    scale_mode: str = "pow2",
) -> list[ApsqErrorRow]:
    """APSQ error vs exact accumulation for each PSUM width and group size (+ quantize-once)."""
    if a_int is None or b_int is None:
        a_int, b_int = bert_like_operands(shape, seed)
    n_tiles = -(-np.shape(a_int)[1] // k_tile)
    rows = []
    for bits in psum_bits:
        for gs in (*group_sizes, None):
            r = apsq_matmul(a_int, b_int, k_tile=k_tile, psum_bits=bits,
                            group_size=gs or n_tiles, scale_mode=scale_mode)
            step = np.exp2(r.scale_exp.astype(np.float64))
            rows.append(ApsqErrorRow(
                psum_bits=bits, group_size=gs, num_requantizations=r.num_requantizations,
                rel_rmse=r.rel_rmse, sqnr_db=r.sqnr_db,
                max_abs_error_steps=float(np.max(np.abs(r.out - r.exact) / step)),
                saturations=r.saturations))
    return rows


def format_apsq_table(rows: list[ApsqErrorRow]) -> str:
    """Markdown table of ``apsq_error_table`` rows."""
    lines = ["| PSUM bits | group size | requant. / output | rel. RMSE | SQNR (dB) "
             "| max err (PSUM steps) | saturations |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        gs = "all (once)" if r.group_size is None else str(r.group_size)
        lines.append(f"| INT{r.psum_bits} | {gs} | {r.num_requantizations} | "
                     f"{100 * r.rel_rmse:.2f}% | {r.sqnr_db:.1f} | {r.max_abs_error_steps:.2f} "
                     f"| {r.saturations} |")
    return "\n".join(lines)
