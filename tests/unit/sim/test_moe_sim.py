"""EP vs FSE-DP on a case small enough to schedule by hand (times in cycles at 1 GHz).

Two chiplets in a row, a DRAM channel on each (64 bits/cycle, no latency), a 64 bit/cycle link
(64-bit flits, no overhead, no latency), 2x2 arrays with ideal compute (MACs / 4 PEs).
Model: d_model 4, expert FFN 8, 2 matrices: 64 weights = 512 bits per expert; one token through
one expert is 64 MACs = 16 cycles. Tokens t0..t3 live on chiplets 0,1,0,1 and go to experts
0,0,0,1: expert 0 has 2 tokens on chiplet 0 and 1 on chiplet 1; expert 1 one on chiplet 1.

EP (expert e on chiplet e): chiplet 0 loads expert 0 (512 b, 0-8), t1 arrives from chiplet 1
at 1 (32 b = 1 flit), 3 tokens compute 8-56, t1's output goes back 56-57. Chiplet 1 loads
expert 1 (0-8) and computes t3 (8-24). Layer: 57 cycles.

FSE-DP (2 slices of 256 b: 4 cycles to load or move, 8 compute cycles per token): slices go
round-robin to the DRAMs: e0s0, e1s0 from DRAM 0 (loaded 0-4, 4-8), e0s1, e1s1 from DRAM 1;
each slice visits every chiplet with tokens of its expert, starting at its DRAM's chiplet.
Chiplet 0's array: e0s0 x2 4-20, then e0s1 (moved from chiplet 1 12-16) x2 20-36. Chiplet 1's
array: e0s1 x1 4-12, e1s1 12-20 (waiting since 8), e1s0 (moved 8-12) 20-28, e0s0 (moved 20-24)
28-36. Layer: 36 cycles; three slice moves of 256 b.
"""

from __future__ import annotations

import simpy

from accelsim.config.chiplet_spec import ChipletSystemSpec
from accelsim.config.run_spec import MappingSpec, SimSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.mapping.moe import Stop
from accelsim.mapping.run_plan import MoeRunPlan
from accelsim.sim.chiplets import Fabric
from accelsim.sim.moe import next_stop, simulate_moe
from accelsim.sim.stats import SimStats
from accelsim.workload.moe import MoeModel, Routing
from accelsim.workload.run_workload import MoeWorkload

SYSTEM = SystemSpec.model_validate({
    "name": "tiny", "clock": "1GHz", "array": {"rows": 2, "cols": 2, "dataflow": "ws"},
    "sram": {"shared": {"capacity": "64KiB"}},
    "dram": {"bandwidth": "8GB/s", "latency": "0ns"}, "tables": ["t.yaml"]})
MODEL = MoeModel("tiny", "test", d_model=4, experts=2, top_k=1, shared_experts=0,
                 expert_ffn=8, matrices=2, layers=1)
ROUTING = Routing((0,), (((0,), (0,), (0,), (1,)),))


def _run(strategy: str, **moe: str) -> SimStats:
    chiplets = ChipletSystemSpec.model_validate({
        "rows": 1, "cols": 2, "dram_at": [0, 1], "compute": "ideal",
        "link": {"preset": "custom", "bandwidth": "64Gb/s", "latency": "0ns",
                 "flit_payload_bits": 64, "flit_overhead_bits": 0},
        "moe": {"strategy": strategy, "micro_slices": 2, "tokens": 4, **moe}})
    plan = MoeRunPlan(MoeWorkload(MODEL, ROUTING), SYSTEM, chiplets, MappingSpec())
    return simulate_moe(plan, SimSpec())


