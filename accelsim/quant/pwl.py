"""GQA-LUT (DAC 2024): piecewise-linear (PWL) tables for non-linear functions, INT8 evaluation.

A table of ``n`` segments has ``n - 1`` interior breakpoints and one (slope, intercept) per segment,
the chords between consecutive points of ``[outer_lo, breakpoints..., outer_hi]``. Slopes and
intercepts are stored as 8-bit fixed point, sign | integer | fraction = 1 | 1 | 6 bits (a
multiple of 1/64); one breakpoint set per input scale ``2^-p`` (p = 0..6) is stored rounded to
``2^-p``, so with an INT8 input ``q`` of scale ``2^-p`` the comparators see integers (papers.md §3).

Integer-only evaluation (the repository's operator, done with integers): ``idx`` = number of
breakpoints strictly below ``q`` (``torch.bucketize``, a segment owns its upper breakpoint), then
``acc = k_int[idx]·q + (b_int[idx] << p)`` is ``pwl(x)`` in units of ``2^-(p + 6)``; a rounding
right shift brings it back to the input scale (``output = y_int · 2^-p``) or keeps fraction bits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from accelsim.errors import QuantError
from accelsim.quant.pwl_search import GeneticParams, chords, genetic_breakpoints, round_to_bits
from accelsim.quant.uniform import check_bits

Fn = Callable[[np.ndarray], np.ndarray]
_ERF = np.frompyfunc(math.erf, 1, 1)


def _gelu(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * x * (1.0 + np.asarray(_ERF(x / math.sqrt(2.0)), dtype=np.float64))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))  # no overflow


@dataclass(frozen=True)
class PwlFunction:
    """A supported function with the trainer's ranges (Makefile, papers.md §3)."""

    fn: Fn
    x_range: tuple[float, float]  # fitness range
    sp_range: tuple[float, float]  # breakpoint search range
    outer: tuple[float, float]  # outer clamp bounds: the first/last chords end here
    sp_range_16: tuple[float, float] | None = None  # when 16 segments search elsewhere
    decimal_bits_range: tuple[int, int] = (0, 6)


FUNCTIONS: dict[str, PwlFunction] = {
    "gelu": PwlFunction(_gelu, (-4.0, 4.0), (-4.0, 4.0), (-10000.0, 10000.0)),
    "silu": PwlFunction(lambda x: np.asarray(x, float) * _sigmoid(x), (-4.0, 4.0), (-4.0, 4.0),
                        (-10000.0, 10000.0)),
    "hswish": PwlFunction(lambda x: np.asarray(x, float) * np.clip(x + 3.0, 0.0, 6.0) / 6.0,
                          (-4.0, 4.0), (-4.0, 4.0), (-10000.0, 10000.0)),
    "exp": PwlFunction(lambda x: np.exp(np.asarray(x, float)), (-8.0, 0.0), (-8.0, 0.0),
                       (-16.0, 0.0), sp_range_16=(-6.5, 0.0)),
    "reciprocal": PwlFunction(lambda x: 1.0 / np.asarray(x, float), (0.5, 4.0), (0.625, 3.875),
                              (0.5, 4.0), decimal_bits_range=(5, 5)),
    "rsqrt": PwlFunction(lambda x: 1.0 / np.sqrt(np.asarray(x, float)), (0.25, 4.0),
                         (0.25, 3.875), (0.25, 4.0), decimal_bits_range=(0, 5)),
}


@dataclass(frozen=True, eq=False)
class PwlTable:
    """A PWL table: float breakpoints and fixed-point coefficients (what the hardware stores).

    ``slopes``/``intercepts`` are the stored values (multiples of ``2^-frac_bits``);
    ``slopes_int``/``intercepts_int`` are the same numbers times ``2^frac_bits``;
    ``breakpoints_int[p]`` are the comparator thresholds for input scale ``2^-p``.
    """

    fn_name: str
    x_range: tuple[float, float]
    breakpoints: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray
    slopes_int: np.ndarray
    intercepts_int: np.ndarray
    breakpoints_int: np.ndarray  # shape (frac_bits + 1, n_segments - 1)
    frac_bits: int = 6
    coef_bits: int = 8
    fitness_mse: float | None = field(default=None)

    @property
    def n_segments(self) -> int:
        return int(self.slopes.size)

    @property
    def fits_coef_bits(self) -> bool:
        """True when every slope and intercept fits ``coef_bits`` (INT8: 1|1|6 for defaults)."""
        lim = 1 << (self.coef_bits - 1)
        ints = np.concatenate([self.slopes_int, self.intercepts_int])
        return bool(np.all((ints >= -lim) & (ints < lim)))


