"""Dense GEMMs across chiplets, by hand: C[4,8] = A[4,4] @ B[4,8], 8-bit operands, 32-bit
partial sums, on two chiplets in a row (DRAM on each, 64 bits/cycle; link 64 bits/cycle,
64-bit flits, no overhead or latency; 2x2 arrays with ideal compute, 64 MACs = 16 cycles).

- by n: chiplet 1 gets A (128 b, 0-2) and B[:, 4:] (128 b from its DRAM, 0-2), computes
  2-18 and sends C[:, 4:] (128 b) back 18-20: 20 cycles.
- by k: chiplet 1 gets A[:, 2:] (64 b, 0-1) and B[2:, :] (128 b, 0-2), computes 2-18 and
  sends a 4x8 partial sum of 32-bit words (1024 b) back 18-34: 34 cycles.
- by m: every chiplet loads all of B (256 b, 0-4); chiplet 1 gets A[2:, :] (64 b), computes
  4-20 and sends C[2:, :] (128 b) back 20-22: 22 cycles.
"""

from __future__ import annotations

import pytest

from accelsim.config.chiplet_spec import ChipletSystemSpec
from accelsim.config.run_spec import MappingSpec, SimSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.mapping.run_plan import partition_plan
from accelsim.sim.dense_chiplets import simulate_dense as _simulate_plan
from accelsim.workload.layers import GemmLayer, Workload


def simulate_dense(workload: Workload, system: SystemSpec, chiplets: ChipletSystemSpec,
                   mapping: MappingSpec, sim: SimSpec):  # noqa: ANN201
    """The partition plan of ``workload`` simulated on the fabric."""
    return _simulate_plan(partition_plan(workload, system, chiplets, mapping, chiplets.count),
                          sim)

SYSTEM = SystemSpec.model_validate({
    "name": "tiny", "clock": "1GHz", "array": {"rows": 2, "cols": 2, "dataflow": "ws"},
    "sram": {"shared": {"capacity": "64KiB"}},
    "dram": {"bandwidth": "8GB/s", "latency": "0ns"}, "tables": ["t.yaml"]})
WORKLOAD = Workload("w", "test", (GemmLayer("fc", 4, 8, 4),))


def _chiplets(by: str, cols: int = 2, compute: str = "ideal") -> ChipletSystemSpec:
    return ChipletSystemSpec.model_validate({
        "rows": 1, "cols": cols, "dram_at": list(range(cols)), "compute": compute,
        "partition": by,
        "link": {"preset": "custom", "bandwidth": "64Gb/s", "latency": "0ns",
                 "flit_payload_bits": 64, "flit_overhead_bits": 0}})


@pytest.mark.parametrize(("by", "cycles", "d2d_bits"),
                         [("n", 20, 256), ("k", 34, 64 + 1024), ("m", 22, 64 + 128)])
def test_two_chiplets_by_hand(by: str, cycles: int, d2d_bits: int) -> None:
    stats = simulate_dense(WORKLOAD, SYSTEM, _chiplets(by), MappingSpec(), SimSpec())
    assert stats.cycles == cycles
    assert stats.chiplets is not None and stats.chiplets.d2d_bits == d2d_bits
    assert stats.macs == 4 * 8 * 4
    assert stats.layers[0].compute_cycles == 16


def test_array_timing_and_more_chiplets_conserve_macs() -> None:
    layer = GemmLayer("big", 64, 96, 80)
    workload = Workload("w", "test", (layer,))
    one = simulate_dense(workload, SYSTEM, _chiplets("n", 1, "array"), MappingSpec(), SimSpec())
    four = simulate_dense(workload, SYSTEM, _chiplets("n", 4, "array"), MappingSpec(), SimSpec())
    assert one.macs == four.macs == 64 * 96 * 80
    assert one.chiplets is not None and one.chiplets.d2d_bits == 0
    assert four.layers[0].compute_cycles < one.layers[0].compute_cycles
    arrays = [k for k in four.total_counts() if k.endswith("array.mac")]
    assert sorted(arrays) == [f"chiplet{i}.array.mac" for i in range(4)]
    assert sum(four.total_counts()[k] for k in arrays) == 64 * 96 * 80
