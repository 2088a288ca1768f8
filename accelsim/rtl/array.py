"""A ``rows x cols`` systolic array as Amaranth RTL: PEs, edge skew registers, slot control.

Operands enter at the left edge (one lane per PE row) and, for os, at the top edge (one lane per
PE column); lane ``l`` passes ``l`` skew registers, so a buffer presenting step ``s`` on every
lane at once feeds the array the skewed wavefront of ``accelsim.reference``. For ws/is the top
edge loads the stationary tile, one row per cycle, unskewed. Outputs leave through the bottom
row's accumulator registers (``out``/``out_ok``), read by the output buffer in the first cycle
of each slot.

Slot control (what the temporal slot policies change):

* ``"cycle"`` (conventional PE): every cycle ends a slot.
* ``"timer"`` (worst_case, per_tile): a slot with a MAC lasts ``slot_len`` cycles (the value the
  decoder gives per layer or per fold); a slot with no MAC, one cycle.
* ``"done"`` (per_wavefront): a slot ends in the cycle every PE's pulse train ends (the PEs'
  ``done`` signals ANDed), at least one cycle.

``clear`` resets every register at the end of the cycle it is high in (the sequencer raises it
in a fold's last cycle), so each fold starts on an empty array without a cycle of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.hdl import Cat, Elaboratable, Module, Mux, ResetInserter, Signal, signed

from accelsim.errors import SimulationError
from accelsim.rtl.pe import PeShape, ProcessingElement

SLOT_CONTROLS = ("cycle", "timer", "done")


@dataclass(frozen=True)
class ArrayShape:
    """The array: its size, its PE and its slot control (``SLOT_CONTROLS``)."""

    rows: int
    cols: int
    pe: PeShape
    control: str = "cycle"
    slot_bits: int = 8

    def __post_init__(self) -> None:
        if self.rows < 1 or self.cols < 1:
            raise SimulationError(f"array must be at least 1x1, got {self.rows}x{self.cols}")
        if self.control not in SLOT_CONTROLS or (self.control == "cycle") == self.pe.temporal:
            raise SimulationError(f"slot control {self.control!r} does not fit this PE")


class _Core(Elaboratable):  # type: ignore[misc]
    """The array without its clear: PEs, skew registers and the slot controller."""

    def __init__(self, top: SystolicArray) -> None:
        self.top = top

    def elaborate(self, platform: object) -> Module:
        m = Module()
        top, shape = self.top, self.top.shape
        pes = [[ProcessingElement(shape.pe) for _ in range(shape.cols)]
               for _ in range(shape.rows)]
        for r, row in enumerate(pes):
            for c, pe in enumerate(row):
                m.submodules[f"pe_{r}_{c}"] = pe
        first = Signal(init=1)
        advance = Signal()
        m.d.comb += [top.first.eq(first), top.advance.eq(advance)]
        m.d.sync += first.eq(advance)
        left = [self._skewed(m, top.x_edge[r], top.x_edge_ok[r], r, advance)
                for r in range(shape.rows)]
        skew_top = not shape.pe.stationary
        above = [self._skewed(m, top.y_edge[c], top.y_edge_ok[c], c if skew_top else 0, advance)
                 for c in range(shape.cols)]
        for r, row in enumerate(pes):
            for c, pe in enumerate(row):
                x, x_ok = left[r] if c == 0 else (row[c - 1].x_out, row[c - 1].x_ok)
                y, y_ok = above[c] if r == 0 else (pes[r - 1][c].y_out, pes[r - 1][c].y_ok)
                m.d.comb += [pe.x_in.eq(x), pe.x_in_ok.eq(x_ok), pe.y_in.eq(y),
                             pe.y_in_ok.eq(y_ok), pe.first.eq(first), pe.advance.eq(advance),
                             pe.load.eq(top.load), pe.drain.eq(top.drain)]
                self._psum(m, pes, r, c)
        flat = [pe for row in pes for pe in row]
        m.d.comb += [top.mac.eq(Cat(*(pe.mac for pe in flat))),
                     top.out.eq(Cat(*(pe.acc for pe in pes[-1]))),
                     top.out_ok.eq(Cat(*(pe.acc_ok for pe in pes[-1])))]
        self._control(m, flat, first, advance)
        return m

    def _skewed(self, m: Module, value: Signal, ok: Signal, depth: int,
                advance: Signal) -> tuple[Signal, Signal]:
        """``value`` delayed by ``depth`` slots (skew registers that move when a slot ends)."""
        for _ in range(depth):
            reg, reg_ok = Signal.like(value), Signal()
            with m.If(advance):
                m.d.sync += [reg.eq(value), reg_ok.eq(ok)]
            value, ok = reg, reg_ok
        return value, ok

    def _psum(self, m: Module, pes: list[list[ProcessingElement]], r: int, c: int) -> None:
        """ws/is: the partial sum comes from above; os: the PE's own, or above while draining."""
        pe = pes[r][c]
        up, up_ok = (pes[r - 1][c].acc, pes[r - 1][c].acc_ok) if r else (0, 0)
        if self.top.shape.pe.stationary:
            m.d.comb += [pe.psum_in.eq(up), pe.psum_in_ok.eq(up_ok)]
            return
        m.d.comb += [pe.psum_in.eq(Mux(self.top.drain, up, pe.acc)),
                     pe.psum_in_ok.eq(Mux(self.top.drain, up_ok, pe.acc_ok))]

    def _control(self, m: Module, flat: list[ProcessingElement], first: Signal,
                 advance: Signal) -> None:
        shape = self.top.shape
        if shape.control == "cycle":
            m.d.comb += advance.eq(1)
        elif shape.control == "done":
            m.d.comb += advance.eq(Cat(*(pe.done for pe in flat)).all())
        else:
            cycle = Signal(shape.slot_bits)
            any_mac = Cat(*(pe.mac for pe in flat)).any()
            m.d.comb += advance.eq(~any_mac | (cycle + 1 >= self.top.slot_len))
            m.d.sync += cycle.eq(Mux(advance, 0, cycle + 1))


class SystolicArray(Elaboratable):  # type: ignore[misc]
    """The array's ports; ``elaborate`` wraps the core in the ``clear`` reset."""

    def __init__(self, shape: ArrayShape) -> None:
        self.shape = shape
        pe = shape.pe
        self.x_edge = [Signal(signed(pe.x_bits), name=f"x_edge_{r}") for r in range(shape.rows)]
        self.x_edge_ok = Signal(shape.rows)
        self.y_edge = [Signal(signed(pe.y_bits), name=f"y_edge_{c}") for c in range(shape.cols)]
        self.y_edge_ok = Signal(shape.cols)
        self.load = Signal()
        self.drain = Signal()
        self.clear = Signal()
        self.slot_len = Signal(shape.slot_bits)
        self.first = Signal()
        self.advance = Signal()
        self.mac = Signal(shape.rows * shape.cols)
        self.out = Signal(shape.cols * pe.psum_bits)
        self.out_ok = Signal(shape.cols)

    def ports(self) -> list[Signal]:
        """Every port, for export."""
        return [*self.x_edge, self.x_edge_ok, *self.y_edge, self.y_edge_ok, self.load,
                self.drain, self.clear, self.slot_len, self.first, self.advance, self.mac,
                self.out, self.out_ok]

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.core = ResetInserter(self.clear)(_Core(self))
        return m
