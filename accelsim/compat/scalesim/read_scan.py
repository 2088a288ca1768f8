"""The scans of SCALE-Sim's read-buffer model (``read_buffer``): the window after each demand
row, without repeated addresses (a closed form between events) or with them (edge rows tested
vectorized, the first miss replayed request by request), and the prefetch events they give.
"""

from __future__ import annotations

import numpy as np

from accelsim.compat.scalesim.operands import PrefetchStack
from accelsim.compat.scalesim.read_buffer import (
    NO_EVENTS,
    DemandRows,
    Duplicates,
    PrefetchEvents,
    ReadBufferGeometry,
    Ring,
)

_MIN_CHUNK = 256  # demand rows tested per step: smallest, largest
_MAX_CHUNK = 1 << 20


def _scan_unique(model: DemandRows) -> np.ndarray:
    """Window index after each row (``K_i`` = window after row ``i`` from ``K_{i-1}``), without
    repeated addresses: every row not wholly inside the window moves
    it, so the next event is the first such row (one vectorized test over a chunk), and its
    new window is a closed form of its first and last request (as `DemandRows.requests` does for
    short rows; longer rows go through `DemandRows.requests` itself)."""
    ring = model.ring
    lines, active, step = ring.lines, ring.active, ring.step
    lo_set, hi_set = model.lo_set.tolist(), model.hi_set.tolist()
    total = len(lo_set)
    out = np.empty(total, dtype=np.int64)

    def next_window(line: int, k: int) -> int:
        distance = (line - k * step % lines) % lines
        return k if distance < active else k + -(-(distance - active + 1) // step)

    k, pos, chunk = 0, 0, _MIN_CHUNK
    while pos < total:
        stop = min(total, pos + chunk)
        first = k * step % lines
        d_lo = (model.lo_set[pos:stop] - first) % lines
        d_hi = (model.hi_set[pos:stop] - first) % lines
        outside = np.flatnonzero((d_hi >= active) | (d_lo > d_hi))
        if not outside.size:
            out[pos:stop] = k
            pos, chunk = stop, min(2 * chunk, _MAX_CHUNK)
            continue
        row = pos + int(outside[0])
        out[pos:row] = k
        if hi_set[row] - lo_set[row] + active < lines:
            k = next_window(hi_set[row], next_window(lo_set[row], k))
        else:
            k = int(model.requests(np.asarray([row]), np.asarray([k]))[0])
        out[row] = k
        chunk = max(2 * (row + 1 - pos), _MIN_CHUNK)
        pos = row + 1
    return out


class _ScalarReplay:
    """One row's requests replayed one by one with Python integers (`DemandRows._replay` for a
    single row): cheaper than the vectorized resolution for the few rows at a window edge."""

    def __init__(self, model: DemandRows) -> None:
        assert model.dups is not None
        ring = model.ring
        self.lines, self.active, self.step = ring.lines, ring.active, ring.step
        self.set_words = ring.set_words
        self.prev, self.next = model.dups.prev, model.dups.next

    def _window_of(self, line: int, k: int) -> int:
        distance = (line - k * self.step % self.lines) % self.lines
        return k if distance < self.active else k + -(-(distance - self.active + 1) // self.step)

    def _found(self, position: int, start: int) -> int:
        """`Duplicates.first_at_or_after` for one position."""
        prev, nxt = self.prev, self.next
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
        """Window after requesting positions ``lo..hi`` from window ``k``."""
        set_words, lines, active = self.set_words, self.lines, self.active
        for position in range(lo, hi + 1):
            first = k * self.step % lines
            if (position // set_words - first) % lines >= active:
                found = self._found(position, first * set_words)
                k = self._window_of(found // set_words, k)
        return k


def _first_miss(model: DemandRows, rows: np.ndarray, k: int) -> int:
    """The first of ``rows`` (edge rows, in order) with a request that window ``k`` misses,
    or -1: a request hits if its own set or the first occurrence of its address at or after
    the window's start is inside the window (what `DemandRows._next_window` tests)."""
    assert model.dups is not None
    ring = model.ring
    count = model.hi[rows] - model.lo[rows] + 1
    starts = np.concatenate(([0], np.cumsum(count)[:-1]))
    positions = np.arange(int(count.sum())) - np.repeat(starts - model.lo[rows], count)
    first = int(ring.start(k))
    outside = np.flatnonzero((positions // ring.set_words - first) % ring.lines >= ring.active)
    if not outside.size:
        return -1
    found = model.dups.first_at_or_after(positions[outside],
                                         np.full(outside.size, first * ring.set_words))
    missed = outside[(found // ring.set_words - first) % ring.lines >= ring.active]
    if not missed.size:
        return -1
    return int(rows[np.searchsorted(starts, missed[0], side="right") - 1])


def _scan_repeats(model: DemandRows) -> np.ndarray:
    """Window index after each row, with repeated addresses: rows wholly inside the window
    only hit, and so do edge rows whose every request finds its address inside (both tests
    vectorized over a chunk); the first row with a miss moves the window and is replayed
    request by request."""
    replay = _ScalarReplay(model)
    total = len(model.lo)
    out = np.empty(total, dtype=np.int64)
    k, pos, chunk = 0, 0, _MIN_CHUNK
    while pos < total:
        rows = np.arange(pos, min(total, pos + chunk))
        edge = rows[model.edge(rows, np.full(len(rows), k))]
        row, batch = -1, 8
        while row < 0 and edge.size:  # the miss is usually among the first edge rows
            row = _first_miss(model, edge[:batch], k)
            edge, batch = edge[batch:], 2 * batch
        if row < 0:
            out[rows] = k
            pos, chunk = pos + len(rows), min(2 * chunk, _MAX_CHUNK)
            continue
        out[pos:row] = k
        out[row] = k = replay.row(int(model.lo[row]), int(model.hi[row]), k)
        chunk = max(2 * (row + 1 - pos), _MIN_CHUNK)
        pos = row + 1
    return out


def prefetch_events(stack: PrefetchStack, ranges: tuple[np.ndarray, np.ndarray, np.ndarray],
                    geometry: ReadBufferGeometry, may_repeat: bool) -> PrefetchEvents:
    """Rows whose requests make the window slide, for one read SRAM and one layer.

    ``ranges`` gives, per demand row with requests, the row and the first and last index of
    its requests in the prefetch sequence; ``may_repeat`` says whether an address can occur
    more than once in the sequence.
    """
    rows, lo, hi = ranges
    if not rows.size or not geometry.may_slide(len(stack.values)):
        return NO_EVENTS
    ring = Ring(len(stack.values), geometry)
    if ring.step == 0:
        return NO_EVENTS
    dups = Duplicates(stack.values) if may_repeat else None
    model = DemandRows(ring, dups if dups is not None and dups.any else None, lo, hi)
    k_after = _scan_repeats(model) if model.dups is not None else _scan_unique(model)
    k_before = np.concatenate(([0], k_after[:-1]))
    moved = k_after > k_before
    return PrefetchEvents(rows[moved], k_before[moved], k_after[moved])
