"""Topologies, dimension-ordered routes and the flit arithmetic of a transfer."""

from __future__ import annotations

from accelsim.config.chiplet_spec import ChipletSystemSpec, LinkSpec
from accelsim.hardware.links import build_topology, dram_chiplets, nearest
from accelsim.timing.links import hop_latency_cycles, serialization_cycles, wire_bits


def _spec(topology: str, rows: int, cols: int, **extra: object) -> ChipletSystemSpec:
    return ChipletSystemSpec.model_validate({"topology": topology, "rows": rows, "cols": cols,
                                             "link": {"bandwidth": "288GB/s"}, **extra})


def test_mesh_links_and_xy_routes() -> None:
    mesh = build_topology(_spec("mesh", 3, 3))
    assert len(mesh.edges) == 12  # 2 x 3 horizontal + 3 x 2 vertical
    assert len(mesh.channels()) == 24
    assert mesh.route(0, 8) == (0, 1, 2, 5, 8)   # along the row first, then down
    assert mesh.route(8, 0) == (8, 7, 6, 3, 0)
    assert mesh.hops(6, 2) == ("link.c6-c7", "link.c7-c8", "link.c8-c5", "link.c5-c2")
    assert mesh.corners() == (0, 2, 6, 8)


def test_ring_fully_connected_and_custom() -> None:
    ring = build_topology(_spec("ring", 2, 3))
    assert ring.edges == ((0, 1), (0, 5), (1, 2), (2, 3), (3, 4), (4, 5))
    assert ring.route(0, 3) == (0, 1, 2, 3)  # a tie: the lower-numbered way round
    full = build_topology(_spec("fully_connected", 2, 2))
    assert len(full.edges) == 6 and full.route(1, 2) == (1, 2)
    custom = build_topology(_spec("custom", 1, 3, links=[[2, 0], [0, 1]]))
    assert custom.route(1, 2) == (1, 0, 2)


def test_dram_placement() -> None:
    spec = _spec("mesh", 4, 4)
    topology = build_topology(spec)
    assert dram_chiplets(spec, topology) == (0, 3, 12, 15)
    assert nearest(topology, 5, (0, 3, 12, 15)) == 0
    assert nearest(topology, 6, (0, 3, 12, 15)) == 3
    assert dram_chiplets(_spec("ring", 1, 3), build_topology(_spec("ring", 1, 3))) == (0, 1, 2)


def test_flits_and_cycles() -> None:
    link = LinkSpec.model_validate({"preset": "ucie_advanced", "bandwidth": "288GB/s"})
    assert (link.flit_payload_bits, link.flit_overhead_bits) == (512, 32)
    assert wire_bits(1, link) == 544 and wire_bits(1024, link) == 1088
    # 288 GB/s at 0.8 GHz = 2880 bits/cycle: 1088 bits take 1 cycle, 8 flits 2
    assert serialization_cycles(1024, link, 0.8e9) == 1
    assert serialization_cycles(8 * 512, link, 0.8e9) == 2
    assert hop_latency_cycles(link, 0.8e9) == 2  # 2 ns at 0.8 GHz = 1.6 -> 2
