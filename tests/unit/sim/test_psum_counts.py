"""PSUM buffer: counts against the reference stepper, port timing, spills, bad input."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from accelsim.config.run_spec import MappingSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.errors import WorkloadError
from accelsim.mapping.plan import plan_layer
from accelsim.reference.psum_replay import replay_psum_buffer
from accelsim.reference.stepper import run_gemm
from accelsim.sim.array_counts import layer_counts
from accelsim.sim.engine import time_layer
from accelsim.types import Dataflow
from accelsim.workload.layers import GemmLayer

WIDE = 32


def system(rows: int, cols: int, dataflow: str, *, word: int = 32, quant: str = "none",
           gs: int = 1, capacity: str = "64KiB", width: str = "256b",
           dram: str = "25.6GB/s", latency: str = "100ns") -> SystemSpec:
    buffer = {"capacity": "64KiB", "width": "256b"}
    return SystemSpec.model_validate({
        "name": "t", "clock": "1GHz",
        "array": {"rows": rows, "cols": cols, "dataflow": dataflow},
        "sram": {op: copy.deepcopy(buffer) for op in ("ifmap", "weight", "ofmap")},
        "psum_buffer": {"capacity": capacity, "width": width, "word_bits": word,
                        "quantization": quant, "group_size": gs},
        "dram": {"technology": "lpddr4", "bandwidth": dram, "latency": latency},
        "tables": ["x.yaml"]})


CASES = [  # (dataflow, rows, cols, m, n, k, quantized, gs)
    (df, rows, cols, m, n, k, quant, gs)
    for seed in range(6)
    for df in ("ws", "is", "os")
    for (rows, cols, m, n, k, quant, gs) in [tuple(
        int(v) for v in np.random.default_rng(seed * 7 + len(df)).integers(
            (2, 2, 1, 1, 4, 0, 1), (6, 6, 12, 12, 40, 2, 4)))]
]


@pytest.mark.parametrize(("dataflow", "rows", "cols", "m", "n", "k", "quant", "gs"), CASES)
def test_psum_counts_match_the_stepper(dataflow: str, rows: int, cols: int, m: int, n: int,
                                       k: int, quant: int, gs: int) -> None:
    tiles = -(-k // rows)
    gs = min(gs, tiles)
    word = 8 if quant else 32
    spec = system(rows, cols, dataflow, word=word, quant="apsq" if quant else "none", gs=gs)
    rng = np.random.default_rng(k)
    a, b = rng.integers(-8, 8, (m, k)), rng.integers(-8, 8, (k, n))
    stepper = run_gemm(a, b, rows, cols, Dataflow(dataflow))
    assert np.array_equal(stepper.c, a @ b)
    plan = plan_layer(GemmLayer(name="g", m=m, n=n, k=k), spec, MappingSpec())
    counts = layer_counts(plan, spec, 1)
    if dataflow == "os":
        assert not any(key.startswith(("psum_buffer.", "apsq.")) for key in counts)
        return
    replay = replay_psum_buffer(stepper, word_bits=word, wide_bits=WIDE, group_size=gs,
                                quantized=bool(quant))
    assert counts.get("psum_buffer.read_bits", 0) == replay.read_bits
    assert counts.get("psum_buffer.write_bits", 0) == replay.write_bits
    assert counts.get("apsq.requant_ops", 0) == replay.requant_ops


def test_apsq_int8_buffer_moves_a_quarter_of_the_baseline_bits_at_gs1() -> None:
    layer = GemmLayer(name="g", m=64, n=64, k=256)
    base = layer_counts(plan_layer(layer, system(32, 32, "ws"), MappingSpec()),
                        system(32, 32, "ws"), 1)
    apsq_spec = system(32, 32, "ws", word=8, quant="apsq", gs=1)
    apsq = layer_counts(plan_layer(layer, apsq_spec, MappingSpec()), apsq_spec, 1)
    assert apsq["psum_buffer.read_bits"] * 4 == base["psum_buffer.read_bits"]
    assert apsq["psum_buffer.write_bits"] * 4 == base["psum_buffer.write_bits"]
    assert apsq["apsq.requant_ops"] == 64 * 64 * 8  # one per element and K tile
    assert "sram.ofmap.read_bits" in base  # only the finished outputs, at ofmap bits
    assert base["sram.ofmap.write_bits"] == 64 * 64 * 8


def test_port_contention_adds_exactly_the_port_cycles_of_each_fold() -> None:
    """Reference: with DRAM never the bottleneck, a narrow PSUM buffer lengthens each fold to
    ceil(bits / port rate) when that exceeds the fold's cycles (taken from the stepper)."""
    m, n, k, rows, cols = 40, 12, 24, 4, 4
    fast = {"dram": "1000TB/s", "latency": "1ns"}
    narrow = system(rows, cols, "ws", width="8b", **fast)
    wide = system(rows, cols, "ws", width="4096b", **fast)
    layer = GemmLayer(name="g", m=m, n=n, k=k)
    mapping = MappingSpec(stream_tiling="none")
    slow = time_layer(plan_layer(layer, narrow, mapping), narrow)
    quick = time_layer(plan_layer(layer, wide, mapping), wide)
    rng = np.random.default_rng(0)
    stepper = run_gemm(rng.integers(-4, 4, (m, k)), rng.integers(-4, 4, (k, n)), rows, cols,
                       Dataflow.WS)
    per_fold = replay_psum_buffer(stepper, word_bits=32, wide_bits=WIDE).per_fold
    extra = sum(max(fold.cycles, -(-r // 8), -(-w // 8)) - fold.cycles
                for fold, (r, w) in zip(stepper.folds, per_fold, strict=True))
    assert extra > 0
    assert slow.compute_cycles == quick.compute_cycles  # the array's own cycles do not change
    assert slow.cycles - quick.cycles == extra


def test_spill_moves_stored_psums_through_dram() -> None:
    layer = GemmLayer(name="g", m=256, n=64, k=128)
    mapping = MappingSpec(stream_tiling="none")
    big, small = system(32, 32, "ws"), system(32, 32, "ws", capacity="4KiB")
    on_chip = layer_counts(plan_layer(layer, big, mapping), big, 1)
    spilled = layer_counts(plan_layer(layer, small, mapping), small, 1)
    stored = on_chip["psum_buffer.write_bits"]
    needed = on_chip["psum_buffer.read_bits"]
    assert spilled["dram.write_bits"] - on_chip["dram.write_bits"] == stored
    assert spilled["dram.read_bits"] - on_chip["dram.read_bits"] == needed
    assert spilled["psum_buffer.read_bits"] == needed + stored


@pytest.mark.parametrize(("changes", "message"), [
    ({"word": 8}, "cannot hold the 32-bit accumulation"),
    ({"capacity": "64b"}, "too small for one tile step"),
])
def test_bad_psum_buffers_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        system(32, 32, "ws", **changes)  # type: ignore[arg-type]


def test_group_size_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="group_size"):
        system(32, 32, "ws", word=8, quant="apsq", gs=0)


def test_group_size_beyond_the_k_tiles_names_the_layer() -> None:
    spec = system(32, 32, "ws", word=8, quant="apsq", gs=4)
    with pytest.raises(WorkloadError, match="layer 'small_k' has 2 K tile"):
        plan_layer(GemmLayer(name="small_k", m=8, n=8, k=64), spec, MappingSpec())


def test_spills_stall_a_dram_bound_layer_by_their_transfer_time() -> None:
    """At 1 bit per cycle the DRAM channel is the bottleneck: a layer lasts at least its DRAM
    bits in cycles and at most that plus its compute; spilling PSUMs makes it last exactly its
    DRAM bits (the array only waits)."""
    layer = GemmLayer(name="g", m=256, n=64, k=128)
    mapping = MappingSpec(stream_tiling="none")
    slow = {"dram": "125MB/s", "latency": "1ns"}  # 1 Gb/s = 1 bit per cycle at 1 GHz
    big, small = system(32, 32, "ws", **slow), system(32, 32, "ws", capacity="4KiB", **slow)
    timings, bits = [], []
    for spec in (big, small):
        plan = plan_layer(layer, spec, mapping)
        counts = layer_counts(plan, spec, 1)
        timings.append(time_layer(plan, spec))
        bits.append(counts["dram.read_bits"] + counts["dram.write_bits"])
    for timing, dram_bits in zip(timings, bits, strict=True):
        assert dram_bits <= timing.cycles <= dram_bits + timing.compute_cycles
    assert bits[1] > 7 * bits[0]  # the spills and refills dominate the traffic
    assert timings[1].cycles == bits[1]  # the channel never idles: every fold waits for it
    assert timings[1].compute_cycles == timings[0].compute_cycles


def _with(spec: SystemSpec, **buffer: str) -> SystemSpec:
    assert spec.psum_buffer is not None
    return spec.model_copy(update={"psum_buffer": spec.psum_buffer.model_copy(update=buffer)})


def test_one_group_runs_a_short_reduction_as_gs_its_k_tiles() -> None:
    layer = GemmLayer(name="short", m=16, n=16, k=64)  # 2 K tiles of 32
    wide = system(32, 16, "ws", word=8, quant="apsq", gs=4)
    with pytest.raises(WorkloadError, match="group_size"):
        plan_layer(layer, wide, MappingSpec())
    one = plan_layer(layer, _with(wide, short_reduction="one_group"), MappingSpec())
    two = plan_layer(layer, system(32, 16, "ws", word=8, quant="apsq", gs=2), MappingSpec())
    assert layer_counts(one, wide, 1) == layer_counts(two, wide, 1)


def test_engine_home_moves_the_open_group_out_of_the_buffer() -> None:
    """gs = 4 over 4 K tiles: the buffer sees no traffic (the one group closes at the last
    tile); the engine reads and writes the open sum at 32 bits for tiles 1-2 and reads it at 3."""
    layer = GemmLayer(name="g", m=16, n=16, k=128)
    spec = _with(system(32, 16, "ws", word=8, quant="apsq", gs=4), group_sum_home="engine")
    counts = layer_counts(plan_layer(layer, spec, MappingSpec()), spec, 1)
    out = 16 * 16
    assert counts.get("psum_buffer.read_bits", 0) == counts.get("psum_buffer.write_bits", 0) == 0
    assert counts["apsq.write_bits"] == counts["apsq.read_bits"] == 3 * out * WIDE
    assert counts["apsq.requant_ops"] == out
