"""The address streams SCALE-Sim pushes through its SRAMs, built with numpy (no per-element loops).

Three operand matrices hold word addresses (``-1`` = null request):
``ifmap[M,K]`` (im2col of the unpadded ifmap, NHWC order), ``filter[K,N]`` and ``ofmap[M,N]``.

For every fold, each operand contributes a *block* (a sub-matrix, padded with nulls to the
array size, sometimes flipped) that is issued one demand row per cycle. A *skewed* block issues
element ``(u, c)`` at fold row ``prefix + u + c`` (the systolic wavefront); an unskewed one at
row ``u``. Within a demand row, elements go in array-column order.

The read SRAMs are filled from a *prefetch sequence*: the operand's folds stacked vertically and,
where the demand is skewed, read out by anti-diagonals ("rolled out") so that DRAM order follows
the wavefront. Stacks cover each distinct fold once, while demand repeats blocks across the
other fold dimension; that mismatch is what makes small SRAMs thrash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from accelsim.compat.scalesim.geometry import FoldPlan, ScaleSimLayer
from accelsim.compat.scalesim.write_buffer import RowCounts
from accelsim.types import Dataflow, Operand

StackMap = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                    tuple[np.ndarray, np.ndarray, np.ndarray | bool]]


@dataclass(frozen=True)
class BlockSpec:
    """One read operand's per-fold demand block: shape, placement, and where its elements sit
    in the operand's prefetch stack."""

    operand: Operand
    height: int
    width: int
    skew_prefix: int | None  # None: unskewed (row = u)
    to_stack: StackMap  # (fc, fr, u, c) -> (stack row, stack col, real row?)
    row_fold_only: bool = False  # the block depends on the row fold only (same for every fc)


@dataclass(frozen=True)
class StackSpec:
    """One read operand's prefetch stack: ``folds`` blocks of ``height x width``, maybe rolled."""

    operand: Operand
    folds: int
    height: int
    width: int
    rolled: bool
    index: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

    @property
    def words(self) -> int:
        """Entries of the stack, nulls included (what SCALE-Sim cuts into DRAM lines)."""
        return self.folds * self.height * self.width


def operand_matrix(layer: ScaleSimLayer, operand: Operand, offset: int, pad: int) -> np.ndarray:
    """Address matrix of one read operand, padded with ``pad`` null rows and columns so that
    any fold index stays in bounds."""
    m, k, n = layer.m, layer.k, layer.n
    if operand is Operand.WEIGHT:
        matrix = np.arange(n)[None, :] * k + np.arange(k)[:, None] + offset
    else:
        i = np.arange(m)[:, None]
        j = np.arange(k)[None, :]
        o_row, o_col = np.divmod(i, layer.ofmap_w)
        top, left = o_row * layer.stride_h, o_col * layer.stride_w
        f_row, rest = np.divmod(j, layer.filter_w * layer.channels)
        f_col, chan = np.divmod(rest, layer.channels)
        inside = (f_row + top < layer.ifmap_h) & (f_col + left < layer.ifmap_w)
        addr = ((top + f_row) * layer.ifmap_w + left + f_col) * layer.channels + chan + offset
        matrix = np.where(inside, addr, -1)
    padded = np.full((matrix.shape[0] + pad, matrix.shape[1] + pad), -1, dtype=np.int64)
    padded[:matrix.shape[0], :matrix.shape[1]] = matrix
    return padded


def read_blocks(layer: ScaleSimLayer, plan: FoldPlan) -> tuple[BlockSpec, BlockSpec]:
    """The ifmap and filter demand blocks of ``plan.dataflow`` (SCALE-Sim's layout).

    A flipped block's rows past the matrix are padding (``real row? = False``).
    """
    r, c, m, n, k = plan.array_rows, plan.array_cols, layer.m, layer.n, layer.k
    ifm, flt = Operand.IFMAP, Operand.WEIGHT
    if plan.dataflow is Dataflow.OS:
        return (BlockSpec(ifm, k, r, 0, lambda fc, fr, u, x: (fr * k + u, x, True), True),
                BlockSpec(flt, k, c, 0, lambda fc, fr, u, x: (fc * k + u, x, True)))
    if plan.dataflow is Dataflow.WS:
        return (BlockSpec(ifm, m, r, r, lambda fc, fr, u, x: (fr * m + u, x, True), True),
                BlockSpec(flt, r, c, None,
                          lambda fc, fr, u, x: (fc * k + fr * r + r - 1 - u, x,
                                                fr * r + r - 1 - u < k)))
    return (BlockSpec(ifm, r, c, None, lambda fc, fr, u, x: (fc * k + fr * r + r - 1 - u, x,
                                                             fr * r + r - 1 - u < k)),
            BlockSpec(flt, n, r, r, lambda fc, fr, u, x: (fr * n + u, x, True), True))


