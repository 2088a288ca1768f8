"""Run a GEMM on the RTL array in Amaranth's simulator, cycle by cycle, fold by fold.

The sequencer here plays the array's buffers and fold controller: it presents one operand word
per lane per slot (the RTL skews them), steps on the array's own ``advance`` signal, switches an
os fold to drain when every used PE has done its ``T`` MACs (counted from the ``mac`` outputs)
and ends a fold in the cycle the output buffer captures its last word from the bottom row. It
never uses a cycle formula: the cycles are what the RTL took.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from amaranth.sim import Simulator

from accelsim.errors import SimulationError
from accelsim.rtl.array import SystolicArray
from accelsim.timing.folding import spatial_dims
from accelsim.types import Dataflow

SlotLenFn = Callable[[np.ndarray], int]
"""``fold's B tile -> slot cycles`` for the timer slot control (worst_case, per_tile)."""


@dataclass(frozen=True)
class RtlFold:
    """One fold: its place in the fold grid, its used extent and the cycles the RTL took."""

    row_fold: int
    col_fold: int
    rows_used: int
    cols_used: int
    cycles: int


@dataclass(frozen=True, eq=False)
class RtlResult:
    """C as the RTL's output buffer collected it, and every fold in the order it ran."""

    c: np.ndarray
    folds: tuple[RtlFold, ...] = field(default=())

    @property
    def total_cycles(self) -> int:
        return sum(f.cycles for f in self.folds)


@dataclass(frozen=True)
class _Fold:
    row_fold: int
    col_fold: int
    stat: np.ndarray    # ws/is: stationary tile (Sr x Sc); os: A tile (Sr x T)
    stream: np.ndarray  # ws/is: streamed tile (T x Sr); os: B tile (T x Sc)
    b_tile: np.ndarray
    out_rows: slice
    out_cols: slice


