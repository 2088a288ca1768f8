"""Random transfers on random meshes: contention only ever delays, every channel's busy time
is the sum of the serialization times of the transfers routed over it, and bits are
conserved per hop."""

from __future__ import annotations

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.config.chiplet_spec import ChipletSystemSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.sim.chiplets import Fabric
from accelsim.timing.links import serialization_cycles, wire_bits

SYSTEM = SystemSpec.model_validate({
    "name": "p", "clock": "1GHz", "array": {"rows": 2, "cols": 2, "dataflow": "ws"},
    "sram": {"shared": {"capacity": "64KiB"}},
    "dram": {"bandwidth": "8GB/s", "latency": "0ns"}, "tables": ["t.yaml"]})

transfer = st.tuples(st.integers(0, 8), st.integers(0, 8), st.integers(1, 5000),
                     st.integers(0, 50))


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 3), cols=st.integers(1, 3), topology=st.sampled_from(
    ["mesh", "ring", "fully_connected"]), transfers=st.lists(transfer, max_size=12))
def test_contention_delays_and_conserves(rows: int, cols: int, topology: str,
                                         transfers: list[tuple[int, int, int, int]]) -> None:
    spec = ChipletSystemSpec.model_validate({
        "topology": topology, "rows": rows, "cols": cols,
        "link": {"preset": "custom", "bandwidth": "32Gb/s", "latency": "3ns",
                 "flit_payload_bits": 256, "flit_overhead_bits": 16}})
    fabric = Fabric(simpy.Environment(), SYSTEM, spec)
    count = rows * cols
    jobs = [(s % count, d % count, bits, start) for s, d, bits, start in transfers]
    done: dict[int, int] = {}

    def one(index: int, src: int, dst: int, bits: int, start: int):  # noqa: ANN202
        yield fabric.env.timeout(start)
        yield from fabric.transfer(src, dst, bits, f"t{index}")
        done[index] = int(fabric.env.now)

    for index, job in enumerate(jobs):
        fabric.env.process(one(index, *job))
    fabric.env.run()
    busy: dict[str, int] = {}
    bits_on: dict[str, int] = {}
    for index, (src, dst, bits, start) in enumerate(jobs):
        hops = fabric.topology.hops(src, dst)
        alone = serialization_cycles(bits, spec.link, 1e9) + 3 * len(hops) if hops else 0
        assert done[index] - start >= alone
        for name in hops:
            busy[name] = busy.get(name, 0) + serialization_cycles(bits, spec.link, 1e9)
            bits_on[name] = bits_on.get(name, 0) + wire_bits(bits, spec.link)
    assert fabric.busy == busy
    assert {k.removesuffix(".bits"): v for k, v in fabric.counts.items()} == bits_on
    end = max(done.values(), default=0)
    assert all(cycles <= end for cycles in busy.values())