def stack_specs(layer: ScaleSimLayer, plan: FoldPlan) -> tuple[StackSpec, StackSpec]:
    """The ifmap and filter prefetch stacks of ``plan.dataflow`` (SCALE-Sim's layout)."""
    r, c, m, n, k = plan.array_rows, plan.array_cols, layer.m, layer.n, layer.k
    nr, nc = plan.row_folds, plan.col_folds
    ifm, flt = Operand.IFMAP, Operand.WEIGHT
    if plan.dataflow is Dataflow.OS:
        return (StackSpec(ifm, nr, k, r, True, lambda f, u, x: (f * r + x, u)),
                StackSpec(flt, nc, k, c, True, lambda f, u, x: (u, f * c + x)))
    if plan.dataflow is Dataflow.WS:
        return (StackSpec(ifm, nr, m, r, True, lambda f, u, x: (u, f * r + x)),
                StackSpec(flt, nc, k, c, False, lambda f, u, x: (u, f * c + x)))
    return (StackSpec(ifm, nc, k, c, False, lambda f, u, x: (f * c + x, u)),
            StackSpec(flt, nr, n, r, True, lambda f, u, x: (f * r + x, u)))


def ofmap_writes(layer: ScaleSimLayer, plan: FoldPlan) -> int:
    """Real OFMAP writes of the layer: what `ofmap_row_counts` sums to, in closed form (every
    fold writes its ``u1 - u0`` rows of used columns: M*N in all for OS, once per row fold for
    WS and IS)."""
    if plan.dataflow is Dataflow.OS:
        return layer.m * layer.n
    return plan.row_folds * layer.m * layer.n


def ofmap_row_counts(layer: ScaleSimLayer, plan: FoldPlan) -> RowCounts:
    """OFMAP writes issued in each demand row of the layer (closed form per kind of fold).

    The OFMAP block is skewed: element ``(u, c)`` is written at fold row ``prefix + u + c``,
    with real elements for ``u0 <= u < u1`` and ``c < used columns``.
    """
    r = plan.array_rows
    rows_used, cols_used = plan.used()
    # The distinct (rows, cols) pairs in lexicographic order, as np.unique(axis=0) gives them,
    # through one integer key per fold (cols_used <= array_cols), which is far cheaper.
    span = plan.array_cols + 1
    keys, fold_kind = np.unique(rows_used * span + cols_used, return_inverse=True)
    rows_used, cols_used = keys // span, keys % span
    if plan.dataflow is Dataflow.OS:
        prefix, u0, u1 = layer.k - 1, r - rows_used, np.full_like(rows_used, r)
    else:
        height = layer.m if plan.dataflow is Dataflow.WS else layer.n
        prefix, u0, u1 = 2 * r - 1, np.zeros_like(rows_used), np.full_like(rows_used, height)
    diag = np.arange(plan.rows_per_fold)[None, :] - prefix
    first = np.maximum(0, diag - u1[:, None] + 1)
    last = np.minimum(cols_used[:, None] - 1, diag - u0[:, None])
    return RowCounts(np.maximum(0, last - first + 1), fold_kind.ravel())


def _diagonal_starts(height: int, width: int) -> np.ndarray:
    """Index of the first element of each anti-diagonal when read by anti-diagonals."""
    diag = np.arange(height + width - 1)
    length = np.minimum(diag, width - 1) - np.maximum(0, diag - height + 1) + 1
    return np.concatenate(([0], np.cumsum(length)[:-1]))


