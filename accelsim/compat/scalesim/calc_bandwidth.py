"""SCALE-Sim 3.0.0's ``InterfaceBandwidth: CALC`` read SRAM (``ReadBufferEstimateBw``), in closed
form over the demand stream.

In CALC mode SCALE-Sim does not stall on reads: every read hits, and the read SRAM only *records*
the DRAM traffic a stall-free run would need, and at what bandwidth. What it does, per non-null
request in demand order (rows in order, array columns in order within a row):

- new addresses are collected into *sets* of ``I = floor(S / 100)`` distinct words; an address
  already in the current *epoch* (its finished sets, or the set being filled) is a hit;
- 50 finished sets make an epoch of ``E = 50 I`` distinct words. When an epoch completes, at
  the cycle ``c_j`` of the request that completed it, it is "prefetched" and the next epoch
  starts with an empty history (so an address of an earlier epoch counts again);
- the first epoch is the initial fill, ``ceil(E / 10)`` cycles at 10 words/cycle, ending one
  cycle before the first request; epoch ``j >= 2`` is fetched over the cycles between the two
  previous completions, at ``ceil(E / (c_{j-1} - c_{j-2}))`` words/cycle; the last, partial
  epoch likewise (its partial set counted as full) -- that is the bandwidth CALC mode
  *computes*. The read port adds one cycle of latency to every DRAM trace entry.

Which requests complete an epoch depends only on the request order, so the epochs are found once
from each request's previous occurrence; only the cycles of the completing rows need the stall
trajectory (OFMAP drains, which still stall in CALC mode).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.compat.scalesim.geometry import ceil_div
from accelsim.errors import WorkloadError

_SETS_PER_EPOCH = 50  # int(active fraction 0.5 * 100)
_FILL_WORDS_PER_CYCLE = 10  # SCALE-Sim's "arbitrary" default read bandwidth in CALC mode
_PORT_LATENCY = 1


@dataclass(frozen=True)
class EpochPlan:
    """Where the epochs of one read operand complete, independent of time.

    ``rows`` holds the demand row of the request completing each full epoch; ``tail`` the
    distinct words of the last, partial epoch; ``first_row`` the first row with a request.
    """

    set_words: int
    rows: np.ndarray
    tail: int
    first_row: int

    @property
    def epoch_words(self) -> int:
        """Distinct words per full epoch (``E``)."""
        return _SETS_PER_EPOCH * self.set_words

    @property
    def dram_reads(self) -> int:
        """Words SCALE-Sim counts as read from DRAM."""
        return len(self.rows) * self.epoch_words + self.tail


@dataclass(frozen=True)
class ReadTraffic:
    """One read operand's DRAM traffic as SCALE-Sim reports it (either bandwidth mode)."""

    dram_reads: int
    dram_start: int
    dram_stop: int
    peak_words_per_cycle: int  # the largest bandwidth SCALE-Sim computed for a prefetch


def _previous_occurrence(ids: np.ndarray) -> np.ndarray:
    """For each request, the index of the last earlier request of the same word, or -1."""
    order = np.argsort(ids, kind="stable")
    prev = np.full(len(ids), -1, dtype=np.int64)
    same = ids[order[1:]] == ids[order[:-1]]
    prev[order[1:][same]] = order[:-1][same]
    return prev


def _epoch_ends(prev: np.ndarray, epoch_words: int) -> tuple[list[int], int]:
    """Index of the request completing each full epoch, and the distinct words left over.

    A request starting at ``s`` is new to the epoch iff its previous occurrence is before ``s``;
    the epoch ends at its ``E``-th new request. Windows double until they hold it.
    """
    total = len(prev)
    ends: list[int] = []
    start = 0
    while start < total:
        width = epoch_words
        while True:
            stop = min(total, start + width)
            new = np.cumsum(prev[start:stop] < start)
            if new[-1] >= epoch_words:
                end = start + int(np.searchsorted(new, epoch_words))
                ends.append(end)
                start = end + 1
                break
            if stop == total:
                return ends, int(new[-1])
            width *= 2
    return ends, 0


def epoch_plan(values: np.ndarray, ranges: tuple[np.ndarray, np.ndarray, np.ndarray],
               size_words: int) -> EpochPlan:
    """The epochs of one read operand: ``values`` is its prefetch sequence (non-null addresses)
    and ``ranges`` each demand row's run of it (row, first, last index), in row order."""
    rows, lo, hi = ranges
    set_words = size_words // 100
    unique, inverse = np.unique(values, return_inverse=True)
    first_row = int(rows[0]) if rows.size else 0
    if len(unique) < _SETS_PER_EPOCH * set_words:  # no epoch ever completes
        return EpochPlan(set_words, np.zeros(0, np.int64), len(unique), first_row)
    count = hi - lo + 1
    starts = np.concatenate(([0], np.cumsum(count)[:-1]))
    positions = np.arange(int(count.sum())) - np.repeat(starts - lo, count)
    ends, tail = _epoch_ends(_previous_occurrence(inverse.ravel()[positions]),
                             _SETS_PER_EPOCH * set_words)
    row_of_end = rows[np.searchsorted(starts, np.asarray(ends, np.int64), side="right") - 1]
    return EpochPlan(set_words, row_of_end.astype(np.int64), tail, first_row)


def calc_traffic(plan: EpochPlan, cycle_of_row: np.ndarray, first_cycle: int,
                 operand: str, layer: str) -> ReadTraffic:
    """Start, stop and peak bandwidth of the DRAM reads, given the cycle at which each
    epoch-completing row was issued (``cycle_of_row``) and the first request's cycle."""
    words = plan.epoch_words
    if not plan.rows.size:
        fill = ceil_div(ceil_div(plan.tail, plan.set_words) * plan.set_words,
                        _FILL_WORDS_PER_CYCLE)
        return ReadTraffic(plan.dram_reads, -fill, -2 + _PORT_LATENCY, _FILL_WORDS_PER_CYCLE)
    fill_end = first_cycle - 1 - _PORT_LATENCY
    fill = ceil_div(words, _FILL_WORDS_PER_CYCLE)
    marks = np.concatenate(([fill_end], cycle_of_row.astype(np.int64)))
    spans = np.diff(marks)  # cycles each later prefetch spreads over
    tail_words = ceil_div(plan.tail, plan.set_words) * plan.set_words
    demand = np.full(len(spans), words, dtype=np.int64)
    demand[-1] = tail_words
    if (spans <= 0).any():
        raise WorkloadError(f"two {operand} prefetch epochs complete in the same cycle: "
                            "SCALE-Sim 3.0.0 divides by zero here (CALC mode) and reports "
                            "nothing; use a larger SRAM", key_path=layer)
    peak = max(_FILL_WORDS_PER_CYCLE, int((-(-demand // spans)).max()))
    return ReadTraffic(plan.dram_reads, fill_end - fill + 1 + _PORT_LATENCY,
                       int(marks[-1]) + _PORT_LATENCY, peak)
