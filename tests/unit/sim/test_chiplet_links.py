"""Link reference test: transfer times on small topologies, computed by hand, with contention.

Clock 1 GHz, 64 Gb/s per direction = 64 bits/cycle; flits of 512 payload + 64 overhead bits
(576 wire bits = 9 cycles); 3 ns = 3 cycles per hop. 1024 payload bits = 2 flits = 18 cycles.
"""

from __future__ import annotations

import simpy

from accelsim.config.chiplet_spec import ChipletSystemSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.sim.chiplets import Fabric

SYSTEM = SystemSpec.model_validate({
    "name": "tiny", "clock": "1GHz",
    "array": {"rows": 4, "cols": 4, "dataflow": "ws"},
    "sram": {"shared": {"capacity": "64KiB"}},
    "dram": {"bandwidth": "8GB/s", "latency": "10ns"},
    "tables": ["t.yaml"]})


def _fabric(topology: str = "mesh", rows: int = 2, cols: int = 2) -> Fabric:
    spec = ChipletSystemSpec.model_validate({
        "topology": topology, "rows": rows, "cols": cols,
        "link": {"preset": "custom", "bandwidth": "64Gb/s", "latency": "3ns",
                 "flit_payload_bits": 512, "flit_overhead_bits": 64}})
    return Fabric(simpy.Environment(), SYSTEM, spec)


def _arrivals(fabric: Fabric, transfers: list[tuple[int, int, int]]) -> list[int]:
    done: list[int] = []

    def one(src: int, dst: int, bits: int, index: int):  # noqa: ANN202
        yield from fabric.transfer(src, dst, bits, f"t{index}")
        done.append((index, int(fabric.env.now)))

    for index, (src, dst, bits) in enumerate(transfers):
        fabric.env.process(one(src, dst, bits, index))
    fabric.env.run()
    return [t for _, t in sorted(done)]


def test_single_transfer_two_hops() -> None:
    fabric = _fabric()
    assert fabric.topology.route(0, 3) == (0, 1, 3)  # X first, then Y
    assert _arrivals(fabric, [(0, 3, 1024)]) == [18 + 2 * 3]
    assert fabric.counts == {"link.c0-c1.bits": 1152, "link.c1-c3.bits": 1152}


def test_partial_flit_rounds_up() -> None:
    assert _arrivals(_fabric(), [(0, 1, 1)]) == [9 + 3]


def test_shared_channel_serializes() -> None:
    # t1 (1->3) takes c1-c3 at 0; t0 (0->3) holds c0-c1 and waits for c1-c3 until 18.
    fabric = _fabric()
    assert _arrivals(fabric, [(0, 3, 1024), (1, 3, 1024)]) == [18 + 18 + 6, 18 + 3]
    assert fabric.busy["link.c1-c3"] == 36
    assert fabric.link_utilization(42)["link.c1-c3"] == 36 / 42


def test_opposite_directions_do_not_contend() -> None:
    assert _arrivals(_fabric(), [(0, 1, 1024), (1, 0, 1024)]) == [21, 21]


def test_three_way_contention_queues_in_order() -> None:
    assert _arrivals(_fabric(), [(0, 1, 1024)] * 3) == [21, 39, 57]


def test_ring_and_fully_connected_routes() -> None:
    ring = _fabric("ring", 1, 4)
    assert ring.topology.route(0, 2) == (0, 1, 2)
    assert ring.topology.route(0, 3) == (0, 3)
    assert _arrivals(ring, [(0, 2, 512)]) == [9 + 6]
    full = _fabric("fully_connected", 1, 4)
    assert _arrivals(full, [(0, 2, 512), (1, 3, 512)]) == [12, 12]


def test_dram_load_holds_its_channel() -> None:
    # 8 GB/s at 1 GHz = 64 bits/cycle; 6400 bits = 100 cycles, + 10 cycles latency.
    fabric = _fabric()
    done: list[int] = []

    def load():  # noqa: ANN202
        yield from fabric.dram_load(0, 6400, "w")
        done.append(int(fabric.env.now))

    fabric.env.process(load())
    fabric.env.process(load())
    fabric.env.run()
    assert done == [110, 210]
    assert fabric.counts["dram0.read_bits"] == 12800