def make_table(fn_name: str, breakpoints: np.ndarray, slopes: np.ndarray, intercepts: np.ndarray,
               *, x_range: tuple[float, float], frac_bits: int = 6, coef_bits: int = 8,
               fitness_mse: float | None = None) -> PwlTable:
    """Build a table from breakpoints and coefficients (coefficients are rounded to the grid)."""
    bp = np.sort(np.asarray(breakpoints, dtype=np.float64))
    k = round_to_bits(np.asarray(slopes, dtype=np.float64), frac_bits)
    b = round_to_bits(np.asarray(intercepts, dtype=np.float64), frac_bits)
    if k.shape != (bp.size + 1,) or b.shape != k.shape:
        raise QuantError(f"expected {bp.size + 1} slopes and intercepts for {bp.size} "
                         f"breakpoints, got {k.size} and {b.size}", key_path="slopes")
    if not (np.all(np.isfinite(bp)) and np.all(np.isfinite(k)) and np.all(np.isfinite(b))):
        raise QuantError("breakpoints, slopes and intercepts must be finite", key_path="table")
    bp_int = np.stack([np.round(bp * (1 << p)) for p in range(frac_bits + 1)]).astype(np.int64)
    return PwlTable(
        fn_name=fn_name, x_range=(float(x_range[0]), float(x_range[1])), breakpoints=bp,
        slopes=k, intercepts=b, slopes_int=np.rint(k * (1 << frac_bits)).astype(np.int64),
        intercepts_int=np.rint(b * (1 << frac_bits)).astype(np.int64), breakpoints_int=bp_int,
        frac_bits=frac_bits, coef_bits=coef_bits, fitness_mse=fitness_mse)


def resolve_function(fn: str | Fn) -> tuple[str, Fn, PwlFunction | None]:
    if callable(fn):
        return getattr(fn, "__name__", "custom"), fn, None
    if fn not in FUNCTIONS:
        raise QuantError(f"unknown function {fn!r}; expected one of {sorted(FUNCTIONS)} "
                         "or a callable", key_path="fn_name")
    return fn, FUNCTIONS[fn].fn, FUNCTIONS[fn]


def _x_range(spec: PwlFunction | None, x_range: Sequence[float] | None) -> tuple[float, float]:
    """The fitness range: the caller's (checked: users pass lists), else the named function's."""
    if x_range is None:
        if spec is None:
            raise QuantError("a custom function needs x_range", key_path="x_range")
        return spec.x_range
    xr = tuple(x_range)
    if not (len(xr) == 2 and xr[0] < xr[1]):
        raise QuantError(f"expected x_range (lo, hi) with lo < hi, got {xr}", key_path="x_range")
    return xr[0], xr[1]


def fit_pwl_genetic(
    fn_name: str | Fn,
    n_segments: int = 8,
    x_range: tuple[float, float] | None = None,
    *,
    population: int = 50,
    generations: int = 500,
    seed: int = 0,
    rounding_mutation: bool = True,
    sp_range: tuple[float, float] | None = None,
    outer: tuple[float, float] | None = None,
    frac_bits: int = 6,
    params: GeneticParams | None = None,
    restarts: int = 1,
) -> PwlTable:
    """Search the breakpoints of an ``n_segments`` PWL table with GQA-LUT's genetic algorithm.

    Ranges default to the trainer's for the named functions; a callable needs ``x_range`` (then
    ``sp_range`` and ``outer`` default to it). ``params`` overrides the other GA settings.
    ``restarts`` independent runs (seeds ``seed, seed+1, ...``) keep the best: the GA at the
    paper's population and generation counts varies noticeably from seed to seed.
    """
    name, fn, spec = resolve_function(fn_name)
    if isinstance(n_segments, bool) or not isinstance(n_segments, int) or not 2 <= n_segments <= 64:
        raise QuantError(f"expected 2..64 segments, got {n_segments!r}", key_path="n_segments")
    xr = _x_range(spec, x_range)
    if sp_range is None:
        sp_range = xr if spec is None else (
            spec.sp_range_16 if n_segments > 8 and spec.sp_range_16 else spec.sp_range)
    outer = outer or (xr if spec is None else spec.outer)
    base = params or GeneticParams()
    gp = GeneticParams(**{**base.__dict__, "population": population, "generations": generations,
                          "rounding_mutation": rounding_mutation,
                          "decimal_bits_range": spec.decimal_bits_range if spec and params is None
                          else base.decimal_bits_range})
    if gp.population < 2 or gp.generations < 0:
        raise QuantError("expected population >= 2 and generations >= 0", key_path="population")
    if isinstance(restarts, bool) or not isinstance(restarts, int) or restarts < 1:
        raise QuantError(f"expected restarts >= 1, got {restarts!r}", key_path="restarts")
    runs = [genetic_breakpoints(fn, n_segments - 1, xr, sp_range, outer, frac_bits, gp, seed + i)
            for i in range(restarts)]
    bp, mse = min(runs, key=lambda r: r[1])
    split = np.concatenate([[outer[0]], bp, [outer[1]]])
    k, b = chords(split, fn)
    return make_table(name, bp, k, b, x_range=xr, frac_bits=frac_bits, fitness_mse=mse)


