"""Register-level model of one fold on an array of decoupled lock-step lanes (per_row/per_col).

Every PE row (``lanes="rows"``) or column (``lanes="cols"``) is its own lock-step lane: all its
PEs start a slot together, and the slot lasts the lane's own figure, the longest code among the
weights the lane uses in this fold (at least one cycle; a slot without MACs takes one cycle).
A lane's slot ``s`` reads its own registers from its slot ``s - 1`` and its upstream lane's
registers after that lane's slot ``s``, which wait in a FIFO of ``fifo_depth`` entries between
the two lanes. When all lanes take one cycle per slot, lane ``l`` runs slot ``s`` in cycle
``s + l``: exactly the synchronous array of ``accelsim.reference.array``.

FIFO rules (one cycle = one loop iteration): an entry pushed by a slot ending in cycle ``t`` can
be popped from cycle ``t + 1``; a lane starts a slot only if its input entry is there and its
output FIFO has room for the slot's entry (reserved at the start); lanes are visited downstream
first, so a pop frees room for a push in the same cycle. Preload (ws/is, ``Sr`` cycles) and the
os drain (``rows`` cycles) stay synchronous, as in the lock-step array.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from accelsim.errors import SimulationError
from accelsim.reference.pulses import PulseActivity, PulseCode, run_slot
from accelsim.reference.ranges import ValueRange
from accelsim.types import Dataflow

# (values, ok) of the register row or column a lane hands downstream through its FIFO.
_Entry = tuple[np.ndarray, np.ndarray]
# (left values, left ok, top values, top ok) at a lane's PEs in one slot.
_Ports = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True, eq=False)
class LaneOutcome:
    """A fold's output block (from registers and from pulses), cycles, MACs and activity."""

    out: np.ndarray
    out_pulses: np.ndarray
    cycles: int
    macs: int
    activity: PulseActivity
    psum: ValueRange = field(default_factory=ValueRange)


