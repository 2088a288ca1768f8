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
repeated addresses -- overlapping conv windows -- against their duplicates). This module holds
the ring, the duplicate links and the demand rows; ``read_scan`` walks them.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np

from accelsim.compat.scalesim.geometry import ceil_div


@dataclass(frozen=True)
class ReadBufferGeometry:
    """Sizes of one read SRAM as SCALE-Sim derives them (1-byte words, half active)."""

    size_words: int
    bandwidth: int  # words per cycle from DRAM

    @cached_property
    def active_words(self) -> int:
        """Words of the active half (``ceil(S * 0.5)``)."""
        return ceil_div(self.size_words, 2)

    @cached_property
    def prefetch_words(self) -> int:
        """Words of the prefetch half."""
        return self.size_words - self.active_words

    @cached_property
    def set_words(self) -> int:
        """Words per set of the 100-set ring."""
        return ceil_div(self.size_words, 100)

    @cached_property
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


class Ring:
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


class Occurrences(Protocol):
    """Where the entries of a sequence's repeated addresses are."""

    def first_at_or_after(self, positions: np.ndarray, start: np.ndarray) -> np.ndarray:
        """For each position, the first entry of its address at or after ``start``, going round
        the ring (back to the first entry) if there is none."""

    def window_hits(self, positions: np.ndarray, ring: Ring, first: int) -> np.ndarray:
        """Whether an entry of each position's address is in the window starting at set
        ``first``."""


def window_positions(ring: Ring, first: int, length: int) -> tuple[tuple[int, int], ...]:
    """The window starting at set ``first`` as position ranges ``[a, b)`` (two if it wraps)."""
    stop = first + ring.active
    if stop <= ring.lines:
        return ((first * ring.set_words, min(stop * ring.set_words, length)),)
    return ((first * ring.set_words, length), (0, (stop - ring.lines) * ring.set_words))


class Duplicates:
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

    def window_hits(self, positions: np.ndarray, ring: Ring, first: int) -> np.ndarray:
        """Whether an entry of each position's address is in the window starting at set
        ``first``."""
        found = self.first_at_or_after(positions, np.full(positions.size, first * ring.set_words))
        return np.asarray((found // ring.set_words - first) % ring.lines < ring.active)

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


class _Segments:
    """Maximal runs of rows whose first and last sets never decrease (Python lists)."""

    def __init__(self, lo_set: np.ndarray, hi_set: np.ndarray) -> None:
        down = np.flatnonzero((lo_set[1:] < lo_set[:-1]) | (hi_set[1:] < hi_set[:-1])) + 1
        starts = np.concatenate(([0], down)) if lo_set.size else down
        ends = np.concatenate((down, [lo_set.size])) if lo_set.size else down
        self.starts: list[int] = starts.tolist()
        self.ends: list[int] = ends.tolist()
        self.first_lo: list[int] = lo_set[starts].tolist()
        self.last_hi: list[int] = hi_set[ends - 1].tolist()


class DemandRows:
    """Demand rows as runs ``lo..hi`` of the prefetch sequence, and how each moves the window.

    The runs may be one *pass* that the layer repeats ``passes`` times (the same blocks again
    for every column fold): row ``r`` is then run ``r % len(lo)``, and nothing is tiled."""

    def __init__(self, ring: Ring, dups: Occurrences | None, lo: np.ndarray,
                 hi: np.ndarray, passes: int = 1) -> None:
        self.ring, self.dups, self.lo, self.hi = ring, dups, lo, hi
        self.lo_set, self.hi_set = lo // ring.set_words, hi // ring.set_words
        self._segments = _Segments(self.lo_set, self.hi_set)
        self.period, self.total = len(lo), len(lo) * passes

    def base(self, rows: np.ndarray) -> np.ndarray:
        """The runs of rows (indices into ``lo`` / ``hi``)."""
        return rows % self.period if self.total > self.period else rows

    def next_edge(self, pos: int, k: int) -> int:
        """First row ``>= pos`` that `edge_rows` would give for window ``k`` (``total`` if
        none). Every pass is the same, so a pass without one means there is none."""
        if pos >= self.total:
            return self.total
        first, offset = divmod(pos, self.period)
        for repeat, start in ((first, offset), (first + 1, 0)):
            if repeat * self.period >= self.total:
                break
            row = self._next_edge(start, k)
            if row < self.period:
                return repeat * self.period + row
        return self.total

    def _next_edge(self, pos: int, k: int) -> int:
        """`next_edge` within the pass, found segment by segment: within a run of rows whose
        first and last sets never decrease, a row is inside a window that does not wrap the
        ring iff its first set is at or after the start and its last set before the end (one
        comparison for the segment's first row, one bisection on the last sets); if the window
        wraps, iff its first set is at or after the start or its last set before the wrapped
        end."""
        ring, seg = self.ring, self._segments
        start = k * ring.step % ring.lines
        end = start + ring.active
        wrap = end - ring.lines
        lo_set, hi_set = self.lo_set, self.hi_set
        index = bisect_right(seg.ends, pos)
        while index < len(seg.ends):
            stop = seg.ends[index]
            low = seg.first_lo[index] if pos == seg.starts[index] else int(lo_set[pos])
            if wrap <= 0:
                if low < start:
                    return pos
                if seg.last_hi[index] >= end:
                    return pos + int(hi_set[pos:stop].searchsorted(end))
            elif low < start and seg.last_hi[index] >= wrap:
                row = pos + int(hi_set[pos:stop].searchsorted(wrap))
                if int(lo_set[row]) < start:
                    return row
            pos, index = stop, index + 1
        return len(lo_set)

    def edge_rows(self, pos: int, stop: int, k: int) -> np.ndarray:
        """Rows ``pos <= row < stop`` whose run is not wholly inside window ``k`` (the others
        only hit): the run's first set is not within ``active - (sets it spans)`` of the start."""
        ring, parts = self.ring, []
        start = k * ring.step % ring.lines
        while pos < stop:
            repeat, offset = divmod(pos, self.period)
            end = min(stop - repeat * self.period, self.period)
            lo_set = self.lo_set[offset:end]
            d_lo = (lo_set - start) % ring.lines
            parts.append(pos + np.flatnonzero(d_lo + (self.hi_set[offset:end] - lo_set)
                                              >= ring.active))
            pos = repeat * self.period + end
        return parts[0] if len(parts) == 1 else np.concatenate(parts or [np.zeros(0, np.int64)])

    def run(self, row: int) -> tuple[int, int]:
        """First and last position of ``row``'s requests."""
        base = row % self.period
        return int(self.lo[base]), int(self.hi[base])

    def requests(self, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Rows resolved request by request.

        Without repeated addresses, a row shorter than the ring's unused part moves the window
        exactly as its first then its last request would. Otherwise all requests at once: each
        request's window from the row's start, a running max within the row, then a check that
        requests which hit early are still inside the later window; rows failing it are
        replayed one request position at a time.
        """
        rows = self.base(rows)
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
