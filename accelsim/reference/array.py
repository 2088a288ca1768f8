"""Register-level kernels of one fold on a physical ``rows x cols`` systolic array.

Every step is one clock cycle (or one lock-step slot of several cycles, see below): each PE
reads its neighbours' registers as they were committed at the end of the previous cycle (and the
edge ports' values for this cycle), computes, and all registers commit together at the end of
the cycle. The whole physical grid is simulated, idle PEs included: operands that enter at the
edges and outputs that leave at the bottom edge really cross them. Phases end on hardware
signals (feeder empty, PE MAC counters full, output buffer has every word it expects), never
on a cycle formula.

The seam for temporal-coded PEs is ``FoldClock``: a step that contains MACs lasts as long as
the slowest MAC in it, as told by an optional per-PE ``MacCyclesFn`` (default: one cycle each).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from accelsim.errors import SimulationError
from accelsim.reference.ranges import ValueRange

MacCyclesFn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
"""``(a_values, b_values, mac_mask) -> cycles`` per PE for one lock-step slot.

``a_values``/``b_values`` are the ``rows x cols`` A and B operands the PEs multiply in this slot
(GEMM roles, whatever the dataflow), ``mac_mask`` marks the PEs that do a MAC. The returned int
array must be >= 1 where ``mac_mask`` is set; other entries are ignored.
"""


@dataclass
class FoldClock:
    """Counts the cycles, MACs and PE-busy cycles of one fold; ``psum``: every value a PE's
    partial-sum register (os: accumulator) held."""

    mac_cycles: MacCyclesFn | None
    cycles: int = 0
    macs: int = 0
    pe_busy_cycles: int = 0
    psum: ValueRange = field(default_factory=ValueRange)

    def tick(self) -> None:
        """A cycle without MACs (preload, drain, capture)."""
        self.cycles += 1

    def tick_macs(self, a_vals: np.ndarray, b_vals: np.ndarray, mac: np.ndarray) -> None:
        """A lock-step slot: all PEs advance together, so it lasts as long as its slowest MAC."""
        n_macs = int(np.count_nonzero(mac))
        self.macs += n_macs
        if self.mac_cycles is None or n_macs == 0:
            self.pe_busy_cycles += n_macs
            self.cycles += 1
            return
        per_pe = np.asarray(self.mac_cycles(a_vals, b_vals, mac), dtype=np.int64)[mac]
        if per_pe.min() < 1:
            raise SimulationError("mac_cycles returned a MAC shorter than one cycle")
        self.pe_busy_cycles += int(per_pe.sum())
        self.cycles += int(per_pe.max())


class _SkewFeeder:
    """Edge input ports fed from a buffer: lane ``l`` carries ``x[:, l]`` in order, delayed by
    ``l`` steps (the skew registers). Lanes beyond ``x``'s width are idle (no word, no valid)."""

    def __init__(self, x: np.ndarray, width: int) -> None:
        self._x = x
        self._lanes = np.arange(width)
        self._used = self._lanes < x.shape[1]
        self._step = 0
        self.words = 0

    def next(self) -> tuple[np.ndarray, np.ndarray]:
        """Values and valid bits presented on the ports in this cycle."""
        idx = self._step - self._lanes
        ok = self._used & (idx >= 0) & (idx < self._x.shape[0])
        vals = np.zeros(self._lanes.size, dtype=np.int64)
        vals[ok] = self._x[idx[ok], self._lanes[ok]]
        self._step += 1
        self.words += int(np.count_nonzero(ok))
        return vals, ok


def _from_left(edge: np.ndarray, regs: np.ndarray) -> np.ndarray:
    """What each PE sees on its left input: the edge port for column 0, else its left
    neighbour's register."""
    out = np.empty_like(regs)
    out[:, 0] = edge
    out[:, 1:] = regs[:, :-1]
    return out


def _from_top(edge: np.ndarray, regs: np.ndarray) -> np.ndarray:
    """What each PE sees on its top input: the edge port for row 0, else the register above."""
    out = np.empty_like(regs)
    out[0, :] = edge
    out[1:, :] = regs[:-1, :]
    return out


def _guard(step: int, limit: int) -> None:
    """A phase that never reaches its end signal is a bug in the model, not a long run."""
    if step > limit:
        raise SimulationError(f"fold did not finish within {limit} steps")


@dataclass(frozen=True)
class FoldOutcome:
    """What a fold kernel hands back: the output tile and the words that crossed the edges."""

    out: np.ndarray
    a_words: int
    b_words: int
    out_words: int


class _Collector:
    """The output buffer below the bottom edge: one FIFO per column, filled in arrival order."""

    def __init__(self, cols: int) -> None:
        self.lanes: list[list[int]] = [[] for _ in range(cols)]
        self.words = 0

    def capture(self, vals: np.ndarray, ok: np.ndarray) -> None:
        for j in np.flatnonzero(ok):
            self.lanes[j].append(int(vals[j]))
            self.words += 1

    def tile(self, per_lane: int, lanes: int) -> np.ndarray:
        """The words as a ``per_lane x lanes`` matrix (column j = lane j, in arrival order)."""
        if any(len(lane) != per_lane for lane in self.lanes[:lanes]) or any(
            self.lanes[lanes:]
        ):
            raise SimulationError("output buffer received the wrong number of words per column")
        return np.array(self.lanes[:lanes], dtype=np.int64).reshape(lanes, per_lane).T