class _Fold:
    """The register grid of one fold and its edge feeders, in physical ``rows x cols``."""

    def __init__(self, a: np.ndarray, b: np.ndarray, rows: int, cols: int,
                 dataflow: Dataflow) -> None:
        self.dataflow, self.rows, self.cols = dataflow, rows, cols
        grid = (rows, cols)
        self.h, self.h_ok = np.zeros(grid, np.int64), np.zeros(grid, bool)
        self.v, self.v_ok = np.zeros(grid, np.int64), np.zeros(grid, bool)
        self.s, self.s_ok = np.zeros(grid, np.int64), np.zeros(grid, bool)
        self.count = np.zeros(grid, np.int64)
        self.psum = ValueRange()  # every value a partial-sum register (os: accumulator) held
        self.top: np.ndarray | None
        self.sr: int  # rows, columns and stream length of the fold's data
        self.sc: int
        self.t: int
        if dataflow is Dataflow.OS:
            self.left, self.top = a.T, b  # a: Sr x T rows enter left; b: T x Sc enters top
            self.sr, self.sc, self.t = a.shape[0], b.shape[1], a.shape[1]
        else:
            stat, self.left = (b, a) if dataflow is Dataflow.WS else (a.T, b.T)
            self.sr, self.sc = stat.shape
            self.t = self.left.shape[0]
            self.s[: self.sr, : self.sc], self.s_ok[: self.sr, : self.sc] = stat, True
            self.top = None
        self.b_tile = b
        self.out_pulses = np.zeros(self._out_shape(), np.int64)

    def _out_shape(self) -> tuple[int, int]:
        return (self.sr, self.sc) if self.dataflow is Dataflow.OS else (self.t, self.sc)

    def left_edge(self, row: slice, step: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Left-edge ports of ``row`` carrying stream items ``step`` (one per row)."""
        rows = np.arange(self.rows)[row]
        ok = (rows < self.sr) & (step >= 0) & (step < self.t)
        vals = np.zeros(rows.size, np.int64)
        vals[ok] = self.left[step[ok], rows[ok]]
        return vals, ok

    def top_edge(self, col: slice, step: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Top-edge ports of ``col`` carrying B items ``step`` (os only; nothing else enters)."""
        cols = np.arange(self.cols)[col]
        if self.top is None:
            return np.zeros(cols.size, np.int64), np.zeros(cols.size, bool)
        ok = (cols < self.sc) & (step >= 0) & (step < self.t)
        vals = np.zeros(cols.size, np.int64)
        vals[ok] = self.top[step[ok], cols[ok]]
        return vals, ok


@dataclass
class _Lane:
    index: int
    slot_cycles: int
    slots: int
    next_slot: int = 0
    busy_until: int = -1


def _lane_max(fold: _Fold, code: PulseCode, by_rows: bool, index: int) -> int:
    """The lane's slot figure: the longest code among the weights it uses in this fold."""
    b = np.abs(fold.b_tile)
    df = fold.dataflow
    whole = (df is Dataflow.OS) if by_rows else (df is Dataflow.IS)
    if whole:
        used = b
    elif by_rows:  # ws: stationary row; is: the B row streamed along this PE row
        used = b[index: index + 1, :] if index < b.shape[0] else b[:0]
    else:  # ws/os: column of B
        used = b[:, index: index + 1] if index < b.shape[1] else b[:, :0]
    return max(1, int(code.cycles(used).max())) if used.size else 1


def _inputs(fold: _Fold, by_rows: bool, lane: int, slot: int, entry: _Entry | None
            ) -> tuple[_Ports, tuple[slice, slice]]:
    """(left values, left ok, top values, top ok) of the lane's PEs in ``slot``, and its cells."""
    if by_rows:
        cells = (slice(lane, lane + 1), slice(None))
        edge, edge_ok = fold.left_edge(slice(lane, lane + 1), np.array([slot]))
        h_in = np.concatenate([edge, fold.h[lane, :-1]])
        h_ok = np.concatenate([edge_ok, fold.h_ok[lane, :-1]])
        if entry is None:
            v_in, v_ok = fold.top_edge(slice(None), slot - np.arange(fold.cols))
        else:
            v_in, v_ok = entry
        return (h_in, h_ok, v_in, v_ok), cells
    cells = (slice(None), slice(lane, lane + 1))
    if entry is None:
        h_in, h_ok = fold.left_edge(slice(None), slot - np.arange(fold.rows))
    else:
        h_in, h_ok = entry
    edge, edge_ok = fold.top_edge(slice(lane, lane + 1), np.array([slot]))
    v_in = np.concatenate([edge, fold.v[:-1, lane]])
    v_ok = np.concatenate([edge_ok, fold.v_ok[:-1, lane]])
    return (h_in, h_ok, v_in, v_ok), cells


def _compute(fold: _Fold, code: PulseCode, cells: tuple[slice, slice], ins: _Ports,
             length: int, activity: PulseActivity) -> tuple[int, bool]:
    """One slot of one lane: the pulses, then the lane's registers commit together.
    Returns the slot's cycles and whether it held a MAC."""
    h_in, h_ok, v_in, v_ok = ins
    s, s_ok = fold.s[cells].ravel(), fold.s_ok[cells].ravel()
    if fold.dataflow is Dataflow.OS:
        mac, a_role, b_role = h_ok & v_ok, h_in, v_in
    else:
        mac = h_ok & s_ok
        below_top = np.arange(fold.rows)[cells[0]] > 0
        if (s_ok & below_top & (mac != v_ok)).any():
            raise SimulationError("a partial sum and its operand reached a PE in different slots")
        a_role, b_role = (h_in, s) if fold.dataflow is Dataflow.WS else (s, h_in)
    if not mac.any():  # nothing to pulse: the operands just move on, in one cycle
        _commit(fold, cells, (h_in, h_ok, v_in, v_ok), mac, mac, mac)
        return 1, False
    product, cycles = run_slot(code, a_role, b_role, mac, length, activity)
    _commit(fold, cells, (h_in, h_ok, v_in, v_ok), mac, product, a_role * b_role)
    return cycles, True


def _commit(fold: _Fold, cells: tuple[slice, slice], ins: _Ports, mac: np.ndarray,
            product: np.ndarray, reference: np.ndarray) -> None:
    """Registers take their new values at the end of the slot (from ``reference`` = a * b,
    the array's datapath); the pulse products are booked separately, per output."""
    h_in, h_ok, v_in, v_ok = ins
    shape = fold.h[cells].shape
    fold.h[cells], fold.h_ok[cells] = h_in.reshape(shape), h_ok.reshape(shape)
    if not mac.any():
        fold.v[cells], fold.v_ok[cells] = v_in.reshape(shape), v_ok.reshape(shape)
        return
    rows = np.broadcast_to(np.arange(fold.rows)[cells[0]][:, None], shape).ravel()[mac]
    cols = np.broadcast_to(np.arange(fold.cols)[cells[1]][None, :], shape).ravel()[mac]
    first = fold.count[rows, cols] if fold.dataflow is not Dataflow.OS else rows
    np.add.at(fold.out_pulses, (first, cols), product[mac])
    fold.count[cells] += mac.reshape(shape)
    if fold.dataflow is Dataflow.OS:
        fold.s[cells] += np.where(mac, reference, 0).reshape(shape)
        fold.v[cells], fold.v_ok[cells] = v_in.reshape(shape), v_ok.reshape(shape)
        fold.psum.see(fold.s[cells])
    else:
        fold.v[cells] = (v_in + np.where(mac, reference, 0)).reshape(shape)
        fold.v_ok[cells] = (v_ok | mac).reshape(shape)
        fold.psum.see(fold.v[cells])


def _lanes(fold: _Fold, code: PulseCode, by_rows: bool) -> list[_Lane]:
    count = fold.rows if by_rows else fold.cols
    if by_rows:
        slots = fold.t + fold.sc - 1
    elif fold.dataflow is Dataflow.OS:
        slots = fold.t + fold.sr - 1
    else:
        slots = fold.t + fold.rows - 1  # psums cross the idle rows inside each column lane
    return [_Lane(i, _lane_max(fold, code, by_rows, i), slots) for i in range(count)]


def _captures(fold: _Fold, by_rows: bool, lane: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Bottom-row psums a ws/is lane just committed (captured one cycle later), or None."""
    if fold.dataflow is Dataflow.OS or (by_rows and lane != fold.rows - 1):
        return None
    if by_rows:
        return fold.v[-1].copy(), fold.v_ok[-1].copy()
    return fold.v[-1, lane: lane + 1].copy(), fold.v_ok[-1, lane: lane + 1].copy()


def _entry(fold: _Fold, by_rows: bool, lane: int) -> _Entry:
    """What the lane hands its downstream lane: vertical regs of a row, horizontal of a column."""
    if by_rows:
        return fold.v[lane].copy(), fold.v_ok[lane].copy()
    return fold.h[:, lane].copy(), fold.h_ok[:, lane].copy()


class _Run:
    """The cycle loop of one fold's lanes and the output buffer below the array."""

    def __init__(self, fold: _Fold, code: PulseCode, by_rows: bool, depth: int) -> None:
        self.fold, self.code, self.by_rows, self.depth = fold, code, by_rows, depth
        self.lanes = _lanes(fold, code, by_rows)
        self.fifos: list[deque[tuple[int, _Entry]]] = [deque() for _ in self.lanes]
        self.activity = PulseActivity()
        self.columns: list[list[int]] = [[] for _ in range(fold.cols)]
        self.last_capture = -1
        self.last_mac_end = -1

    def _try_start(self, lane: _Lane, cycle: int) -> bool:
        i = lane.index
        if lane.busy_until >= cycle or lane.next_slot >= lane.slots:
            return False
        upstream = self.fifos[i - 1] if i else None
        if upstream is not None and (not upstream or upstream[0][0] > cycle):
            return False
        if i + 1 < len(self.lanes) and len(self.fifos[i]) >= self.depth:
            return False
        entry = upstream.popleft()[1] if upstream is not None else None
        ins, cells = _inputs(self.fold, self.by_rows, i, lane.next_slot, entry)
        cycles, had_mac = _compute(self.fold, self.code, cells, ins, lane.slot_cycles,
                                   self.activity)
        lane.busy_until = cycle + cycles - 1
        lane.next_slot += 1
        if had_mac:
            self.last_mac_end = max(self.last_mac_end, lane.busy_until)
        if i + 1 < len(self.lanes):
            self.fifos[i].append((lane.busy_until + 1, _entry(self.fold, self.by_rows, i)))
        captured = _captures(self.fold, self.by_rows, i)
        if captured is not None:
            self._capture(captured, lane.busy_until + 1, i)
        return True

    def _capture(self, captured: tuple[np.ndarray, np.ndarray], cycle: int, lane: int) -> None:
        vals, ok = captured
        first = 0 if self.by_rows else lane
        for offset in np.flatnonzero(ok):
            self.columns[first + offset].append(int(vals[offset]))
            self.last_capture = max(self.last_capture, cycle)

    def done(self) -> bool:
        fold = self.fold
        if fold.dataflow is Dataflow.OS:
            return bool((fold.count[: fold.sr, : fold.sc] == fold.t).all())
        return sum(len(c) for c in self.columns) == fold.t * fold.sc

    def _next_event(self, cycle: int) -> int:
        """The next cycle in which a lane can change state (a slot ends or an entry becomes
        ready); the cycles in between are ones in which nothing can start."""
        times = [lane.busy_until + 1 for lane in self.lanes if lane.busy_until >= cycle]
        times += [fifo[0][0] for fifo in self.fifos if fifo and fifo[0][0] > cycle]
        return min(times, default=cycle + 1)

    def run(self) -> int:
        """Cycles from the first slot until the last output is captured (os: last MAC)."""
        cycle, limit = 0, 8 * (self.fold.t + self.fold.rows + self.fold.cols + 2) * max(
            lane.slot_cycles for lane in self.lanes)
        while not self.done() or cycle <= max(self.last_capture, self.last_mac_end):
            if cycle > limit:
                raise SimulationError(f"the lanes did not finish within {limit} cycles")
            started = [self._try_start(lane, cycle) for lane in reversed(self.lanes)]
            cycle = cycle + 1 if any(started) else self._next_event(cycle)
        if self.fold.dataflow is Dataflow.OS:
            return self.last_mac_end + 1
        return self.last_capture + 1


def run_lane_fold(a: np.ndarray, b: np.ndarray, rows: int, cols: int, dataflow: Dataflow, *,
                  code: PulseCode, lanes: str, fifo_depth: int = 1) -> LaneOutcome:
    """One fold (``a``, ``b`` fit the array) on decoupled lanes; see the module docstring."""
    if lanes not in ("rows", "cols") or fifo_depth < 1:
        raise SimulationError(f"lanes must be 'rows' or 'cols' and fifo_depth >= 1, got "
                              f"{lanes!r}, {fifo_depth}")
    fold = _Fold(np.asarray(a, np.int64), np.asarray(b, np.int64), rows, cols, dataflow)
    run = _Run(fold, code, lanes == "rows", fifo_depth)
    body = run.run()
    if dataflow is Dataflow.OS:
        out = fold.s[: fold.sr, : fold.sc].copy()
        cycles = body + _drain_cycles(fold.count > 0)
    else:
        lanes_out = run.columns[: fold.sc]
        if any(len(col) != fold.t for col in lanes_out) or any(run.columns[fold.sc:]):
            raise SimulationError("output buffer received the wrong number of words per column")
        out = np.array(lanes_out, dtype=np.int64).reshape(fold.sc, fold.t).T
        cycles = fold.sr + body
    pulses = fold.out_pulses
    if dataflow is Dataflow.IS:  # is produces C^T
        out, pulses = out.T, pulses.T
    return LaneOutcome(out, pulses, cycles, int(fold.count.sum()), run.activity, fold.psum)


def _drain_cycles(valid: np.ndarray) -> int:
    """os drain: each cycle the bottom row is captured and every accumulator moves down."""
    cycles = 0
    while valid.any():
        valid = np.vstack([np.zeros((1, valid.shape[1]), bool), valid[:-1]])
        cycles += 1
    return cycles