def _folds(a: np.ndarray, b: np.ndarray, rows: int, cols: int,
           dataflow: Dataflow) -> Iterator[_Fold]:
    """Row folds outer, column folds inner, as ``accelsim.reference`` runs them."""
    m, k = a.shape
    n = b.shape[1]
    dim_r, dim_c, _ = spatial_dims(dataflow, m, n, k)
    for i in range(-(-dim_r // rows)):
        for j in range(-(-dim_c // cols)):
            r, c = slice(i * rows, min(dim_r, (i + 1) * rows)), \
                slice(j * cols, min(dim_c, (j + 1) * cols))
            if dataflow is Dataflow.OS:
                yield _Fold(i, j, a[r, :], b[:, c], b[:, c], r, c)
            elif dataflow is Dataflow.WS:
                yield _Fold(i, j, b[r, c], a[:, r], b[r, c], slice(None), c)
            else:
                yield _Fold(i, j, a[c, r].T, b[r, :].T, b[r, :], c, slice(None))


class _Driver:
    """The testbench side of one fold: edge words in, output words out, cycles counted."""

    def __init__(self, ctx: Any, dut: SystolicArray) -> None:
        self.ctx, self.dut = ctx, dut
        self.cycles = 0
        shape = dut.shape
        self.words: list[list[int]] = [[] for _ in range(shape.cols)]
        self.psum_bits = shape.pe.psum_bits

    def edges(self, x: np.ndarray | None, y: np.ndarray | None) -> None:
        """Present one word per lane (None: nothing valid on that edge)."""
        ctx, dut = self.ctx, self.dut
        for edge, ok, vals in ((dut.x_edge, dut.x_edge_ok, x), (dut.y_edge, dut.y_edge_ok, y)):
            mask = 0
            words = [] if vals is None else [int(v) for v in vals]
            for lane, sig in enumerate(edge):
                ctx.set(sig, words[lane] if lane < len(words) else 0)
                mask |= int(lane < len(words)) << lane
            ctx.set(ok, mask)

    def capture(self) -> int:
        """The output buffer reads the bottom row's registers; returns the words captured."""
        ok = self.ctx.get(self.dut.out_ok)
        if not ok:
            return 0
        raw, width = self.ctx.get(self.dut.out), self.psum_bits
        got = 0
        for col in range(self.dut.shape.cols):
            if ok >> col & 1:
                word = raw >> (col * width) & ((1 << width) - 1)
                self.words[col].append(word - (1 << width) if word >> (width - 1) else word)
                got += 1
        return got

    async def tick(self, clear: bool = False) -> None:
        self.ctx.set(self.dut.clear, int(clear))
        await self.ctx.tick()
        self.cycles += 1

    def tile(self, per_lane: int, lanes: int) -> np.ndarray:
        if any(len(w) != per_lane for w in self.words[:lanes]) or any(self.words[lanes:]):
            raise SimulationError("RTL output buffer got the wrong number of words per column")
        return np.array(self.words[:lanes], dtype=np.int64).reshape(lanes, per_lane).T


async def _stationary(drv: _Driver, fold: _Fold) -> np.ndarray:
    ctx, dut = drv.ctx, drv.dut
    sr, sc = fold.stat.shape
    t = fold.stream.shape[0]
    ctx.set(dut.load, 1)
    for r in reversed(range(sr)):  # last row first: after Sr shifts row r holds row r
        drv.edges(None, fold.stat[r])
        await drv.tick()
    ctx.set(dut.load, 0)
    step, got = 0, 0
    while True:
        drv.edges(fold.stream[step] if step < t else None, None)
        if ctx.get(dut.first):
            got += drv.capture()
        if got == t * sc:
            await drv.tick(clear=True)
            return drv.tile(t, sc)
        step += int(ctx.get(dut.advance))
        await drv.tick()
        if drv.cycles > 64 * (t + 4) * (dut.shape.rows + dut.shape.cols):
            raise SimulationError("RTL fold did not finish")


async def _output_stationary(drv: _Driver, fold: _Fold) -> np.ndarray:
    ctx, dut = drv.ctx, drv.dut
    sr, t = fold.stat.shape
    sc = fold.stream.shape[1]
    rows, cols = dut.shape.rows, dut.shape.cols
    counts = np.zeros(rows * cols, dtype=np.int64)
    used = np.zeros((rows, cols), dtype=bool)
    used[:sr, :sc] = True
    step = 0
    while not (counts.reshape(rows, cols)[used] == t).all():
        drv.edges(fold.stat[:, step] if step < t else None,
                  fold.stream[step] if step < t else None)
        if ctx.get(dut.advance):
            mac = ctx.get(dut.mac)
            counts += np.array([mac >> i & 1 for i in range(rows * cols)])
            step += 1
        await drv.tick()
        if drv.cycles > 64 * (t + 4) * (rows + cols):
            raise SimulationError("RTL fold did not finish")
    ctx.set(dut.drain, 1)
    drv.edges(None, None)
    got = 0
    while got < sr * sc:
        got += drv.capture()
        await drv.tick(clear=got == sr * sc)
    ctx.set(dut.drain, 0)
    return drv.tile(sr, sc)[::-1, :]


def run_rtl_gemm(a: np.ndarray, b: np.ndarray, dut: SystolicArray,
                 slot_len: SlotLenFn | None = None) -> RtlResult:
    """``C = A @ B`` on the RTL array ``dut`` (integer matrices within the PE's widths)."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise SimulationError(f"cannot multiply A{a.shape} by B{b.shape}")
    shape = dut.shape
    if (shape.control == "timer") != (slot_len is not None):
        raise SimulationError("a timer slot control needs slot_len, and only it")
    c = np.zeros((a.shape[0], b.shape[1]), dtype=np.int64)
    folds: list[RtlFold] = []
    dataflow = shape.pe.dataflow

    async def bench(ctx: Any) -> None:
        for fold in _folds(a, b, shape.rows, shape.cols, dataflow):
            drv = _Driver(ctx, dut)
            if slot_len is not None:
                ctx.set(dut.slot_len, slot_len(fold.b_tile))
            if dataflow is Dataflow.OS:
                out = await _output_stationary(drv, fold)
            else:
                out = await _stationary(drv, fold)
            c[fold.out_rows, fold.out_cols] += out.T if dataflow is Dataflow.IS else out
            sr, sc = (fold.stat.shape[0], fold.stream.shape[1]) if dataflow is Dataflow.OS \
                else fold.stat.shape
            folds.append(RtlFold(fold.row_fold, fold.col_fold, sr, sc, drv.cycles))

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return RtlResult(c, tuple(folds))
