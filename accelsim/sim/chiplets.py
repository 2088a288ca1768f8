"""The chiplet fabric in SimPy: D2D channels, DRAM channels and chiplet arrays as resources.

One event per transfer, DRAM burst or compute task (design §4). A transfer requests the
channels of its route (holding the ones it has while waiting for the next, as a wormhole
packet does, but in one global channel order, so that transfers on rings and custom
topologies can never wait on each other in a cycle), holds them all for its serialization
time, releases them and arrives ``hops x latency`` later.
A DRAM load holds its channel for ``bits / bandwidth`` and arrives one latency later. A compute
task holds its chiplet's array. Everything records busy cycles, bits and a timeline span.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from fractions import Fraction

import simpy

from accelsim.config.chiplet_spec import ChipletSystemSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.hardware.links import Topology, build_topology, dram_chiplets
from accelsim.sim.stats import ChipletTotals
from accelsim.timing.links import exact, hop_latency_cycles, serialization_cycles, wire_bits
from accelsim.types import Action, count_key

Span = tuple[str, str, int, int]  # (track, label, start cycle, end cycle)


def _channel_order(name: str) -> tuple[int, int]:
    """``link.c3-c10`` -> (3, 10): the order every transfer requests its channels in."""
    src, dst = name.removeprefix("link.c").split("-c")
    return int(src), int(dst)


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


@dataclass
class Buffers:
    """Bits resident per chiplet over time, and the peak of each; with a ``clock``, every
    change as a (chiplet, cycle, bits) sample (the timeline's occupancy counters)."""

    now: dict[int, int] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)
    clock: Callable[[], int] | None = None
    samples: list[tuple[int, int, int]] = field(default_factory=list)

    def add(self, chiplet: int, bits: int) -> None:
        """``bits`` arrive at ``chiplet`` (negative: leave)."""
        value = self.now.get(chiplet, 0) + bits
        self.now[chiplet] = value
        self.peak[chiplet] = max(self.peak.get(chiplet, 0), value)
        if self.clock is not None:
            self.samples.append((chiplet, self.clock(), value))

    def counters(self) -> tuple[tuple[str, int, int], ...]:
        """(track, cycle, bytes) per change, each cycle's closing value (``peak`` also sees
        what arrives and leaves within one cycle)."""
        last: dict[tuple[int, int], int] = {}
        for chiplet, cycle, value in self.samples:
            last[(chiplet, cycle)] = value
        return tuple((f"chiplet{c}.buffer", cycle, -(-value // 8))
                     for (c, cycle), value in last.items())


class Fabric:
    """The resources of one chiplet system in one SimPy environment (built per run)."""

    def __init__(self, env: simpy.Environment, system: SystemSpec,
                 chiplets: ChipletSystemSpec, record_buffers: bool = False) -> None:
        self.env = env
        self.system = system
        self.spec = chiplets
        self.topology: Topology = build_topology(chiplets)
        self.drams = dram_chiplets(chiplets, self.topology)
        self.channels = {name: simpy.Resource(env) for name in self.topology.channels()}
        self.dram_ports = {c: simpy.Resource(env) for c in self.drams}
        self.arrays = {c: simpy.Resource(env) for c in range(self.topology.count)}
        self.latency_cycles = 0 if chiplets.link is None else \
            hop_latency_cycles(chiplets.link, system.clock_hz)
        dram = system.dram
        self.dram_cycles_per_bit = exact(system.clock_hz) / (
            exact(dram.bandwidth_bits_per_s) * exact(dram.efficiency))
        self.dram_latency_cycles = _ceil(exact(dram.latency_s) * exact(system.clock_hz))
        self.busy: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.spans: list[Span] = []
        self._wire: dict[int, tuple[int, int]] = {}  # payload bits -> (cycles, wire bits)
        self.buffers = Buffers(clock=(lambda: int(env.now)) if record_buffers else None)

    def _count(self, key: str, value: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + value

    def _busy(self, track: str, label: str, start: int, cycles: int) -> None:
        self.busy[track] = self.busy.get(track, 0) + cycles
        self.spans.append((track, label, start, start + cycles))

    def transfer(self, src: int, dst: int, bits: int,
                 label: str) -> Generator[simpy.Event, None, None]:
        """Move ``bits`` of payload from chiplet ``src`` to ``dst`` over the route."""
        hops = self.topology.hops(src, dst)
        if not hops or bits <= 0:
            return
        requests = []
        for name in sorted(hops, key=_channel_order):  # one global order: no circular wait
            request = self.channels[name].request()
            yield request
            requests.append((name, request))
        link = self.spec.link
        assert link is not None  # a route with hops exists only with links
        if bits not in self._wire:  # a run moves few distinct sizes, many times
            self._wire[bits] = (serialization_cycles(bits, link, self.system.clock_hz),
                                wire_bits(bits, link))
        cycles, on_wire = self._wire[bits]
        start = int(self.env.now)
        yield self.env.timeout(cycles)
        for name, request in requests:
            self.channels[name].release(request)
            self._busy(name, label, start, cycles)
            self._count(count_key(name, Action.BITS), on_wire)
        yield self.env.timeout(len(hops) * self.latency_cycles)

    def dram_load(self, channel: int, bits: int, label: str,
                  on_start: Callable[[], None] | None = None
                  ) -> Generator[simpy.Event, None, None]:
        """Read ``bits`` from the DRAM channel attached to chiplet ``channel``; ``on_start``
        runs when the channel starts on it (e.g. to allocate the destination buffer)."""
        with self.dram_ports[channel].request() as request:
            yield request
            if on_start is not None:
                on_start()
            cycles = _ceil(bits * self.dram_cycles_per_bit)
            start = int(self.env.now)
            yield self.env.timeout(cycles)
            self._busy(f"dram{channel}", label, start, cycles)
        self._count(count_key(f"dram{channel}", Action.READ_BITS), bits)
        yield self.env.timeout(self.dram_latency_cycles)

    def compute(self, chiplet: int, cycles: int, counts: dict[str, int],
                label: str) -> Generator[simpy.Event, None, None]:
        """Run a task of ``cycles`` on ``chiplet``'s array; ``counts`` are its actions."""
        with self.arrays[chiplet].request() as request:
            yield request
            start = int(self.env.now)
            yield self.env.timeout(cycles)
            self._busy(f"chiplet{chiplet}.array", label, start, cycles)
        for key, value in counts.items():
            self._count(f"chiplet{chiplet}.{key}", value)

    def d2d_bits(self) -> int:
        """Wire bits moved over every channel."""
        return sum(v for k, v in self.counts.items() if k.startswith("link.") and
                   k.endswith(".bits"))

    def link_utilization(self, cycles: int) -> dict[str, float]:
        """Busy fraction of every channel over ``cycles``."""
        return {name: (self.busy.get(name, 0) / cycles if cycles else 0.0)
                for name in self.topology.channels()}

    def totals(self, strategy: str, cycles: int, buffers: bool = True) -> ChipletTotals:
        """The run's chiplet totals (``buffers=False``: no buffer tracking was done)."""
        drams = {f"dram{c}": (self.busy.get(f"dram{c}", 0) / cycles if cycles else 0.0)
                 for c in self.drams}
        peaks = {f"chiplet{c}": -(-self.buffers.peak.get(c, 0) // 8)
                 for c in range(self.topology.count)} if buffers else {}
        return ChipletTotals(
            chiplets=self.topology.count, strategy=strategy, d2d_bits=self.d2d_bits(),
            dram_bits=sum(v for k, v in self.counts.items() if k.startswith("dram")),
            peak_buffer_bytes=peaks, link_utilization=self.link_utilization(cycles),
            dram_utilization=drams)