def run_os_fold(
    a_tile: np.ndarray, b_tile: np.ndarray, rows: int, cols: int, clock: FoldClock
) -> FoldOutcome:
    """Output stationary: A rows enter at the left, B columns at the top, both skewed one cycle
    per lane; PE (i, j) accumulates C[i, j]. When every used PE's MAC counter reaches T the
    accumulators become a shift chain down each column and leave through the bottom edge."""
    sr, t = a_tile.shape
    sc = b_tile.shape[1]
    left, top = _SkewFeeder(a_tile.T, rows), _SkewFeeder(b_tile, cols)
    a_val = np.zeros((rows, cols), np.int64)
    b_val = np.zeros((rows, cols), np.int64)
    a_ok = np.zeros((rows, cols), bool)
    b_ok = np.zeros((rows, cols), bool)
    acc = np.zeros((rows, cols), np.int64)
    mac_count = np.zeros((rows, cols), np.int64)
    step, limit = 0, 4 * (t + rows + cols + 2)
    while not (mac_count[:sr, :sc] == t).all():
        _guard(step := step + 1, limit)
        edge_a, edge_a_ok = left.next()
        edge_b, edge_b_ok = top.next()
        a_val, a_ok = _from_left(edge_a, a_val), _from_left(edge_a_ok, a_ok)
        b_val, b_ok = _from_top(edge_b, b_val), _from_top(edge_b_ok, b_ok)
        mac = a_ok & b_ok
        clock.tick_macs(a_val, b_val, mac)
        acc += np.where(mac, a_val * b_val, 0)
        clock.psum.see(acc)
        mac_count += mac
    collector = _drain_down(acc, mac_count > 0, cols, clock, limit)
    # Column j delivers its results bottom row first: the buffer writes them in reverse.
    out = collector.tile(sr, sc)[::-1, :]
    return FoldOutcome(out, left.words, top.words, collector.words)


def _drain_down(
    acc: np.ndarray, valid: np.ndarray, cols: int, clock: FoldClock, limit: int
) -> _Collector:
    """Each cycle the buffer captures the bottom row's registers and every register takes the
    value of the one above (zeros/invalid enter at the top), until no valid result is left."""
    collector = _Collector(cols)
    zeros, invalid = np.zeros(cols, np.int64), np.zeros(cols, bool)
    step = 0
    while valid.any():
        _guard(step := step + 1, limit)
        collector.capture(acc[-1], valid[-1])
        acc, valid = _from_top(zeros, acc), _from_top(invalid, valid)
        clock.tick()
    return collector


def _preload(
    stat: np.ndarray, rows: int, cols: int, clock: FoldClock
) -> tuple[np.ndarray, np.ndarray, int]:
    """Shift the stationary tile in from the top edge, one row per cycle, its last row first,
    so that after Sr cycles PE row r holds tile row r. Rows below Sr keep an invalid bit
    (cleared at fold start). Returns the registers and the words that entered."""
    sr, sc = stat.shape
    w_val = np.zeros((rows, cols), np.int64)
    w_ok = np.zeros((rows, cols), bool)
    edge_ok = np.arange(cols) < sc
    words = 0
    for r in reversed(range(sr)):
        edge = np.zeros(cols, np.int64)
        edge[:sc] = stat[r]
        w_val, w_ok = _from_top(edge, w_val), _from_top(edge_ok, w_ok)
        words += int(np.count_nonzero(edge_ok))
        clock.tick()
    return w_val, w_ok, words


def run_stationary_fold(
    stat: np.ndarray,
    stream: np.ndarray,
    rows: int,
    cols: int,
    clock: FoldClock,
    *,
    stream_is_a: bool,
) -> FoldOutcome:
    """Weight/input stationary: preload ``stat`` (Sr x Sc), then stream ``stream`` (T x Sr) in
    from the left, row r skewed by r cycles; partial sums flow down the columns, cross the idle
    rows below Sr and are captured below the bottom edge. Returns ``stream @ stat`` (T x Sc)."""
    sc, t = stat.shape[1], stream.shape[0]
    w_val, w_ok, preload_words = _preload(stat, rows, cols, clock)
    left = _SkewFeeder(stream, rows)
    a_val = np.zeros((rows, cols), np.int64)
    a_ok = np.zeros((rows, cols), bool)
    p_val = np.zeros((rows, cols), np.int64)
    p_ok = np.zeros((rows, cols), bool)
    collector = _Collector(cols)
    zeros, invalid = np.zeros(cols, np.int64), np.zeros(cols, bool)
    step, limit = 0, 4 * (t + rows + cols + 2)
    while collector.words < t * sc:
        _guard(step := step + 1, limit)
        collector.capture(p_val[-1], p_ok[-1])
        edge, edge_ok = left.next()
        a_val, a_ok = _from_left(edge, a_val), _from_left(edge_ok, a_ok)
        p_in, p_in_ok = _from_top(zeros, p_val), _from_top(invalid, p_ok)
        mac = a_ok & w_ok
        if (w_ok[1:] & (mac[1:] != p_in_ok[1:])).any():
            raise SimulationError("a partial sum and its operand arrived in different cycles")
        a_role, b_role = (a_val, w_val) if stream_is_a else (w_val, a_val)
        clock.tick_macs(a_role, b_role, mac)
        p_val = p_in + np.where(mac, a_val * w_val, 0)
        clock.psum.see(p_val)
        p_ok = p_in_ok | mac
    if p_ok.any():
        raise SimulationError("the fold ended with partial sums still inside the array")
    a_words, b_words = (left.words, preload_words) if stream_is_a else (preload_words, left.words)
    return FoldOutcome(collector.tile(t, sc), a_words, b_words, collector.words)