# ----------------------------------------------------------------------------------------------
# evaluation
# ----------------------------------------------------------------------------------------------
def evaluate_pwl_float(x: np.ndarray, table: PwlTable) -> NDArray[np.float64]:
    """Float PWL with the table's float breakpoints and stored (fixed-point) coefficients."""
    xa = np.asarray(x, dtype=np.float64)
    idx = np.searchsorted(table.breakpoints, xa, side="left")
    y: NDArray[np.float64] = table.slopes[idx] * xa + table.intercepts[idx]
    return y


def evaluate_pwl_int(x_int: np.ndarray, table: PwlTable, input_scale_exp: int, *,
                     keep_frac_bits: int = 0, out_bits: int | None = None) -> np.ndarray:
    """Integer-only PWL of ``x = x_int · 2**input_scale_exp`` (``input_scale_exp`` in -6..0).

    Returns ``y_int`` (int64) with ``pwl(x) ≈ y_int · 2**(input_scale_exp - keep_frac_bits)``;
    ``keep_frac_bits = table.frac_bits`` returns the accumulator exactly. ``out_bits`` clamps the
    result to a signed ``out_bits`` integer.
    """
    q = np.asarray(x_int)
    if q.dtype.kind not in "iu":
        raise QuantError(f"expected integer inputs, got dtype {q.dtype}", key_path="x_int")
    p = -int(input_scale_exp)
    if not 0 <= p <= table.frac_bits:
        raise QuantError(f"expected input_scale_exp in {-table.frac_bits}..0, got "
                         f"{input_scale_exp}", key_path="input_scale_exp")
    if not 0 <= keep_frac_bits <= table.frac_bits:
        raise QuantError(f"expected keep_frac_bits in 0..{table.frac_bits}",
                         key_path="keep_frac_bits")
    q = q.astype(np.int64)
    idx = np.searchsorted(table.breakpoints_int[p], q, side="left")  # comparator bank
    acc = table.slopes_int[idx] * q + np.left_shift(table.intercepts_int[idx], p)
    drop = table.frac_bits - keep_frac_bits
    y: NDArray[np.int64] = np.right_shift(acc + ((1 << drop) >> 1), drop)
    if out_bits is not None:
        out_bits = check_bits(out_bits, name="out_bits", lo=2, hi=32)
        y = np.clip(y, -(1 << (out_bits - 1)), (1 << (out_bits - 1)) - 1)
    return y


# ----------------------------------------------------------------------------------------------
# published test vectors and error report
# ----------------------------------------------------------------------------------------------
#: GQA-LUT repository tables for decimal bit 6 (papers.md §3 [C]: gelu_pwl_7, exp_pwl_7).
PUBLISHED: dict[str, dict[str, list[float]]] = {
    "gelu": {
        "breakpoints": [-3.015625, -2.203125, -0.890625, -0.421875, 0.03125, 0.625, 2.796875],
        "slopes": [0, -0.03125, -0.109375, 0.046875, 0.359375, 0.75, 1.078125, 1.0],
        "intercepts": [0, -0.09375, -0.265625, -0.125, 0.0, -0.015625, -0.21875, 0],
    },
    "exp": {
        "breakpoints": [-5.25, -3.4375, -2.328125, -2.0, -1.25, -0.671875, -0.296875],
        "slopes": [0, 0.015625, 0.0625, 0.109375, 0.203125, 0.390625, 0.625, 0.875],
        "intercepts": [0, 0.078125, 0.234375, 0.359375, 0.53125, 0.765625, 0.921875, 1.0],
    },
}


