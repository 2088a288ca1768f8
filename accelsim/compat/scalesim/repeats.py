"""How far apart a repeated IFMAP address can be in its prefetch sequence, in closed form.

Overlapping conv windows put one IFMAP word at several entries of the operand matrix: entries
``(i, j)`` and ``(i + di, j + dj)`` hold the same address exactly when they differ by a filter
offset ``(dfy, dfx)`` that the strides divide, with ``dj = (dfy * Fw + dfx) * C`` and
``di = -(dfy / Sh) * Ow - dfx / Sw`` (same channel, same IFMAP pixel). Each offset is a fixed
step in the stack's coordinates (one or two fold counts, as ``dj`` or ``di`` crosses a fold
edge), hence a bounded step in prefetch order. ``repeat_gap`` returns a lower bound on the
cyclic distance between any two entries holding one address.

Why it matters (``read_scan``): the read window differs from the no-repeats model only when a
request misses its own set while another entry of its address lies between the window start
and the request. A miss is at most a window plus a set past the start, except a row's first
request, which the scan measures; if every miss is nearer than this bound, repeated addresses
change nothing and the cheap no-repeats scan is exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property

import numpy as np

from accelsim.compat.scalesim.geometry import ScaleSimLayer
from accelsim.compat.scalesim.operands import StackLayout, StackSpec, dense_layout
from accelsim.compat.scalesim.read_buffer import Ring, window_positions
from accelsim.types import Dataflow

# Validity is looked up in per-layer tables (operand row or column, by step) while they hold
# at most this many booleans (4 MiB, about a 112x112 IFMAP with a 3x3x64 filter); past that it
# is computed per call.
_TABLE_ENTRIES = 1 << 22


def _filter_offsets(layer: ScaleSimLayer) -> Iterator[tuple[int, int, int, int]]:
    """``(doy, dox, dfy, dfx)``: ofmap-pixel and filter-tap steps between two operand entries
    holding one address (same IFMAP pixel and channel)."""
    fh, fw, sh, sw = layer.filter_h, layer.filter_w, layer.stride_h, layer.stride_w
    for dfy in range(-(fh - 1), fh):
        for dfx in range(-(fw - 1), fw):
            if dfy % sh or dfx % sw or (dfy, dfx) == (0, 0):
                continue
            doy, dox = -dfy // sh, -dfx // sw
            if abs(doy) < layer.ofmap_h and abs(dox) < layer.ofmap_w:
                yield doy, dox, dfy, dfx


def _offsets(layer: ScaleSimLayer) -> Iterator[tuple[int, int]]:
    """``(di, dj)`` of every filter offset that maps two operand entries to one address."""
    for doy, dox, dfy, dfx in _filter_offsets(layer):
        yield doy * layer.ofmap_w + dox, (dfy * layer.filter_w + dfx) * layer.channels


def _span(rows: int, cols: int, stack_rows: int, width: int, rolled: bool) -> tuple[int, int]:
    """Least and greatest distance in prefetch order (nulls included) between two stack
    elements ``rows`` rows and ``cols`` columns apart.

    Read by anti-diagonals, the elements are ``|rows + cols|`` diagonals apart; every
    diagonal between them holds at least one element, and all but the ``width - 1`` short ones
    at either end of the stack hold ``width``."""
    if not rolled:
        distance = abs(rows * width + cols)
        return distance, distance
    diagonals = abs(rows + cols)
    full = diagonals - 1 - 2 * (width - 1) if stack_rows >= width else 0
    return max(1, diagonals, full * width), (diagonals + 1) * width


def _signed_span(rows: int, cols: int, stack_rows: int, width: int,
                 rolled: bool) -> tuple[int, int]:
    """Least and greatest signed step in prefetch order (nulls included) from a stack element
    to the one ``rows`` rows and ``cols`` columns away (`_span` with the direction: reading
    goes by diagonal, then by column)."""
    least, most = _span(rows, cols, stack_rows, width, rolled)
    if not rolled:
        return (least, most) if rows * width + cols >= 0 else (-most, -least)
    if rows + cols == 0:
        return cols, cols
    return (least, most) if rows + cols > 0 else (-most, -least)


def repeat_gap(layer: ScaleSimLayer, dataflow: Dataflow, spec: StackSpec, length: int) -> int:
    """Lower bound on the cyclic distance, in the ``length``-entry prefetch sequence of the
    IFMAP stack ``spec``, between two entries holding one address (``length`` if none do).

    The stack holds element ``(f, u, x)`` at row ``f * height + u``, column ``x``; the operand
    entry there is ``(u, f * width + x)`` under WS and ``(f * width + x, u)`` under OS and IS.
    Dropping the stack's nulls can only shorten a distance by the number of nulls."""
    nulls, stack_rows = spec.words - length, spec.folds * spec.height
    bound = length
    for di, dj in _offsets(layer):
        folded, other = (dj, di) if dataflow is Dataflow.WS else (di, dj)
        for folds in {folded // spec.width, -(-folded // spec.width)}:
            least, most = _span(folds * spec.height + other, folded - folds * spec.width,
                                stack_rows, spec.width, spec.rolled)
            bound = min(bound, least - nulls, length - most)
    return bound


class IfmapOccurrences:
    """The entries of each IFMAP address in a stack without nulls, from the conv geometry
    (`read_buffer.Occurrences` without sorting the sequence)."""

    def __init__(self, layer: ScaleSimLayer, dataflow: Dataflow, spec: StackSpec,
                 layout: StackLayout | None = None) -> None:
        assert layer.ifmap_entries == spec.words, "a stack with nulls needs `Duplicates`"
        self.spec, self.layout = spec, layout if layout is not None else dense_layout(spec)
        self.ws = dataflow is Dataflow.WS
        self.ofmap = (layer.ofmap_h, layer.ofmap_w)
        self.filter = (layer.filter_h, layer.filter_w, layer.channels)
        steps, spans = [(0, 0, 0, 0)], [(0, 0)]
        stack_rows = spec.folds * spec.height
        for doy, dox, dfy, dfx in _filter_offsets(layer):
            di, dj = doy * layer.ofmap_w + dox, (dfy * layer.filter_w + dfx) * layer.channels
            folded, other = (dj, di) if self.ws else (di, dj)
            cases = [_signed_span(folds * spec.height + other, folded - folds * spec.width,
                                  stack_rows, spec.width, spec.rolled)
                     for folds in {folded // spec.width, -(-folded // spec.width)}]
            steps.append((doy, dox, dfy, dfx))
            spans.append((min(a for a, _ in cases), max(b for _, b in cases)))
        self.steps = np.asarray(steps, dtype=np.int64)
        self.spans = np.asarray(spans, dtype=np.int64)
        # per step: the shift of the operand entry (i, j), and the bounds its ofmap pixel and
        # filter tap must stay within
        self.shifts = np.stack((self.steps[:, 0] * layer.ofmap_w + self.steps[:, 1],
                                (self.steps[:, 2] * layer.filter_w + self.steps[:, 3])
                                * layer.channels), axis=1)
        self.bounds = (layer.ofmap_h, layer.ofmap_w, layer.filter_h, layer.filter_w)

    def _entries(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Operand entries ``(i, j)`` at sequence positions."""
        spec = self.spec
        row, col = self.layout.coordinates(positions)
        fold, u = np.divmod(row, spec.height)
        folded = fold * spec.width + col
        return (u, folded) if self.ws else (folded, u)

    def _positions(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Sequence positions of operand entries (any value where an entry is out of range)."""
        folded, u = (j, i) if self.ws else (i, j)
        fold, col = np.divmod(folded, self.spec.width)
        row = fold * self.spec.height + u
        layout = self.layout
        if not layout.rolled:
            return row * layout.width + col
        diag = row + col
        starts = layout.diagonal_starts.take(diag, mode="clip") + col
        if layout.height < layout.width or int(diag.max(initial=0)) >= layout.height:
            starts -= np.maximum(0, diag - layout.height + 1)
        return starts

    def _candidates(self, positions: np.ndarray,
                    steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the entries ``steps`` (indices into ``self.steps``) away from each
        position's entry, and which exist (rows: positions, columns: steps)."""
        i, j = self._entries(positions)
        if (tables := self._valid_tables) is not None:
            valid = tables[0][i[:, None], steps] & tables[1][j[:, None], steps]
        else:
            rows, cols = self._inside(i, j, self.steps[steps])
            valid = rows & cols
        shift = self.shifts[steps]
        return self._positions(i[:, None] + shift[:, 0], j[:, None] + shift[:, 1]), valid

    def _inside(self, i: np.ndarray, j: np.ndarray,
                steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether each step keeps operand row ``i``'s ofmap pixel inside the ofmap, and
        operand column ``j``'s filter tap inside the filter (rows: ``i`` or ``j``, columns:
        steps)."""
        oh, ow, fh, fw = self.bounds
        channels = self.filter[2]
        oy, ox = np.divmod(i, ow)
        fy, rest = np.divmod(j, fw * channels)
        # x + d is in [0, n) iff it is below n as an unsigned number
        return (((oy[:, None] + steps[:, 0]).view(np.uint64) < oh)
                & ((ox[:, None] + steps[:, 1]).view(np.uint64) < ow),
                ((fy[:, None] + steps[:, 2]).view(np.uint64) < fh)
                & ((rest[:, None] // channels + steps[:, 3]).view(np.uint64) < fw))

    @cached_property
    def _valid_tables(self) -> tuple[np.ndarray, np.ndarray] | None:
        """`_inside` of every operand row and column and every step, built once; None if the
        tables would hold more than `_TABLE_ENTRIES` booleans."""
        oh, ow, fh, fw = self.bounds
        columns = fh * fw * self.filter[2]
        if (oh * ow + columns) * len(self.steps) > _TABLE_ENTRIES:
            return None
        return self._inside(np.arange(oh * ow), np.arange(columns), self.steps)

    def first_at_or_after(self, positions: np.ndarray, start: np.ndarray) -> np.ndarray:
        """For each position, the first entry of its address at or after ``start``, going
        round the ring (back to the first entry) if there is none."""
        candidates, valid = self._candidates(positions, np.arange(len(self.steps)))
        length = self.layout.length
        key = np.where(valid, (candidates - start[:, None]) % length, length)
        return candidates[np.arange(len(positions)), np.argmin(key, axis=1)]

    def window_hits(self, positions: np.ndarray, ring: Ring, first: int) -> np.ndarray:
        """Whether an entry of each position's address is in the window starting at set
        ``first``; only steps that can reach the window from some position are tried."""
        low, high = int(positions.min()), int(positions.max())
        reach = np.zeros(len(self.steps), bool)
        for begin, end in window_positions(ring, first, self.layout.length):
            reach |= (low + self.spans[:, 0] < end) & (high + self.spans[:, 1] >= begin)
        if not reach.any():
            return np.zeros(len(positions), bool)
        candidates, valid = self._candidates(positions, np.flatnonzero(reach))
        (begin, end), *rest = window_positions(ring, first, self.layout.length)
        inside = (candidates - begin).view(np.uint64) < end - begin
        for begin, end in rest:
            inside |= (candidates - begin).view(np.uint64) < end - begin
        return np.asarray((valid & inside).any(axis=1))
