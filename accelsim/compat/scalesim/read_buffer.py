"""SCALE-Sim 3.0.0's double-buffered read SRAM (IFMAP or FILTER), as an event model.

What SCALE-Sim does, and what this module reproduces without stepping cycles:

- The SRAM's ``S`` words are cut into 100 *sets* of ``ceil(S / 100)`` words, filled in prefetch
  order with the non-null addresses of the prefetch sequence (a trailing, possibly empty, set
  makes ``lines = len // set + 1``). The sets form a ring.
- A sliding *window* of ``A = ceil(S/2 / set)`` sets (half the SRAM) is the "active buffer"; it
  starts at set 0, already loaded before cycle 0.
- A request hits if its address is in any set of the window (duplicates anywhere count). On a
  miss the window slides by ``P = ceil(S/2 / set)`` sets (capped by the ring) -- one *prefetch* --
  until the address is inside; the window only moves forward, so an address that has slid out
  is found again only after a full turn of the ring. If the whole sequence fits (``P = 0``)
  nothing is ever fetched again.
- Prefetch ``k`` (1-based) completes at ``L_k = -1 + k * (n + 1)``, with
  ``n = ceil(S/2 / bandwidth)`` DRAM lines per prefetch: prefetches are chained back to back
  from the previous one, not from the time of the miss.
- The stall arithmetic has a quirk: a request at time ``t`` needing prefetch ``k`` moves to
  ``L_k + max(0, L_k - t)`` (a late prefetch is counted twice, an early one pulls ``t`` back).

Which prefetches a demand row triggers depends only on the order of requests, not on time, so
they are computed once, vectorized; timing is then a closed form per row. Every demand row
requests a contiguous run of the prefetch sequence; a row whose run lies inside the window only
hits, and only the few rows at the window's edge are replayed request by request (resolving
repeated addresses -- overlapping conv windows -- against their duplicates).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from accelsim.compat.scalesim.geometry import ceil_div
from accelsim.compat.scalesim.operands import PrefetchStack

_MIN_CHUNK = 256  # demand rows tested per step: smallest, largest
_MAX_CHUNK = 1 << 20


@dataclass(frozen=True)
class ReadBufferGeometry:
    """Sizes of one read SRAM as SCALE-Sim derives them (1-byte words, half active)."""

    size_words: int
    bandwidth: int  # words per cycle from DRAM

    @property
    def active_words(self) -> int:
        """Words of the active half (``ceil(S * 0.5)``)."""
        return ceil_div(self.size_words, 2)

    @property
    def prefetch_words(self) -> int:
        """Words of the prefetch half."""
        return self.size_words - self.active_words

    @property
    def set_words(self) -> int:
        """Words per set of the 100-set ring."""
        return ceil_div(self.size_words, 100)

    @property
    def lines_per_prefetch(self) -> int:
        """DRAM lines (``bandwidth`` words each) one prefetch requests."""
        return ceil_div(self.prefetch_words, self.bandwidth)

    def may_slide(self, sequence_words: int) -> bool:
        """Whether a sequence this long overflows the active window (else: no prefetches)."""
        return sequence_words // self.set_words + 1 > ceil_div(self.active_words, self.set_words)

    def initial_lines(self, stack_words: int) -> int:
        """DRAM lines of the initial active-buffer fill (capped by the whole stack)."""
        return min(ceil_div(self.active_words, self.bandwidth),
                   ceil_div(stack_words, self.bandwidth))

    def prefetch_done(self, k: int) -> int:
        """Cycle at which prefetch ``k`` completes (``k = 0``: the initial fill)."""
        return -1 + k * (self.lines_per_prefetch + 1)

    def row_stall(self, cycle: int, k_before: int, k_after: int) -> int:
        """Stall SCALE-Sim charges a row issued at ``cycle`` that needs prefetches
        ``k_before + 1 .. k_after`` (closed form of its per-prefetch offset update)."""
        period = self.lines_per_prefetch + 1
        excess = max(0, self.prefetch_done(k_before + 1) - (cycle + 1))
        count = k_after - k_before
        if count > 1:
            if excess <= period:
                excess = excess if count % 2 else period - excess
            else:
                excess = period if count % 2 else 0
        return self.prefetch_done(k_after) + excess - cycle - 1


@dataclass(frozen=True)
class PrefetchEvents:
    """Demand rows that trigger prefetches, with the prefetch count before and after each."""

    rows: np.ndarray
    k_before: np.ndarray
    k_after: np.ndarray

    @property
    def total(self) -> int:
        """Prefetches over the whole layer."""
        return int(self.k_after[-1]) if self.k_after.size else 0

    @cached_property
    def by_row(self) -> dict[int, tuple[int, int]]:
        """``row -> (k_before, k_after)``, built once (the engine looks rows up one by one)."""
        return {row: (before, after) for row, before, after in zip(
            self.rows.tolist(), self.k_before.tolist(), self.k_after.tolist(), strict=True)}


NO_EVENTS = PrefetchEvents(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))


class _Ring:
    """The ring of sets over the prefetch sequence, and which window first holds a position."""

    def __init__(self, sequence_words: int, geometry: ReadBufferGeometry) -> None:
        self.set_words = geometry.set_words
        self.lines = sequence_words // self.set_words + 1
        self.active = min(ceil_div(geometry.active_words, self.set_words), self.lines)
        self.step = min(ceil_div(geometry.prefetch_words, self.set_words),
                        self.lines - self.active)

    def start(self, k: np.ndarray | int) -> np.ndarray:
        """First set of window ``k``."""
        return (np.asarray(k) * self.step) % self.lines

    def next_window(self, lines: np.ndarray, k: np.ndarray | int) -> np.ndarray:
        """First window index ``>= k`` that contains each set in ``lines``."""
        distance = (lines - self.start(k)) % self.lines
        return k + np.where(distance < self.active, 0,
                            -(-(distance - self.active + 1) // self.step))


class _Duplicates:
    """Where else in the sequence each entry's address occurs (previous / next)."""

    def __init__(self, values: np.ndarray) -> None:
        size = len(values)
        relative = values - values.min()
        if relative.max() < 1 << 16:  # a stable sort of 16-bit keys is a radix sort: O(n)
            position = np.argsort(relative.astype(np.uint16), kind="stable")
            address = relative[position]
        else:
            keys = np.sort(relative * size + np.arange(size))
            address = keys // size
            position = keys - address * size
        same = address[1:] == address[:-1]
        self.any = bool(same.any())
        self.prev = np.full(size, -1, dtype=np.int64)
        self.next = np.full(size, -1, dtype=np.int64)
        self.prev[position[1:][same]] = position[:-1][same]
        self.next[position[:-1][same]] = position[1:][same]

    def first(self, positions: np.ndarray) -> np.ndarray:
        """First occurrence of each position's address."""
        found = positions.copy()
        live = np.arange(len(found))
        while live.size:
            prev = self.prev[found[live]]
            move = prev >= 0
            live = live[move]
            found[live] = prev[move]
        return found

    def first_at_or_after(self, positions: np.ndarray, start: np.ndarray) -> np.ndarray:
        """For each position, the first occurrence of its address at or after ``start``,
        going round the ring (back to the first occurrence) if there is none."""
        found = positions.copy()
        back = np.nonzero(found >= start)[0]
        while back.size:
            prev = self.prev[found[back]]
            move = prev >= start[back]
            back = back[move]
            found[back] = prev[move]
        ahead = np.nonzero(found < start)[0]
        while ahead.size:
            nxt = self.next[found[ahead]]
            move = nxt >= 0
            found[ahead[move]] = nxt[move]
            ahead = ahead[move & (nxt < start[ahead])]
        wrap = found < start
        found[wrap] = self.first(found[wrap])
        return found


