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

Which prefetches a demand row triggers depends only on the order of addresses, not on time, so
they are computed once, vectorized; timing is then a closed form per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.errors import SimulationError
from accelsim.sim.scalesim.geometry import ceil_div

_FIRST_CHUNK = 4096
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


NO_EVENTS = PrefetchEvents(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))


class _Ring:
    """Which sets of the ring hold each address, and the first window holding it from a start."""

    def __init__(self, sequence: np.ndarray, geometry: ReadBufferGeometry) -> None:
        set_words = geometry.set_words
        self.lines = len(sequence) // set_words + 1
        self.active = min(ceil_div(geometry.active_words, set_words), self.lines)
        self.step = min(ceil_div(geometry.prefetch_words, set_words), self.lines - self.active)
        self.base = int(sequence.min())
        ranks = sequence - self.base
        self.keys = np.unique(ranks * self.lines + np.arange(len(sequence)) // set_words)
        key_rank = self.keys // self.lines
        starts = np.concatenate(([0], np.nonzero(np.diff(key_rank))[0] + 1))
        self.first = np.full(int(ranks.max()) + 1, -1, dtype=np.int64)
        self.first[key_rank[starts]] = self.keys[starts] % self.lines

    def ranks(self, addresses: np.ndarray) -> np.ndarray:
        """Dense ranks of demanded addresses; every one must be in the prefetch sequence."""
        ranks = addresses - self.base
        bad = (ranks < 0) | (ranks >= len(self.first))
        if not bad.any():
            bad = self.first[ranks] < 0
        if bad.any():
            raise SimulationError("SCALE-Sim compat: a demanded address is never prefetched")
        return ranks

    def next_window(self, ranks: np.ndarray, k: np.ndarray | int) -> np.ndarray:
        """For each address, the first window index ``>= k`` whose sets contain it."""
        start = (np.asarray(k) * self.step) % self.lines
        idx = np.searchsorted(self.keys, ranks * self.lines + start)
        hit_key = self.keys[np.minimum(idx, len(self.keys) - 1)]
        same = (idx < len(self.keys)) & (hit_key // self.lines == ranks)
        line = np.where(same, hit_key % self.lines, self.first[ranks])
        distance = (line - start) % self.lines
        slides = np.where(distance < self.active, 0,
                          -(-(distance - self.active + 1) // max(self.step, 1)))
        return k + slides


def _window_per_request(ring: _Ring, ranks: np.ndarray) -> np.ndarray:
    """Window index after each request, in order (``k_j = first window >= k_{j-1}``).

    Optimistic in chunks: take the running max of each request's window from the chunk's start,
    then check the requests that were hits earlier are still inside the later window; at the
    first that slid out, accept what precedes it and restart there.
    """
    out = np.empty(len(ranks), dtype=np.int64)
    k, pos, chunk = 0, 0, _FIRST_CHUNK
    while pos < len(ranks):
        part = ranks[pos:pos + chunk]
        running = np.maximum.accumulate(ring.next_window(part, k))
        before = np.concatenate(([k], running[:-1]))
        recheck = np.nonzero(running == before)[0]
        redo = ring.next_window(part[recheck], before[recheck])
        slid = recheck[redo != before[recheck]]
        if slid.size == 0:
            out[pos:pos + len(part)] = running
            k, pos, chunk = int(running[-1]), pos + len(part), min(2 * chunk, _MAX_CHUNK)
            continue
        first = int(slid[0])
        out[pos:pos + first] = running[:first]
        k = int(redo[np.searchsorted(recheck, first)])
        out[pos + first] = k
        pos, chunk = pos + first + 1, max(chunk // 2, 256)
    return out


def prefetch_events(sequence: np.ndarray, addresses: np.ndarray, rows: np.ndarray,
                    geometry: ReadBufferGeometry) -> PrefetchEvents:
    """Rows whose requests make the window slide, for one read SRAM and one layer."""
    if len(addresses) == 0 or len(sequence) // geometry.set_words + 1 <= ceil_div(
            geometry.active_words, geometry.set_words):
        return NO_EVENTS
    ring = _Ring(sequence, geometry)
    if ring.step == 0:
        return NO_EVENTS
    k = _window_per_request(ring, ring.ranks(addresses))
    changed = np.nonzero(np.diff(np.concatenate(([0], k))))[0]
    if changed.size == 0:
        return NO_EVENTS
    event_rows, first_idx = np.unique(rows[changed], return_index=True)
    last_idx = np.concatenate((first_idx[1:], [len(changed)])) - 1
    k_prev = np.concatenate(([0], k[:-1]))
    return PrefetchEvents(event_rows, k_prev[changed[first_idx]], k[changed[last_idx]])
