"""Register-level model of consecutive ws/is folds on an array with double-buffered stationary
registers (``fold_overlap: weights``). Independent of ``accelsim.timing``: it moves integers
through PE registers one cycle at a time and decides every phase on hardware signals.

Every PE has ``buffers`` stationary registers (2: buffer 0, buffer 1) with valid bits; fold
``g`` is preloaded into buffer ``g % buffers`` through the top edge (``ports`` weight ports per
column, each cycle shifting the register chain ``ports`` rows down; preloads are serial; the
buffer's valid bits are cleared when its preload starts). Each streamed operand carries its
fold's buffer select (here the fold index, of which the hardware needs it mod ``buffers``) and
the partial sum it starts carries it too; a PE multiplies its operand by the buffer the operand
selects, so the swap travels through the array with the wavefront. The controller, each cycle,
from the state committed at the end of the previous one:

* starts the next preload when no preload is running and its buffer is released (every MAC of
  the fold that used it, ``buffers`` folds back, is done: the PE MAC counters are full);
* starts the next fold's stream when its preload has finished and the feeder has presented the
  previous fold's last word on lane 0.

The output buffer below the bottom edge files each captured word by its tag (arrival order per
column is fold order, so a counter would do the same). The run ends in the cycle the last
expected word is captured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.errors import SimulationError
from accelsim.reference.folds import gemm_folds
from accelsim.types import Dataflow

__all__ = ["OverlapFold", "OverlapResult", "run_gemm_overlapped", "run_overlapped_folds"]


@dataclass(frozen=True, eq=False)
class OverlapFold:
    """One fold of a multi-fold run: the stationary tile (Sr x Sc) and the stream (T x Sr)."""

    stat: np.ndarray
    stream: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int]:
        """(Sr, Sc, T)."""
        return self.stat.shape[0], self.stat.shape[1], self.stream.shape[0]


@dataclass(frozen=True, eq=False)
class OverlapResult:
    """What a multi-fold run produced: each fold's ``stream @ stat`` as collected, the total
    cycles, when each fold's preload and stream started, and the words and MACs."""

    outs: tuple[np.ndarray, ...] = field(repr=False)
    cycles: int
    preload_starts: tuple[int, ...]
    stream_starts: tuple[int, ...]
    macs: int
    stat_words: int
    stream_words: int
    out_words: int


def _from_top(edge: np.ndarray, regs: np.ndarray) -> np.ndarray:
    out = np.empty_like(regs)
    out[0] = edge
    out[1:] = regs[:-1]
    return out


def _from_left(edge: np.ndarray, regs: np.ndarray) -> np.ndarray:
    out = np.empty_like(regs)
    out[:, 0] = edge
    out[:, 1:] = regs[:, :-1]
    return out


def _check(folds: list[OverlapFold], rows: int, cols: int) -> None:
    for fold in folds:
        sr, sc, t = fold.shape
        if fold.stream.shape[1] != sr or min(sr, sc, t) < 1 or sr > rows or sc > cols:
            raise SimulationError(f"fold {fold.stat.shape}/{fold.stream.shape} does not fit "
                                  f"a {rows}x{cols} array")


