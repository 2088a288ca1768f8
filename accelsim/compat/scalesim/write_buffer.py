"""SCALE-Sim 3.0.0's OFMAP write SRAM, advanced in jumps between drain events.

What SCALE-Sim does (per non-null OFMAP write, in demand order):

- store the word: ``free -= 1``; words are packed into DRAM lines of ``bandwidth`` words;
- if a drain is still running (``cycle < drain_end``) and ``free <= 0``: the array stalls until
  ``drain_end``;
- else, if no drain is running and more than half the SRAM is occupied
  (``free < S - S/2``): flush the partial line (padded with nulls), and drain the next
  ``ceil(S/2 / bandwidth)`` lines starting now, one line per cycle; ``free`` grows *at once* by
  the words drained, counting the null padding of every partial line except the last one drained
  (a SCALE-Sim quirk we reproduce).
- at the end, whatever is left drains from the cycle of the last write, batch after batch.

Between events the state changes linearly (``free`` drops by the words written), so the engine
jumps from event row to event row with prefix sums instead of stepping writes.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from accelsim.compat.scalesim.geometry import ceil_div


class RowCounts:
    """Writes per demand row of a layer, stored once per *kind* of fold.

    Folds repeat at most four patterns (full, or cut at the last row fold and/or the last
    column fold), so a layer of millions of rows is described by a few short vectors. They are
    kept as Python lists: the engine asks one row at a time, where `bisect` on a list beats a
    numpy call by an order of magnitude.
    """

    def __init__(self, per_kind: np.ndarray, fold_kind: np.ndarray) -> None:
        self.rows_per_fold = per_kind.shape[1]
        self.folds = len(fold_kind)
        self.rows = self.folds * self.rows_per_fold
        kind_cum = np.concatenate((np.zeros((len(per_kind), 1), np.int64),
                                   np.cumsum(per_kind, axis=1)), axis=1)
        fold_cum = np.concatenate(([0], np.cumsum(kind_cum[fold_kind, -1])))
        self._per_kind: list[list[int]] = per_kind.tolist()
        self._kind_cum: list[list[int]] = kind_cum.tolist()
        self._fold_kind: list[int] = np.asarray(fold_kind).tolist()
        self._fold_cum: list[int] = fold_cum.tolist()
        self.total = self._fold_cum[-1]

    @classmethod
    def from_array(cls, per_row: np.ndarray) -> RowCounts:
        """All rows as one fold (for tests and small inputs)."""
        return cls(np.asarray(per_row, dtype=np.int64)[None, :], np.zeros(1, np.int64))

    def before(self, row: int) -> int:
        """Writes issued in the rows before ``row``."""
        fold, offset = divmod(row, self.rows_per_fold)
        if fold >= self.folds:
            return self.total
        return self._fold_cum[fold] + self._kind_cum[self._fold_kind[fold]][offset]

    def count(self, row: int) -> int:
        """Writes issued in ``row``."""
        fold, offset = divmod(row, self.rows_per_fold)
        return self._per_kind[self._fold_kind[fold]][offset]

    def before_and_count(self, row: int) -> tuple[int, int]:
        """`before` and `count` of one row (``row < rows``) at once."""
        fold, offset = divmod(row, self.rows_per_fold)
        kind = self._fold_kind[fold]
        return self._fold_cum[fold] + self._kind_cum[kind][offset], self._per_kind[kind][offset]

    def row_of(self, write: int) -> int:
        """Row issuing write number ``write`` (0-based); ``rows`` if there is no such write."""
        if write >= self.total:
            return self.rows
        fold = bisect.bisect_right(self._fold_cum, write) - 1
        inside = write - self._fold_cum[fold]
        cum = self._kind_cum[self._fold_kind[fold]]
        return fold * self.rows_per_fold + bisect.bisect_right(cum, inside) - 1


@dataclass
class WriteBuffer:
    """Mutable drain state of the OFMAP SRAM during one layer (private to the engine)."""

    size_words: int
    bandwidth: int
    free: int = 0
    pending: int = 0  # words in the current, not yet full DRAM line
    lines: int = 0  # DRAM lines formed so far (full, or flushed partial)
    partial: dict[int, int] = field(default_factory=dict)  # flushed line -> words in it
    drained_lines: int = 0
    drain_end: int = 0
    dram_writes: int = 0
    first_drain_start: int | None = None
    last_drain_end: int | None = None
    active_words: int = field(init=False)  # a drain starts once ``free`` drops below this
    lines_per_drain: int = field(init=False)  # DRAM lines one drain moves

    def __post_init__(self) -> None:
        self.free = self.size_words
        self.active_words = ceil_div(self.size_words, 2)
        self.lines_per_drain = ceil_div(self.size_words - self.active_words, self.bandwidth)

    def drain_write(self, written: int) -> int:
        """Number (0-based) of the write that starts a drain, with ``written`` writes stored so
        far and no drain running: the one that leaves less than the active half free."""
        return written + self.free - self.active_words

    def holds(self, words: int) -> bool:
        """Whether ``words`` more writes, with no drain running, start none."""
        return self.drain_write(0) >= words

    def write_quietly(self, words: int) -> None:
        """Store ``words`` writes during which no event happens."""
        self.free -= words
        self.lines += (self.pending + words) // self.bandwidth
        self.pending = (self.pending + words) % self.bandwidth

    def next_event_row(self, counts: RowCounts, row: int, stall: int,
                       written: int | None = None) -> int:
        """First row ``>= row`` in which a write stalls or starts a drain, if every row from
        ``row`` on is issued at ``row_index + stall``; ``counts.rows`` if none. ``written``:
        ``counts.before(row)``, if the caller knows it."""
        busy_until = min(max(self.drain_end - stall, row), counts.rows)
        if written is None:
            written = counts.before(row)
        written_then = written
        if busy_until > row:  # rows issued while the current drain runs: stall when full
            full_row = counts.row_of(written + max(self.free, 1) - 1)
            if full_row < busy_until:
                return full_row
            written_then = counts.before(busy_until)
        return counts.row_of(max(self.drain_write(written), written_then))

    def write_row(self, cycle: int, words: int) -> int:
        """Store one row's ``words`` writes issued at ``cycle``; return the cycle it ends at.

        SCALE-Sim checks after every write: while a drain runs, a write that leaves the SRAM
        full stalls the row until the drain ends; otherwise a write that leaves less than the
        active half free starts a drain. The writes between two such events change nothing
        else, so they are stored in one step."""
        while words:
            if cycle < self.drain_end:
                if self.free > words:  # the drain outlasts the row without filling the SRAM
                    self.write_quietly(words)
                    return cycle
                upto = max(self.free, 1)  # this write leaves the SRAM full: stall
                self.write_quietly(upto)
                cycle = self.drain_end
            else:
                upto = max(self.free - self.active_words + 1, 1)  # this write starts a drain
                if upto > words:
                    self.write_quietly(words)
                    return cycle
                self.write_quietly(upto)
                self._drain(cycle)
            words -= upto
        return cycle

    def finish(self, cycle: int) -> None:
        """Drain everything left, starting at ``cycle`` (the last write's cycle)."""
        self._flush()
        while self.drained_lines < self.lines:
            cycle = self._drain(cycle, flush=False) + 1

    def _flush(self) -> None:
        if self.pending:
            self.partial[self.lines] = self.pending
            self.lines += 1
            self.pending = 0

    def _drain(self, cycle: int, flush: bool = True) -> int:
        if flush:
            self._flush()
        count = min(self.lines_per_drain, self.lines - self.drained_lines)
        last = self.drained_lines + count - 1
        words = count * self.bandwidth - (self.bandwidth - self.partial.get(last, self.bandwidth))
        self.dram_writes += words
        self.free += words
        self.drained_lines += count
        self.drain_end = cycle + count - 1
        if self.first_drain_start is None:
            self.first_drain_start = cycle
        if self.last_drain_end is None or self.drain_end > self.last_drain_end:
            self.last_drain_end = self.drain_end
        return self.drain_end
