"""The processing elements as Amaranth RTL: a conventional multiplier PE and a temporal-coded PE.

Both share one port list so that the array wires them the same way:

* ``x_in``/``x_in_ok``: the operand that moves right (A for os/ws, B for is), latched into
  ``x_out`` when the slot ends (``advance``).
* ``y_in``/``y_in_ok``: the operand from the top: streamed down every slot (os) or shifted in
  while ``load`` is high and then held (ws/is: the stationary tile).
* ``psum_in``/``psum_in_ok``: what the accumulator starts a slot from (the PE above for ws/is and
  the os drain, the PE's own ``acc`` while an os fold computes: the array chooses).
* ``first``: this cycle is the first of a lock-step slot; ``advance``: the slot ends this cycle.

A MAC happens when both operands are valid (and ``drain`` is low). The conventional PE adds
``x * y`` in one cycle. The temporal PE never multiplies: the pulsed operand ``w`` (the GEMM's B,
the weight) is a train of ``|w|`` cycles (magnitude code) or the digits of ``|w|`` in base
``2**digit_bits`` least significant first, each digit cycle adding the other operand shifted to
the digit's weight (segmented code, zero digits skipped); the sign of ``w`` turns adds into
subtracts. ``done`` says the PE's pulse train ends in this cycle (or it has no MAC), which the
per-wavefront slot control ANDs over the array.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.hdl import Elaboratable, Module, Mux, Signal, signed

from accelsim.errors import SimulationError
from accelsim.types import Dataflow


@dataclass(frozen=True)
class PeShape:
    """What one PE is built from: operand and accumulator widths, kind and dataflow.

    ``a_bits``/``b_bits`` are the GEMM's A (activation) and B (weight) widths; ``digit_bits`` is
    0 for a conventional PE, the magnitude width for the magnitude code (one digit) and
    ``log2(cap + 1)`` for the segmented code.
    """

    a_bits: int
    b_bits: int
    psum_bits: int
    dataflow: Dataflow
    temporal: bool = False
    digit_bits: int = 0

    def __post_init__(self) -> None:
        if min(self.a_bits, self.b_bits, self.psum_bits) < 1:
            raise SimulationError(f"PE widths must be positive: {self}")
        if self.temporal and not 1 <= self.digit_bits:
            raise SimulationError("a temporal PE needs digit_bits >= 1")

    @property
    def x_bits(self) -> int:
        """Width of the operand moving right (B for is, else A)."""
        return self.b_bits if self.dataflow is Dataflow.IS else self.a_bits

    @property
    def y_bits(self) -> int:
        """Width of the operand from the top (A for is, else B)."""
        return self.a_bits if self.dataflow is Dataflow.IS else self.b_bits

    @property
    def stationary(self) -> bool:
        return self.dataflow is not Dataflow.OS


class ProcessingElement(Elaboratable):  # type: ignore[misc]
    """One PE (see the module docstring for the ports)."""

    def __init__(self, shape: PeShape) -> None:
        self.shape = shape
        self.x_in = Signal(signed(shape.x_bits))
        self.x_in_ok = Signal()
        self.y_in = Signal(signed(shape.y_bits))
        self.y_in_ok = Signal()
        self.psum_in = Signal(signed(shape.psum_bits))
        self.psum_in_ok = Signal()
        self.first = Signal(init=1)
        self.advance = Signal(init=1)
        self.load = Signal()
        self.drain = Signal()
        self.x_out = Signal(signed(shape.x_bits))
        self.x_ok = Signal()
        self.y_out = Signal(signed(shape.y_bits))
        self.y_ok = Signal()
        self.acc = Signal(signed(shape.psum_bits))
        self.acc_ok = Signal()
        self.mac = Signal()
        self.done = Signal()

    def ports(self) -> list[Signal]:
        """Every port, for export and synthesis."""
        return [self.x_in, self.x_in_ok, self.y_in, self.y_in_ok, self.psum_in, self.psum_in_ok,
                self.first, self.advance, self.load, self.drain, self.x_out, self.x_ok,
                self.y_out, self.y_ok, self.acc, self.acc_ok, self.mac, self.done]

    def elaborate(self, platform: object) -> Module:
        m = Module()
        shape = self.shape
        y_val = self.y_in if not shape.stationary else self.y_out
        y_ok = self.y_in_ok if not shape.stationary else self.y_ok
        m.d.comb += self.mac.eq(self.x_in_ok & y_ok & ~self.drain)
        with m.If(self.advance):
            m.d.sync += [self.x_out.eq(self.x_in), self.x_ok.eq(self.x_in_ok)]
            if not shape.stationary:
                m.d.sync += [self.y_out.eq(self.y_in), self.y_ok.eq(self.y_in_ok)]
        if shape.stationary:
            with m.If(self.load):
                m.d.sync += [self.y_out.eq(self.y_in), self.y_ok.eq(self.y_in_ok)]
        if shape.temporal:
            weight, other = (self.x_in, y_val) if shape.dataflow is Dataflow.IS \
                else (y_val, self.x_in)
            addend = self._pulses(m, weight, other)
            base = Mux(self.first, self.psum_in, self.acc)
            base_ok = Mux(self.first, self.psum_in_ok, self.acc_ok)
        else:
            addend = Mux(self.mac, self.x_in * y_val, 0)
            base, base_ok = self.psum_in, self.psum_in_ok
            m.d.comb += self.done.eq(1)
        m.d.sync += [self.acc.eq(base + addend), self.acc_ok.eq(base_ok | self.mac)]
        return m

    def _pulses(self, m: Module, weight: Signal, other: Signal) -> object:
        """The pulse counter: this cycle's addend (0 when the pulse is low); sets ``done``."""
        shape = self.shape
        mag_bits = shape.b_bits
        rem = Signal(mag_bits)
        magnitude = Mux(weight[-1], -weight, weight)[:mag_bits]
        cur = Signal(mag_bits)
        m.d.comb += cur.eq(Mux(self.first, magnitude, rem))
        high = self.mac & (cur != 0)
        digits = -(-mag_bits // shape.digit_bits)
        shift = Signal(range(max(2, digits * shape.digit_bits)))
        for i in reversed(range(digits)):  # the lowest non-zero digit wins (assigned last)
            with m.If(cur.bit_select(i * shape.digit_bits, shape.digit_bits) != 0):
                m.d.comb += shift.eq(i * shape.digit_bits)
        step = Signal(mag_bits + 1)
        m.d.comb += step.eq(Mux(high, 1 << shift, 0))
        left = Signal(mag_bits)
        m.d.comb += left.eq(cur - step)
        m.d.sync += rem.eq(left)
        m.d.comb += self.done.eq(~self.mac | (left == 0))
        shifted = Signal(signed(shape.psum_bits))
        m.d.comb += shifted.eq(Mux(high, other << shift, 0))
        negative = weight[-1]  # subtract: add the one's complement and a carry of one
        return (shifted ^ negative.replicate(shape.psum_bits)).as_signed() + negative
