"""The scan of SCALE-Sim's read-buffer model (``read_buffer``): the window after each demand
row, and the prefetch events it gives.

The scan jumps from edge row to edge row (rows not wholly inside the window; the others only
hit), found segment by segment (`DemandRows.next_edge`: runs of rows whose sets never decrease,
one bisection each). An edge row moves the window as its own
requests would without repeated addresses -- a closed form of its first and last request --
unless a repeated address could change that: only a request that misses its own set while
another entry of its address lies between the window start and it. Repeats gives a lower
bound on that distance (``Repeats.gap``); a miss within a row is at most a window past the
start, a row's first request is measured. A row that could be affected is resolved exactly:
edge rows from it on are tested request by request, vectorized, against the window, and the
first with a real miss is replayed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from accelsim.compat.scalesim.operands import StackLayout
from accelsim.compat.scalesim.read_buffer import (
    NO_EVENTS,
    DemandRows,
    Duplicates,
    Occurrences,
    PrefetchEvents,
    ReadBufferGeometry,
    Ring,
)

_MIN_CHUNK = 256  # demand rows tested per step: smallest, largest
_MAX_CHUNK = 1 << 20
_FIRST_BATCH = 32  # edge rows in the first batch of a `_first_miss` search


@dataclass(frozen=True)
class Repeats:
    """A prefetch sequence whose addresses may repeat: where the entries of each address are
    (built on first use), and a lower bound on the cyclic distance between two entries of one
    address (0: none known; `repeats.repeat_gap` gives one for conv IFMAPs)."""

    occurrences: Callable[[], Occurrences]
    gap: int = 0


class _ScalarReplay:
    """One row's requests replayed one by one with Python integers (`DemandRows._replay` for a
    single row): cheaper than the vectorized resolution for the few rows at a window edge."""

    def __init__(self, model: DemandRows, gap: int) -> None:
        assert model.dups is not None
        ring = model.ring
        self.lines, self.active, self.step = ring.lines, ring.active, ring.step
        self.set_words, self.gap, self.dups = ring.set_words, gap, model.dups

    def _window_of(self, line: int, k: int) -> int:
        distance = (line - k * self.step % self.lines) % self.lines
        return k if distance < self.active else k + -(-(distance - self.active + 1) // self.step)

    def _found(self, position: int, start: int) -> int:
        """`Occurrences.first_at_or_after` for one position."""
        dups = self.dups
        if not isinstance(dups, Duplicates):
            return int(dups.first_at_or_after(np.asarray([position]), np.asarray([start]))[0])
        prev, nxt = dups.prev, dups.next
        found = position
        if found >= start:
            while (before := int(prev[found])) >= start:
                found = before
            return found
        while found < start and (after := int(nxt[found])) >= 0:
            found = after
        if found < start:
            while (before := int(prev[found])) >= 0:
                found = before
        return found

    def row(self, lo: int, hi: int, k: int) -> int:
        """Window after requesting positions ``lo..hi`` from window ``k``.

        Without `Duplicates`, the first entries at or after the window start are found for
        the rest of the row at once; one stays the answer while the window, moving forward,
        has not passed it (no entry lies between the old start and it)."""
        set_words, lines, active, step = self.set_words, self.lines, self.active, self.step
        length, turn = lines * set_words, -(-lines // step)
        scalar = isinstance(self.dups, Duplicates)
        ahead: list[int] = []
        origin, k_origin = 0, k
        for position in range(lo, hi + 1):
            first = k * step % lines
            distance = (position // set_words - first) % lines
            if distance < active:
                continue
            if (distance + 1) * set_words <= self.gap:
                found = position
            elif scalar:
                found = self._found(position, first * set_words)
            else:
                if not ahead or k - k_origin >= turn or (
                        (ahead[position - lo] - origin) % length
                        < (first * set_words - origin) % length):
                    origin, k_origin = first * set_words, k
                    ahead = [0] * (position - lo) + self.dups.first_at_or_after(
                        np.arange(position, hi + 1), np.full(hi + 1 - position, origin)).tolist()
                found = ahead[position - lo]
            k = self._window_of(found // set_words, k)
        return k


def _first_miss(model: DemandRows, rows: np.ndarray, k: int, gap: int) -> int:
    """The first of ``rows`` (edge rows, in order) with a request that window ``k`` misses,
    or -1: a request hits if its own set or the first entry of its address at or after the
    window's start is inside the window (what `DemandRows._next_window` tests); one nearer
    than ``gap`` to the start has no other entry there, so it misses, and the entries of
    requests after the first such miss are not looked up."""
    assert model.dups is not None
    ring = model.ring
    base = model.base(rows)
    lo = model.lo[base]
    count = model.hi[base] - lo + 1
    ends = np.cumsum(count)
    starts = ends - count
    positions = np.arange(int(ends[-1])) - np.repeat(starts - lo, count)
    first = k * ring.step % ring.lines
    distance = (positions // ring.set_words - first) % ring.lines
    outside = np.flatnonzero(distance >= ring.active)
    if not outside.size:
        return -1
    certain = np.flatnonzero(distance[outside] < gap // ring.set_words)
    limit = int(certain[0]) if certain.size else outside.size
    if limit:
        missing = np.flatnonzero(~model.dups.window_hits(positions[outside[:limit]], ring, first))
        if missing.size:
            limit = int(missing[0])
        elif not certain.size:
            return -1
    return int(rows[np.searchsorted(starts, outside[limit], side="right") - 1])


def _exact_step(model: DemandRows, replay: _ScalarReplay, row: int, k: int) -> tuple[int, int]:
    """From edge row ``row`` on, resolving repeated addresses: the first row with a real miss
    (``model.total`` if none) and the window after it; rows before it keep window ``k``.

    Edge rows are tested in batches that double (the miss is usually among the first ones,
    but long runs of rows that hit through a repeated address are tested in few calls)."""
    total, pos, chunk, batch = model.total, row, _MIN_CHUNK, _FIRST_BATCH
    pending = np.zeros(0, np.int64)
    while True:
        while pending.size < batch and pos < total:
            stop = min(total, pos + chunk)
            edge = model.edge_rows(pos, stop, k)
            pending = np.concatenate((pending, edge)) if pending.size else edge
            pos, chunk = stop, min(2 * chunk, _MAX_CHUNK)
        if not pending.size:
            return total, k
        found = _first_miss(model, pending[:batch], k, replay.gap)
        if found >= 0:
            return found, replay.row(*model.run(found), k)
        pending, batch = pending[batch:], 2 * batch


def _scan(model: DemandRows, gap: int) -> tuple[list[int], list[int], list[int]]:
    """The rows (indices into the demand rows) that move the window, with the window index
    before and after each (``K_i`` = window after row ``i`` from ``K_{i-1}``)."""
    ring = model.ring
    lines, active, step, set_words = ring.lines, ring.active, ring.step, ring.set_words
    lo_set, hi_set, period, total = model.lo_set, model.hi_set, model.period, model.total
    replay = _ScalarReplay(model, gap) if model.dups is not None else None
    moved: list[int] = []
    before: list[int] = []
    after: list[int] = []

    def next_window(line: int, k: int) -> int:
        distance = (line - k * step % lines) % lines
        return k if distance < active else k + -(-(distance - active + 1) // step)

    k, pos = 0, 0
    while (row := model.next_edge(pos, k)) < total:
        low = int(lo_set[row % period])
        if replay is not None and (max((low - k * step) % lines, active) + 1) * set_words > gap:
            row, k_new = _exact_step(model, replay, row, k)
            if row == total:
                break
        elif (high := int(hi_set[row % period])) - low + active < lines:
            k_new = next_window(high, next_window(low, k))
        else:
            k_new = int(model.requests(np.asarray([row]), np.asarray([k]))[0])
        if k_new != k:
            moved.append(row)
            before.append(k)
            after.append(k_new)
        k, pos = k_new, row + 1
    return moved, before, after


def prefetch_events(layout: StackLayout, ranges: tuple[np.ndarray, np.ndarray, np.ndarray],
                    geometry: ReadBufferGeometry, repeats: Repeats | None, passes: int = 1,
                    pass_rows: int = 0) -> PrefetchEvents:
    """Rows whose requests make the window slide, for one read SRAM and one layer.

    ``ranges`` gives, per demand row with requests, the row and the first and last index of
    its requests in the prefetch sequence; ``repeats`` is given when an address can occur
    more than once in the sequence. The ranges may be one pass that the layer repeats
    ``passes`` times, each ``pass_rows`` demand rows after the previous one.
    """
    rows, lo, hi = ranges
    if not rows.size or not geometry.may_slide(layout.length):
        return NO_EVENTS
    ring = Ring(layout.length, geometry)
    if ring.step == 0:
        return NO_EVENTS
    dups = repeats.occurrences() if repeats is not None else None
    if isinstance(dups, Duplicates) and not dups.any:
        dups = None
    moved, before, after = _scan(DemandRows(ring, dups, lo, hi, passes),
                                 repeats.gap if repeats is not None else 0)
    repeat, base = np.divmod(np.asarray(moved, dtype=np.int64), len(rows))
    return PrefetchEvents(rows[base] + repeat * pass_rows, np.asarray(before, dtype=np.int64),
                          np.asarray(after, dtype=np.int64))