def test_ep_by_hand() -> None:
    stats = _run("ep")
    assert stats.cycles == 57
    assert stats.chiplets is not None
    assert stats.chiplets.d2d_bits == 64 + 64  # one token each way, one flit each
    assert stats.chiplets.dram_bits == 2 * 512
    # chiplet 0: 2 home tokens (64 b) + expert 0 (512 b) + t1 (32 b) = 608 b
    assert dict(stats.chiplets.peak_buffer_bytes) == {"chiplet0": 76, "chiplet1": 72}
    assert stats.layers[0].compute_cycles == 48
    assert stats.macs == 4 * 64


def test_fse_dp_by_hand() -> None:
    stats = _run("fse_dp")
    assert stats.cycles == 36
    assert stats.chiplets is not None
    assert stats.chiplets.d2d_bits == 3 * 256
    assert stats.chiplets.dram_bits == 2 * 512  # each weight loaded once, in 4 slices
    spans = {(t, label): (s, e) for t, label, s, e in stats.spans}
    assert spans[("chiplet0.array", "e0.s1 x2")] == (20, 36)
    assert spans[("chiplet1.array", "e1.s0 x1")] == (20, 28)
    assert spans[("link.c1-c0", "move e0.s1")] == (12, 16)
    assert spans[("link.c0-c1", "move e0.s0")] == (20, 24)
    assert spans[("chiplet1.array", "e0.s0 x1")] == (28, 36)
    # chiplet 1 at 12-16: 64 b tokens + e0s1, e1s1 and the arrived e1s0 (256 b each)
    assert dict(stats.chiplets.peak_buffer_bytes) == {"chiplet0": 72, "chiplet1": 104}
    assert stats.layers[0].counts["link.c0-c1.bits"] == 2 * 256


def test_fse_dp_is_faster_here_and_counts_the_same_macs() -> None:
    ep, fse = _run("ep"), _run("fse_dp")
    assert (ep.cycles, fse.cycles) == (57, 36)
    assert ep.macs == fse.macs
    ep_macs = sum(v for k, v in ep.total_counts().items() if k.endswith("array.mac"))
    fse_macs = sum(v for k, v in fse.total_counts().items() if k.endswith("array.mac"))
    assert ep_macs == fse_macs == 4 * 64


def test_snake_and_dynamic_agree_where_there_is_no_choice() -> None:
    # each slice has at most one other chiplet to visit: both trajectories are the same
    assert _run("fse_dp", trajectory="snake").cycles == _run("fse_dp").cycles == 36


def test_dynamic_trajectory_goes_to_the_idlest_array() -> None:
    chiplets = ChipletSystemSpec.model_validate({
        "rows": 1, "cols": 3, "dram_at": [0], "link": {"bandwidth": "64Gb/s"}})
    env = simpy.Environment()
    fabric = Fabric(env, SYSTEM, chiplets)
    left = [Stop(1, 1), Stop(2, 1)]
    assert next_stop(fabric, 0, left) == Stop(1, 1)  # a tie: fewer hops
    fabric.arrays[1].request()  # chiplet 1 busy
    assert next_stop(fabric, 0, left) == Stop(2, 1)


def test_per_chip_counting_and_buffer_counters() -> None:
    total, per_chip = _run("fse_dp"), _run("fse_dp", token_count="per_chip")
    assert per_chip.macs == 2 * total.macs
    assert per_chip.layers[0].shape["tokens"] == 8
    tracks = {track for track, _, _ in per_chip.counters}
    assert tracks == {"chiplet0.buffer", "chiplet1.buffer"}
    last = {track: value for track, _, value in sorted(per_chip.counters, key=lambda c: c[1])}
    assert set(last.values()) == {0}  # every slice and token left at the end
    peak = max(value for track, _, value in per_chip.counters if track == "chiplet1.buffer")
    assert per_chip.chiplets is not None
    # the counter holds each cycle's closing value; the peak also sees a slice arriving before
    # another leaves within one cycle
    assert 0 < peak <= per_chip.chiplets.peak_buffer_bytes["chiplet1"]
    feeds = per_chip.chiplets.layer_feeds
    assert [name for name, _, _ in feeds] == ["moe.layer0"] and feeds[0][2] > 0
