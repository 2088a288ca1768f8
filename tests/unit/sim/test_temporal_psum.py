"""Temporal-coded PEs with a PSUM buffer (32-bit or APSQ INT8): the buffer's traffic follows the
fold structure, the cycles the temporal fold timing.

The PSUM buffer sees each fold's partial block, however many cycles its MACs took, so a temporal
run has the counts of the conventional run of the same shape (same chunks, K tiles, spills) and
the cycles of the temporal closed forms; its ports can still stall a fold, against the temporal
fold's (longer) cycles.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from accelsim.config.run_spec import MappingSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.mapping.plan import plan_layer
from accelsim.reference.psum_replay import replay_psum_buffer
from accelsim.reference.pulses import PulseCode
from accelsim.reference.temporal import run_temporal_gemm
from accelsim.sim.array_counts import layer_counts
from accelsim.sim.engine import time_layer
from accelsim.timing.temporal import gemm_temporal_fold_cycles
from accelsim.types import Dataflow
from accelsim.workload.layers import GemmLayer, LayerQuant, OperandPrecision

TRAFFIC = ("psum_buffer.", "apsq.", "dram.", "sram.")


def system(pe: str, dataflow: str, *, quant: str = "none", gs: int = 1, capacity: str = "1Kib",
           width: str = "256b", policy: str = "per_tile", dram: str = "25.6GB/s",
           latency: str = "100ns") -> SystemSpec:
    buffer = {"capacity": "64KiB", "width": "256b"}
    return SystemSpec.model_validate({
        "name": "t", "clock": "1GHz",
        "array": {"rows": 4, "cols": 4, "dataflow": dataflow, "pe": pe,
                  "precision": {"weight_bits": 3}, "temporal": {"policy": policy}},
        "sram": {op: copy.deepcopy(buffer) for op in ("ifmap", "weight", "ofmap")},
        "psum_buffer": {"capacity": capacity, "width": width, "quantization": quant,
                        "word_bits": 8 if quant == "apsq" else 32, "group_size": gs},
        "dram": {"technology": "lpddr4", "bandwidth": dram, "latency": latency},
        "tables": ["x.yaml"]})


def layer(m: int = 20, n: int = 9, k: int = 30, seed: int = 0) -> GemmLayer:
    rng = np.random.default_rng(seed)
    weights = rng.integers(-1, 2, (k, n)) * np.where(rng.random((k, n)) < 0.1, 3, 1)
    return GemmLayer("fc", m, n, k, quant=LayerQuant(OperandPrecision(3), OperandPrecision(8),
                                                     weights_int=weights))


FORMATS = [("none", 1), ("apsq", 1), ("apsq", 2), ("apsq", 3)]


@pytest.mark.parametrize("dataflow", ["ws", "is"])
@pytest.mark.parametrize(("quant", "gs"), FORMATS)
@pytest.mark.parametrize("policy", ["worst_case", "per_tile", "per_wavefront", "per_row"])
@pytest.mark.parametrize("fold_order", ["rows_first", "cols_first"])
def test_temporal_run_moves_the_conventional_psum_traffic(
        dataflow: str, quant: str, gs: int, policy: str, fold_order: str) -> None:
    """Same folds, chunks and spills, so the same PSUM-buffer, APSQ, SRAM and DRAM counts;
    the cycles are the temporal closed forms of every chunk's folds."""
    mapping = MappingSpec(fold_order=fold_order)  # type: ignore[arg-type]
    gemm = layer()
    runs = {}
    for pe in ("multiplier", "temporal"):
        spec = system(pe, dataflow, quant=quant, gs=gs, policy=policy)
        plan = plan_layer(gemm, spec, mapping)
        timing = time_layer(plan, spec)
        counts = layer_counts(plan, spec, timing.compute_cycles)
        runs[pe] = (plan, timing, {key: value for key, value in counts.items()
                                   if key.startswith(TRAFFIC)})
    (conv_plan, conv_time, conv), (temp_plan, temp_time, temp) = runs.values()
    assert temp == conv
    assert "psum_buffer.read_bits" in temp
    assert ("apsq.requant_ops" in temp) == (quant == "apsq")
    assert temp_plan.folds == conv_plan.folds
    assert [b.stream_len for b in temp_plan.blocks] == [b.stream_len for b in conv_plan.blocks]
    spec = system("temporal", dataflow, quant=quant, gs=gs, policy=policy)
    weights = gemm.quant.weights_int if gemm.quant else None
    assert weights is not None
    chunk = temp_plan.blocks[0].stream_len  # the plan's stream cut: M (ws) or N (is)
    stream = gemm.m if dataflow == "ws" else gemm.n
    expected = 0
    for start in range(0, stream, chunk):
        length = min(chunk, stream - start)
        b = weights if dataflow == "ws" else weights[:, start:start + length]
        expected += int(gemm_temporal_fold_cycles(
            b, length if dataflow == "ws" else gemm.m, 4, 4, Dataflow(dataflow),
            spec.array.temporal, 3).sum())
    assert temp_time.compute_cycles == expected
    assert temp_time.compute_cycles > conv_time.compute_cycles


def test_psum_ports_stall_a_temporal_fold_only_beyond_its_own_cycles() -> None:
    """Reference: with DRAM never the bottleneck, a narrow PSUM buffer lengthens each temporal
    fold (cycles from the temporal model) to ceil(bits / port rate) when that is longer; the
    temporal folds are longer, so the same ports stall less than on the conventional array."""
    m, n, k = 40, 12, 24
    fast = {"dram": "1000TB/s", "latency": "1ns"}
    mapping = MappingSpec(stream_tiling="none")
    gemm = layer(m, n, k, seed=3)
    extra = {}
    for pe in ("multiplier", "temporal"):
        narrow = system(pe, "ws", width="8b", capacity="64KiB", **fast)
        wide = system(pe, "ws", width="4096b", capacity="64KiB", **fast)
        slow = time_layer(plan_layer(gemm, narrow, mapping), narrow)
        quick = time_layer(plan_layer(gemm, wide, mapping), wide)
        assert slow.compute_cycles == quick.compute_cycles
        extra[pe] = slow.cycles - quick.cycles
    weights = gemm.quant.weights_int if gemm.quant else None
    assert weights is not None
    rng = np.random.default_rng(0)
    ref = run_temporal_gemm(rng.integers(-8, 8, (m, k)), weights, 4, 4, Dataflow.WS,
                            code=PulseCode("magnitude", 3), policy="per_tile")
    per_fold = replay_psum_buffer(ref, word_bits=32, wide_bits=32).per_fold
    stalls = sum(max(fold.cycles, -(-r // 8), -(-w // 8)) - fold.cycles
                 for fold, (r, w) in zip(ref.folds, per_fold, strict=True))
    assert 0 < stalls == extra["temporal"] < extra["multiplier"]
