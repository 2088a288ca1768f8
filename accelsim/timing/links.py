"""Pure timing of one D2D transfer. Links are full duplex; a transfer of ``bits`` payload is cut
into flits of ``flit_payload_bits`` carrying ``flit_overhead_bits`` each; it holds every channel
of its route for its serialization time (cut-through: the hops overlap) and completes one
per-hop latency per hop later. Times are whole cycles at the system clock (ceil).
"""

from __future__ import annotations

from fractions import Fraction

from accelsim.config.chiplet_spec import LinkSpec


def exact(value: float) -> Fraction:
    """The decimal a unit-parsed float stands for (3.0000000000000004e-09 -> 3/10^9), to 12
    significant digits, so ceil'd cycles do not pick up a cycle from rounding noise."""
    return Fraction(f"{float(value):.12g}")


def wire_bits(bits: int, link: LinkSpec) -> int:
    """Bits on the wire for ``bits`` of payload: whole flits, each with its overhead."""
    flits = -(-bits // link.flit_payload_bits)
    return flits * (link.flit_payload_bits + link.flit_overhead_bits)


def serialization_cycles(bits: int, link: LinkSpec, clock_hz: float) -> int:
    """Cycles a channel is busy moving ``bits`` of payload (ceil)."""
    cycles = Fraction(wire_bits(bits, link)) * exact(clock_hz) / exact(link.bandwidth_bits_per_s)
    return -(-cycles.numerator // cycles.denominator)


def hop_latency_cycles(link: LinkSpec, clock_hz: float) -> int:
    """Cycles of one hop's latency (ceil)."""
    cycles = exact(link.latency_s) * exact(clock_hz)
    return -(-cycles.numerator // cycles.denominator)