def published_table(fn_name: str) -> PwlTable:
    """The repository's 8-segment table; thresholds for p < 6 are the p = 6 values re-rounded."""
    if fn_name not in PUBLISHED:
        raise QuantError(f"no published table for {fn_name!r}; have {sorted(PUBLISHED)}",
                         key_path="fn_name")
    d = PUBLISHED[fn_name]
    return make_table(fn_name, np.array(d["breakpoints"]), np.array(d["slopes"]),
                      np.array(d["intercepts"]), x_range=FUNCTIONS[fn_name].x_range)


def int_scale_exp_for(table: PwlTable, input_bits: int = 8) -> int:
    """Finest power-of-two input scale whose INT-``input_bits`` range covers most of x_range."""
    span = max(abs(table.x_range[0]), abs(table.x_range[1]))
    p = math.floor(math.log2((1 << (input_bits - 1)) / span))
    return -min(max(p, 0), table.frac_bits)


@dataclass(frozen=True)
class PwlErrorRow:
    """Approximation error of one table against the true function over its x_range."""

    fn_name: str
    n_segments: int
    source: str
    max_abs_float: float
    mean_abs_float: float
    input_scale_exp: int
    max_abs_int: float
    mean_abs_int: float
    fits_coef_bits: bool


def pwl_errors(table: PwlTable, fn: Fn | None = None, *, source: str = "",
               step: float = 1e-3) -> PwlErrorRow:
    """Float error on a ``step`` grid; integer error over every INT8 input inside x_range,
    evaluated at the finest covering scale with the full-precision accumulator."""
    f = fn or resolve_function(table.fn_name)[1]
    lo, hi = table.x_range
    x = np.arange(lo, hi, step)
    ef = np.abs(evaluate_pwl_float(x, table) - f(x))
    e = int_scale_exp_for(table)
    q = np.arange(-128, 128)
    q = q[(q * 2.0**e >= lo) & (q * 2.0**e <= hi)]
    y = evaluate_pwl_int(q, table, e, keep_frac_bits=table.frac_bits)
    ei = np.abs(y * 2.0 ** (e - table.frac_bits) - f(q * 2.0**e))
    return PwlErrorRow(table.fn_name, table.n_segments, source, float(ef.max()),
                       float(ef.mean()), e, float(ei.max()), float(ei.mean()),
                       table.fits_coef_bits)


def pwl_fit_error_table(functions: tuple[str, ...] = tuple(FUNCTIONS),
                        segments: tuple[int, ...] = (8, 16), *, population: int = 50,
                        generations: int = 500, seed: int = 0,
                        include_published: bool = True, restarts: int = 1,
                        rounding_mutation: bool = True) -> list[PwlErrorRow]:
    """Fit every function/segment count with the GA and measure the errors of each table."""
    rows = [pwl_errors(published_table(n), source="published") for n in PUBLISHED
            if include_published and n in functions]
    label = f"GA{'+RM' if rounding_mutation else ''} seed {seed}" + (
        f" best of {restarts}" if restarts > 1 else "")
    for name in functions:
        for n in segments:
            t = fit_pwl_genetic(name, n, population=population, generations=generations,
                                seed=seed, restarts=restarts, rounding_mutation=rounding_mutation)
            rows.append(pwl_errors(t, source=label))
    return rows


def format_pwl_table(rows: list[PwlErrorRow]) -> str:
    """Markdown table of ``pwl_fit_error_table`` rows."""
    lines = ["| function | segments | table | max abs err (float) | mean abs err (float) "
             "| INT8 input scale | max abs err (int) | mean abs err (int) | coefs fit INT8 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.fn_name} | {r.n_segments} | {r.source} | {r.max_abs_float:.4f} | "
                     f"{r.mean_abs_float:.5f} | 2^{r.input_scale_exp} | {r.max_abs_int:.4f} | "
                     f"{r.mean_abs_int:.5f} | {'yes' if r.fits_coef_bits else 'no'} |")
    return "\n".join(lines)
