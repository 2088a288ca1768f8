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

import numpy as np

from accelsim.compat.scalesim.geometry import ScaleSimLayer
from accelsim.compat.scalesim.operands import StackSpec, dense_layout
from accelsim.compat.scalesim.read_buffer import Ring, window_positions
from accelsim.types import Dataflow


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

    def __init__(self, layer: ScaleSimLayer, dataflow: Dataflow, spec: StackSpec) -> None:
        assert layer.ifmap_entries == spec.words, "a stack with nulls needs `Duplicates`"
        self.layer, self.spec, self.layout = layer, spec, dense_layout(spec)
        self.ws = dataflow is Dataflow.WS
        steps = np.asarray([(0, 0, 0, 0), *_filter_offsets(layer)], dtype=np.int64)
        self.doy, self.dox, self.dfy, self.dfx = (steps[None, :, n] for n in range(4))
        self._window: tuple[int, np.ndarray] = (-1, np.zeros(0, bool))

    def _addresses(self, positions: np.ndarray) -> np.ndarray:
        """IFMAP word (pixel-major, channels last, no offset) at sequence positions."""
        lay = self.layer
        i, j = self._entries(positions)
        oy, ox = np.divmod(i, lay.ofmap_w)
        fy, rest = np.divmod(j, lay.filter_w * lay.channels)
        fx, ch = np.divmod(rest, lay.channels)
        return (((oy * lay.stride_h + fy) * lay.ifmap_w + ox * lay.stride_w + fx) * lay.channels
                + ch)

    def window_hits(self, positions: np.ndarray, ring: Ring, first: int) -> np.ndarray:
        """Whether an entry of each position's address is in the window starting at set
        ``first`` (a table of the window's words, kept while the window stays)."""
        if self._window[0] != first:
            table = np.zeros(self.layer.ifmap_h * self.layer.ifmap_w * self.layer.channels, bool)
            for begin, end in window_positions(ring, first, self.layout.length):
                table[self._addresses(np.arange(begin, end))] = True
            self._window = (first, table)
        return self._window[1][self._addresses(positions)]

    def _entries(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Operand entries ``(i, j)`` at sequence positions."""
        layout, spec = self.layout, self.spec
        if layout.rolled:
            diag = np.searchsorted(layout.diagonal_starts, positions, side="right") - 1
            col = (positions - layout.diagonal_starts[diag]
                   + np.maximum(0, diag - layout.height + 1))
            row = diag - col
        else:
            row, col = np.divmod(positions, layout.width)
        fold, u = np.divmod(row, spec.height)
        folded = fold * spec.width + col
        return (u, folded) if self.ws else (folded, u)

    def _positions(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        folded, u = (j, i) if self.ws else (i, j)
        fold, col = np.divmod(folded, self.spec.width)
        return self.layout.position(fold * self.spec.height + u, col)

    def first_at_or_after(self, positions: np.ndarray, start: np.ndarray) -> np.ndarray:
        """For each position, the first entry of its address at or after ``start``, going
        round the ring (back to the first entry) if there is none."""
        lay = self.layer
        i, j = self._entries(positions)
        oy, ox = np.divmod(i[:, None], lay.ofmap_w)
        fy, rest = np.divmod(j[:, None], lay.filter_w * lay.channels)
        fx, ch = np.divmod(rest, lay.channels)
        oy, ox, fy, fx = oy + self.doy, ox + self.dox, fy + self.dfy, fx + self.dfx
        valid = ((oy >= 0) & (oy < lay.ofmap_h) & (ox >= 0) & (ox < lay.ofmap_w)
                 & (fy >= 0) & (fy < lay.filter_h) & (fx >= 0) & (fx < lay.filter_w))
        candidates = self._positions(np.where(valid, oy * lay.ofmap_w + ox, i[:, None]),
                                     np.where(valid, (fy * lay.filter_w + fx) * lay.channels
                                              + ch, j[:, None]))
        key = np.where(valid, (candidates - start[:, None]) % self.layout.length,
                       self.layout.length)
        return candidates[np.arange(len(positions)), np.argmin(key, axis=1)]