@dataclass(frozen=True)
class StackLayout:
    """Where a read operand's stack coordinates land in its prefetch sequence (no addresses)."""

    length: int  # non-null entries: the prefetch sequence's length
    valid_before: np.ndarray | None  # [p] = non-null entries before full position p; None: p
    height: int
    width: int
    rolled: bool
    diagonal_starts: np.ndarray

    def position(self, row: np.ndarray, col: np.ndarray) -> np.ndarray:
        """Full position (nulls included) of stack element ``(row, col)`` in prefetch order."""
        if not self.rolled:
            return row * self.width + col
        diag = row + col
        return self.diagonal_starts[diag] + col - np.maximum(0, diag - self.height + 1)

    def coordinates(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stack element ``(row, col)`` at full positions (the inverse of `position`).

        Rolled, the diagonals between the two triangular ends all hold ``min(height, width)``
        elements, so a position there is one division away from its diagonal; only positions
        in the ends are looked up."""
        if not self.rolled:
            return np.divmod(positions, self.width)
        short = min(self.height, self.width)
        head = short * (short - 1) // 2
        full, col = np.divmod(positions - head, short)
        diag = full + (short - 1)
        if positions.size and (int(positions.min()) < head or int(positions.max())
                               >= head + (abs(self.height - self.width) + 1) * short):
            ends = np.flatnonzero((full < 0) | (full > abs(self.height - self.width)))
            at = positions[ends]
            diag[ends] = np.searchsorted(self.diagonal_starts, at, side="right") - 1
            col[ends] = at - self.diagonal_starts[diag[ends]]
        if self.height < self.width or int(diag.max(initial=0)) >= self.height:
            col += np.maximum(0, diag - self.height + 1)
        return diag - col, col


@dataclass(frozen=True)
class PrefetchStack:
    """A read operand's prefetch sequence (its non-null addresses, in order) and its layout."""

    values: np.ndarray
    layout: StackLayout


def dense_layout(spec: StackSpec) -> StackLayout:
    """The layout of a stack without nulls, built without the addresses (``valid_before`` is
    the identity)."""
    height, width = spec.folds * spec.height, spec.width
    starts = _diagonal_starts(height, width) if spec.rolled else np.zeros(0, np.int64)
    return StackLayout(spec.words, None, height, width, spec.rolled, starts)


def prefetch_stack(spec: StackSpec, matrix: np.ndarray) -> PrefetchStack:
    """Stack the operand's folds, read them out in prefetch order, drop the nulls.

    ``matrix`` is the operand matrix from `operand_matrix` (padded).
    """
    f = np.repeat(np.arange(spec.folds), spec.height)[:, None]
    u = np.tile(np.arange(spec.height), spec.folds)[:, None]
    x = np.arange(spec.width)[None, :]
    rows_idx, cols_idx = spec.index(f, u, x)
    stacked = matrix[rows_idx, cols_idx]
    height, width = stacked.shape
    if spec.rolled:
        seq = _anti_diagonal_order(stacked)
        starts = _diagonal_starts(height, width)
    else:
        seq, starts = stacked.ravel(), np.zeros(0, np.int64)
    valid = seq != -1
    before = np.concatenate(([0], np.cumsum(valid)))
    values = seq[valid]
    return PrefetchStack(values, StackLayout(len(values), before, height, width, spec.rolled,
                                             starts))


def _anti_diagonal_order(matrix: np.ndarray) -> np.ndarray:
    """Entries read by anti-diagonals (``row + col`` ascending, then column ascending):
    shear the matrix so each anti-diagonal becomes a row, then read row by row."""
    height, width = matrix.shape
    outside = np.iinfo(np.int64).min
    sheared = np.full((height + width - 1, width), outside, dtype=np.int64)
    for col in range(width):
        sheared[col:col + height, col] = matrix[:, col]
    flat = sheared.ravel()
    return flat[flat != outside]


def demand_ranges(spec: BlockSpec, plan: FoldPlan,
                  stack: StackLayout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each demand row with requests: the row, and the first and last index into the
    prefetch sequence of its requests (a row is a contiguous run of the sequence)."""
    once = demand_pass(spec, plan, stack)
    rows, lo, hi = once.ranges
    if once.passes == 1:
        return rows, lo, hi
    rows = (rows[None, :] + np.arange(once.passes)[:, None] * once.pass_rows).ravel()
    return rows, np.tile(lo, once.passes), np.tile(hi, once.passes)


@dataclass(frozen=True)
class DemandPass:
    """`demand_ranges` as one pass of rows that the layer repeats ``passes`` times, each
    ``pass_rows`` demand rows after the previous one (a block of the row fold only, again for
    every column fold)."""

    ranges: tuple[np.ndarray, np.ndarray, np.ndarray]
    passes: int
    pass_rows: int


def demand_pass(spec: BlockSpec, plan: FoldPlan, stack: StackLayout) -> DemandPass:
    """The demand rows with requests, their first and last index into the prefetch sequence,
    as one pass (see `DemandPass`)."""
    if spec.skew_prefix is None:
        t = np.arange(spec.height)
        first = np.zeros_like(t)
        last = np.full_like(t, spec.width - 1)
        u_first, u_last = t, t
    else:
        t = np.arange(spec.skew_prefix, spec.skew_prefix + spec.height + spec.width - 1)
        diag = t - spec.skew_prefix
        first = np.maximum(0, diag - spec.height + 1)
        last = np.minimum(spec.width - 1, diag)
        u_first, u_last = diag - first, diag - last
    folds = np.arange(plan.folds)[:, None]
    fc, fr = np.divmod(folds[:plan.row_folds] if spec.row_fold_only else folds, plan.row_folds)
    row_a, col_a, real = spec.to_stack(fc, fr, u_first[None, :], first[None, :])
    row_b, col_b, _ = spec.to_stack(fc, fr, u_last[None, :], last[None, :])
    if real is not True:
        real = np.broadcast_to(real, row_a.shape)
        row_a, row_b = np.where(real, row_a, 0), np.where(real, row_b, 0)
    lo = stack.position(row_a, col_a)
    hi = stack.position(row_b, col_b)
    if stack.valid_before is not None:
        lo, hi = stack.valid_before[lo], stack.valid_before[hi + 1] - 1
    keep = hi >= lo if real is True else real & (hi >= lo)
    rows = np.arange(lo.shape[0])[:, None] * plan.rows_per_fold + t[None, :]
    if keep.all():
        rows, lo, hi = rows.ravel(), lo.ravel(), hi.ravel()
    else:
        rows, lo, hi = rows[keep], lo[keep], hi[keep]
    if spec.row_fold_only:  # the same rows again for every column fold
        return DemandPass((rows, lo, hi), plan.col_folds, plan.row_folds * plan.rows_per_fold)
    return DemandPass((rows, lo, hi), 1, 0)