class _Rows:
    """Demand rows as runs ``lo..hi`` of the prefetch sequence, and how each moves the window."""

    def __init__(self, ring: _Ring, dups: _Duplicates | None, lo: np.ndarray,
                 hi: np.ndarray) -> None:
        self.ring, self.dups, self.lo, self.hi = ring, dups, lo, hi
        self.lo_set, self.hi_set = lo // ring.set_words, hi // ring.set_words

    def edge(self, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Rows whose run is not wholly inside window ``k`` (the others only hit)."""
        ring = self.ring
        start = ring.start(k)
        d_lo = (self.lo_set[rows] - start) % ring.lines
        d_hi = (self.hi_set[rows] - start) % ring.lines
        return (d_lo >= ring.active) | (d_hi >= ring.active) | (d_lo > d_hi)

    def requests(self, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Rows resolved request by request.

        Without repeated addresses, a row shorter than the ring's unused part moves the window
        exactly as its first then its last request would. Otherwise all requests at once: each
        request's window from the row's start, a running max within the row, then a check that
        requests which hit early are still inside the later window; rows failing it are
        replayed one request position at a time.
        """
        if self.dups is None:
            ring = self.ring
            short = self.hi_set[rows] - self.lo_set[rows] + ring.active < ring.lines
            out = np.empty_like(k)
            k_lo = ring.next_window(self.lo_set[rows[short]], k[short])
            out[short] = ring.next_window(self.hi_set[rows[short]], k_lo)
            if not short.all():
                out[~short] = self._all_requests(rows[~short], k[~short])
            return out
        return self._all_requests(rows, k)

    def _all_requests(self, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Every request of the rows at once (see `requests`)."""
        count = self.hi[rows] - self.lo[rows] + 1
        first = np.concatenate(([0], np.cumsum(count)[:-1]))
        row_of = np.repeat(np.arange(len(rows)), count)
        positions = np.arange(int(count.sum())) - np.repeat(first - self.lo[rows], count)
        k_req = k[row_of]
        alone = self._next_window(positions, k_req)
        shift = row_of * (int(alone.max()) + 1)
        running = np.maximum.accumulate(shift + alone) - shift
        before = np.concatenate(([0], running[:-1]))
        before[first] = k
        check = np.nonzero(alone < before)[0]
        slid = check[self._next_window(positions[check], before[check]) != before[check]]
        out = running[first + count - 1]
        redo = np.unique(row_of[slid])
        if redo.size:
            out[redo] = self._replay(rows[redo], k[redo])
        return out

    def _replay(self, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Replay rows one request position at a time (all rows in step)."""
        first, count = self.lo[rows], self.hi[rows] - self.lo[rows] + 1
        k = k.copy()
        live = np.arange(len(rows))
        for offset in range(int(count.max())):
            live = live[count[live] > offset]
            k[live] = self._next_window(first[live] + offset, k[live])
        return k

    def _next_window(self, positions: np.ndarray, k: np.ndarray) -> np.ndarray:
        """First window ``>= k`` holding each request (any duplicate of its address counts)."""
        ring = self.ring
        if self.dups is None:
            return ring.next_window(positions // ring.set_words, k)
        start = ring.start(k)
        result = k.copy()
        out = np.nonzero((positions // ring.set_words - start) % ring.lines >= ring.active)[0]
        if out.size:
            found = self.dups.first_at_or_after(positions[out], start[out] * ring.set_words)
            result[out] = ring.next_window(found // ring.set_words, k[out])
        return result


def _scan_unique(model: _Rows) -> np.ndarray:
    """Window index after each row (``K_i`` = window after row ``i`` from ``K_{i-1}``), without
    repeated addresses: every row not wholly inside the window moves
    it, so the next event is the first such row (one vectorized test over a chunk), and its
    new window is a closed form of its first and last request (as `_Rows.requests` does for
    short rows; longer rows go through `_Rows.requests` itself)."""
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
    """One row's requests replayed one by one with Python integers (`_Rows._replay` for a
    single row): cheaper than the vectorized resolution for the few rows at a window edge."""

    def __init__(self, model: _Rows) -> None:
        assert model.dups is not None
        ring = model.ring
        self.lines, self.active, self.step = ring.lines, ring.active, ring.step
        self.set_words = ring.set_words
        self.prev, self.next = model.dups.prev, model.dups.next

    def _window_of(self, line: int, k: int) -> int:
        distance = (line - k * self.step % self.lines) % self.lines
        return k if distance < self.active else k + -(-(distance - self.active + 1) // self.step)

    def _found(self, position: int, start: int) -> int:
        """`_Duplicates.first_at_or_after` for one position."""
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


def _first_miss(model: _Rows, rows: np.ndarray, k: int) -> int:
    """The first of ``rows`` (edge rows, in order) with a request that window ``k`` misses,
    or -1: a request hits if its own set or the first occurrence of its address at or after
    the window's start is inside the window (what `_Rows._next_window` tests)."""
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


def _scan_repeats(model: _Rows) -> np.ndarray:
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
    ring = _Ring(len(stack.values), geometry)
    if ring.step == 0:
        return NO_EVENTS
    dups = _Duplicates(stack.values) if may_repeat else None
    model = _Rows(ring, dups if dups is not None and dups.any else None, lo, hi)
    k_after = _scan_repeats(model) if model.dups is not None else _scan_unique(model)
    k_before = np.concatenate(([0], k_after[:-1]))
    moved = k_after > k_before
    return PrefetchEvents(rows[moved], k_before[moved], k_after[moved])