class _Feeder:
    """The left edge: lane ``l`` presents fold ``g``'s ``stream[c - s_g - l, l]`` in cycle ``c``
    once fold ``g``'s stream started at ``s_g`` (the skew registers)."""

    def __init__(self, folds: list[OverlapFold], rows: int) -> None:
        self.folds, self.lanes = folds, np.arange(rows)
        self.starts: list[int] = []
        self.words = 0

    def lane0_done(self, cycle: int) -> bool:
        """Has the last started fold's last word left lane 0 before ``cycle``?"""
        if not self.starts:
            return True
        return cycle >= self.starts[-1] + self.folds[len(self.starts) - 1].shape[2]

    def present(self, cycle: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        vals = np.zeros(self.lanes.size, np.int64)
        ok = np.zeros(self.lanes.size, bool)
        tag = np.full(self.lanes.size, -1, np.int64)
        for g, start in enumerate(self.starts):
            stream = self.folds[g].stream
            idx = cycle - start - self.lanes
            hit = (self.lanes < stream.shape[1]) & (idx >= 0) & (idx < stream.shape[0])
            if (hit & ok).any():
                raise SimulationError("two folds presented a word on the same lane")
            vals[hit] = stream[idx[hit], self.lanes[hit]]
            ok |= hit
            tag[hit] = g
        self.words += int(np.count_nonzero(ok))
        return vals, ok, tag


def _preload_edge(stat: np.ndarray, left: int, ports: int, cols: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The ``ports`` rows entering at the top in a preload cycle with ``left`` cycles to go:
    top port ``p`` carries stationary row ``p + ports * (left - 1)`` (if it exists), which the
    remaining ``left - 1`` shifts of ``ports`` rows bring to its own row."""
    edge = np.zeros((ports, cols), np.int64)
    edge_ok = np.zeros((ports, cols), bool)
    for port in range(ports):
        row = port + ports * (left - 1)
        if row < stat.shape[0]:
            edge[port, :stat.shape[1]] = stat[row]
            edge_ok[port, :stat.shape[1]] = True
    return edge, edge_ok


def _shift_in(edge: np.ndarray, regs: np.ndarray) -> np.ndarray:
    """Every register takes the one ``len(edge)`` rows above it; the top rows take ``edge``."""
    ports = edge.shape[0]
    out = np.empty_like(regs)
    out[:ports] = edge[:regs.shape[0]]
    out[ports:] = regs[:-ports]
    return out


def run_overlapped_folds(folds: list[OverlapFold], rows: int, cols: int,
                         ports: int = 1, buffers: int = 2) -> OverlapResult:
    """Run ``folds`` in order on a ``rows x cols`` array with ``buffers`` stationary registers
    per PE (2: double buffering) and ``ports`` weight ports per column (``ports`` rows shifted
    in per preload cycle), from an idle array, cycle by cycle."""
    _check(folds, rows, cols)
    if not 1 <= ports <= rows or buffers < 2:
        raise SimulationError(f"{ports} weight ports per column on {rows} rows, "
                              f"{buffers} buffers")
    n = len(folds)
    w_val = np.zeros((buffers, rows, cols), np.int64)
    w_ok = np.zeros((buffers, rows, cols), bool)
    a_val = np.zeros((rows, cols), np.int64)
    a_ok = np.zeros((rows, cols), bool)
    a_tag = np.full((rows, cols), -1, np.int64)
    p_val = np.zeros((rows, cols), np.int64)
    p_ok = np.zeros((rows, cols), bool)
    p_tag = np.full((rows, cols), -1, np.int64)
    zeros, invalid, no_tag = np.zeros(cols, np.int64), np.zeros(cols, bool), np.full(cols, -1)
    expected = [f.shape[0] * f.shape[1] * f.shape[2] for f in folds]
    macs_done = [0] * n
    lanes: list[list[list[int]]] = [[[] for _ in range(cols)] for _ in range(n)]
    feeder = _Feeder(folds, rows)
    preload_starts: list[int] = []
    preload_fold, preload_left, preloaded = -1, 0, 0  # folds whose preload has finished
    stat_words = out_words = 0
    want = sum(f.shape[2] * f.shape[1] for f in folds)
    limit = sum(4 * (f.shape[2] + rows + cols + 2) for f in folds)
    cycle = 0
    while out_words < want:
        if cycle > limit:
            raise SimulationError(f"the run did not finish within {limit} cycles")
        # The output buffer captures the bottom row as committed at the end of the last cycle.
        for j in np.flatnonzero(p_ok[-1]):
            lanes[int(p_tag[-1, j])][j].append(int(p_val[-1, j]))
            out_words += 1
        # Controller: decisions from the committed state.
        nxt = len(preload_starts)
        released = nxt < buffers or macs_done[nxt - buffers] == expected[nxt - buffers]
        if preload_fold < 0 and nxt < n and released:
            preload_fold, preload_left = nxt, -(-folds[nxt].shape[0] // ports)
            preload_starts.append(cycle)
            w_ok[nxt % buffers] = False
        if (len(feeder.starts) < min(preloaded, n) and feeder.lane0_done(cycle)):
            feeder.starts.append(cycle)
        # Datapath: next state from the committed state.
        w_old, w_ok_old = w_val.copy(), w_ok.copy()
        if preload_fold >= 0:
            stat, buf = folds[preload_fold].stat, preload_fold % buffers
            edge, edge_ok = _preload_edge(stat, preload_left, ports, cols)
            w_val[buf], w_ok[buf] = _shift_in(edge, w_val[buf]), _shift_in(edge_ok, w_ok[buf])
            stat_words += int(np.count_nonzero(edge_ok))
            preload_left -= 1
            if preload_left == 0:
                preload_fold, preloaded = -1, preloaded + 1
        edge_a, edge_ok_a, edge_tag = feeder.present(cycle)
        a_val, a_ok = _from_left(edge_a, a_val), _from_left(edge_ok_a, a_ok)
        a_tag = _from_left(edge_tag, a_tag)
        p_in, p_in_ok, p_in_tag = (_from_top(zeros, p_val), _from_top(invalid, p_ok),
                                   _from_top(no_tag, p_tag))
        sel = np.where(a_tag >= 0, a_tag % buffers, 0)
        w_sel = np.take_along_axis(w_old, sel[None], 0)[0]
        mac = a_ok & np.take_along_axis(w_ok_old, sel[None], 0)[0]
        if (mac[1:] & ~(p_in_ok[1:] & (p_in_tag[1:] == a_tag[1:]))).any() or (
                mac[0] & p_in_ok[0]).any():
            raise SimulationError("a partial sum and its operand arrived in different cycles")
        if (p_in_ok & mac & (p_in_tag != a_tag)).any():
            raise SimulationError("a partial sum met an operand of another fold")
        p_val = p_in + np.where(mac, a_val * w_sel, 0)
        p_ok, p_tag = p_in_ok | mac, np.where(mac, a_tag, p_in_tag)
        a_ok = mac  # a PE forwards an operand only if it used it (see the module doc)
        for g, count in zip(*np.unique(a_tag[mac], return_counts=True), strict=True):
            macs_done[int(g)] += int(count)
        cycle += 1
    outs = []
    for g, fold in enumerate(folds):
        sr, sc, t = fold.shape
        got = lanes[g]
        if any(len(lane) != t for lane in got[:sc]) or any(got[sc:]):
            raise SimulationError(f"fold {g}: wrong number of output words per column")
        outs.append(np.array(got[:sc], np.int64).reshape(sc, t).T)
    if p_ok.any():
        raise SimulationError("the run ended with partial sums still inside the array")
    return OverlapResult(tuple(outs), cycle, tuple(preload_starts), tuple(feeder.starts),
                         sum(macs_done), stat_words, feeder.words, out_words)


def run_gemm_overlapped(
    a: np.ndarray, b: np.ndarray, rows: int, cols: int, dataflow: Dataflow, ports: int = 1,
    buffers: int = 2,
) -> tuple[np.ndarray, OverlapResult]:
    """``C = A @ B`` with its folds (row folds outer, column folds inner) run back to back with
    double-buffered stationary registers; C is what the output buffer collected, summed over
    the K folds. ws: B stationary, A streamed; is: A^T stationary, B^T streamed."""
    if dataflow is Dataflow.OS:
        raise SimulationError("fold overlap needs a stationary operand (ws or is), not os")
    a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
    gemm = list(gemm_folds(a, b, rows, cols, dataflow))
    if dataflow is Dataflow.WS:
        folds = [OverlapFold(f.b, f.a) for f in gemm]
    else:
        folds = [OverlapFold(f.a.T, f.b.T) for f in gemm]
    res = run_overlapped_folds(folds, rows, cols, ports, buffers)
    c = np.zeros((a.shape[0], b.shape[1]), np.int64)
    for fold, out in zip(gemm, res.outs, strict=True):
        c[fold.out_rows, fold.out_cols] += out if dataflow is Dataflow.WS else out.T
    return c, res
