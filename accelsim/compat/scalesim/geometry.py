"""SCALE-Sim's view of a layer: its conv shape, operand matrices and folds, in closed form.

SCALE-Sim lowers every layer to ``ifmap[M,K] @ filter[K,N] = ofmap[M,N]`` and cuts the operand
that is spatial on the array into folds. Per dataflow (R x C array):

======  =====================  ==========================  =========================
flow    spatial rows / cols    temporal ``T``               demand rows per fold
======  =====================  ==========================  =========================
os      M over R,  N over C    K                            ``T + R + C - 2``
ws      K over R,  N over C    M                            ``2R + C + T - 2``
is      K over R,  M over C    N                            ``2R + C + T - 2``
======  =====================  ==========================  =========================

Folds run column-fold-major (``for fc: for fr:``). SCALE-Sim's stall-free cycle count is the
number of demand rows minus one (the last row is issued at cycle ``rows - 1``).

Its ofmap size is ``ceil((H - Fh + S) / S)``, which exceeds the usual ``(H - Fh) // S + 1`` when
the stride does not divide ``H - Fh``: the last window hangs over the edge and its missing pixels
are null requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.types import Dataflow


def ceil_div(a: int, b: int) -> int:
    """``ceil(a / b)`` for non-negative integers, without floats."""
    return -(-a // b)


def _covered(size: int, window: int, stride: int, outputs: int) -> int:
    """Sum over the ``outputs`` windows along one axis of the pixels inside the IFMAP:
    ``sum(max(0, min(window, size - o * stride)))``, the whole windows in one product and only
    the few that hang over the edge one by one."""
    whole = min(outputs, (size - window) // stride + 1) if size >= window else 0
    return whole * window + sum(max(0, size - o * stride) for o in range(whole, outputs))


@dataclass(frozen=True)
class ScaleSimLayer:
    """One row of a SCALE-Sim topology: an unpadded, ungrouped conv (GEMMs are convs too)."""

    name: str
    ifmap_h: int
    ifmap_w: int
    filter_h: int
    filter_w: int
    channels: int
    num_filters: int
    stride_h: int
    stride_w: int

    ofmap_h: int = field(init=False, repr=False, compare=False)
    """Output rows as SCALE-Sim counts them (a partial last window counts)."""
    ofmap_w: int = field(init=False, repr=False, compare=False)
    """Output columns as SCALE-Sim counts them."""
    m: int = field(init=False, repr=False, compare=False)
    """Ofmap pixels per filter (rows of the ifmap operand matrix)."""
    k: int = field(init=False, repr=False, compare=False)
    """Convolution window size (columns of the ifmap operand matrix)."""

    def __post_init__(self) -> None:
        # Derived once: the engine reads them many times per layer.
        ofmap_h = ceil_div(self.ifmap_h - self.filter_h + self.stride_h, self.stride_h)
        ofmap_w = ceil_div(self.ifmap_w - self.filter_w + self.stride_w, self.stride_w)
        object.__setattr__(self, "ofmap_h", ofmap_h)
        object.__setattr__(self, "ofmap_w", ofmap_w)
        object.__setattr__(self, "m", ofmap_h * ofmap_w)
        object.__setattr__(self, "k", self.filter_h * self.filter_w * self.channels)

    @property
    def n(self) -> int:
        """Filters (columns of the filter operand matrix)."""
        return self.num_filters

    @property
    def ifmap_entries(self) -> int:
        """Non-null entries of the ifmap operand matrix (windows may hang over the edge)."""
        return (_covered(self.ifmap_h, self.filter_h, self.stride_h, self.ofmap_h)
                * _covered(self.ifmap_w, self.filter_w, self.stride_w, self.ofmap_w)
                * self.channels)

    @property
    def ifmap_repeats(self) -> bool:
        """Whether an ifmap address can appear twice in the operand (overlapping windows)."""
        return ((self.filter_h > self.stride_h and self.ofmap_h > 1)
                or (self.filter_w > self.stride_w and self.ofmap_w > 1))

    @property
    def macs(self) -> int:
        """MACs SCALE-Sim counts for utilization (``ofmap px * filters * window``)."""
        return self.m * self.n * self.k


@dataclass(frozen=True)
class FoldPlan:
    """How a layer's operands fold onto an ``array_rows x array_cols`` array."""

    dataflow: Dataflow
    array_rows: int
    array_cols: int
    spatial_rows: int
    spatial_cols: int
    temporal: int
    row_folds: int
    col_folds: int

    @property
    def folds(self) -> int:
        """Number of folds."""
        return self.row_folds * self.col_folds

    @property
    def rows_per_fold(self) -> int:
        """Demand rows (array cycles, stall-free) one fold takes."""
        r, c, t = self.array_rows, self.array_cols, self.temporal
        if self.dataflow is Dataflow.OS:
            return t + r + c - 2
        return 2 * r + c + t - 2

    @property
    def demand_rows(self) -> int:
        """Demand rows of the whole layer."""
        return self.folds * self.rows_per_fold

    @property
    def util_cycles_per_fold(self) -> int:
        """The per-fold cycle count SCALE-Sim divides by in its compute utilization."""
        r, c, t = self.array_rows, self.array_cols, self.temporal
        if self.dataflow is Dataflow.OS:
            return t + r + c - 2
        return 2 * r + 2 * c + t - 3

    @property
    def last_rows(self) -> int:
        """Array rows the last row fold uses (every other row fold uses them all)."""
        return self.spatial_rows - self.array_rows * (self.row_folds - 1)

    @property
    def last_cols(self) -> int:
        """Array columns the last column fold uses (every other one uses them all)."""
        return self.spatial_cols - self.array_cols * (self.col_folds - 1)

    def used(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns of the array each fold uses, in fold order (``fc`` major)."""
        rows = np.full(self.row_folds, self.array_rows)
        rows[-1] = self.last_rows
        cols = np.full(self.col_folds, self.array_cols)
        cols[-1] = self.last_cols
        return np.tile(rows, self.col_folds), np.repeat(cols, self.row_folds)


def fold_plan(layer: ScaleSimLayer, dataflow: Dataflow, rows: int, cols: int) -> FoldPlan:
    """The fold plan of ``layer`` on a ``rows x cols`` array under ``dataflow``."""
    spatial = {
        Dataflow.OS: (layer.m, layer.n, layer.k),
        Dataflow.WS: (layer.k, layer.n, layer.m),
        Dataflow.IS: (layer.k, layer.m, layer.n),
    }[dataflow]
    return FoldPlan(dataflow, rows, cols, spatial[0], spatial[1], spatial[2],
                    ceil_div(spatial[0], rows), ceil_div(spatial[1], cols))


@dataclass(frozen=True)
class ComputeMetrics:
    """SCALE-Sim's per-layer mapping efficiency, compute utilization and SRAM request counts."""

    mapping_efficiency_pct: float
    compute_util_pct: float
    ifmap_sram_reads: int
    filter_sram_reads: int
    ofmap_sram_writes: int


# Up to this many folds Python floats beat numpy's per-call overhead (measured: 8 folds 3.8
# against 16 us, 64 folds 15 against 20 us, 128 folds 29 against 21 us).
_SCALAR_FOLDS = 64


def _sequential_mean(values: np.ndarray) -> float:
    """Left-to-right sum / count, rounding exactly as SCALE-Sim's ``sum(list) / len(list)``."""
    return float(np.add.accumulate(values)[-1]) / len(values)


def fold_means(plan: FoldPlan, scalar_folds: int = _SCALAR_FOLDS) -> tuple[float, float]:
    """SCALE-Sim's mapping efficiency and compute utilization (fractions): the means over the
    folds, in fold order, of ``used MACs / (R*C)`` and ``used MACs * T / (R*C * cycles)``.

    Summed left to right in float64 either way: with Python floats for a few folds, with
    numpy's ``add.accumulate`` for many (the same operations, so the same bits)."""
    units = plan.array_rows * plan.array_cols
    util_units = units * plan.util_cycles_per_fold
    if plan.folds > scalar_folds:
        rows_used, cols_used = plan.used()
        macs_used = (rows_used * cols_used).astype(np.float64)
        return (_sequential_mean(macs_used / units),
                _sequential_mean((macs_used * plan.temporal) / util_units))
    rows = [plan.array_rows] * (plan.row_folds - 1) + [plan.last_rows]
    mapping = util = 0.0
    for fc in range(plan.col_folds):
        cols = plan.array_cols if fc < plan.col_folds - 1 else plan.last_cols
        for used_rows in rows:
            macs = float(used_rows * cols)
            mapping += macs / units
            util += macs * plan.temporal / util_units
    return mapping / plan.folds, util / plan.folds


def compute_metrics(layer: ScaleSimLayer, plan: FoldPlan) -> ComputeMetrics:
    """Closed forms of SCALE-Sim's compute-report numbers and SRAM request counts.

    The request counts follow SCALE-Sim's bookkeeping, including null (padding) requests of
    partially filled windows and, for OS, an extra ``R + C`` OFMAP writes per fold.
    """
    r, c = plan.array_rows, plan.array_cols
    mapping, util = fold_means(plan)
    m, n, k = layer.m, layer.n, layer.k
    if plan.dataflow is Dataflow.OS:
        reads = (plan.col_folds * k * m, plan.row_folds * k * n, m * n + plan.folds * (r + c))
    elif plan.dataflow is Dataflow.WS:
        reads = (plan.col_folds * m * k, k * n, plan.row_folds * m * n)
    else:
        reads = (k * m, plan.col_folds * k * n, plan.row_folds * m * n)
    return ComputeMetrics(mapping * 100, util * 100, *reads)
