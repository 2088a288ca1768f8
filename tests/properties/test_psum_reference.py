"""PSUM-buffer counts of the mapping equal a reference buffer replaying the stepper's folds.

For random shapes, arrays, dataflows, fold orders, PSUM formats (32-bit, APSQ INT8 with random
gs) and buffer sizes small enough to force stream chunking (or, with cols_first, spills), the plan's
``psum_buffer.read_bits`` / ``write_bits`` / ``apsq.requant_ops`` equal what
``accelsim.reference.psum_replay`` counts on the stepper's partial outputs, and the stepper's C
equals A @ B. A spill adds, to both reads and writes, the stored and the refilled bits.

The same holds on temporal-coded arrays (every slot policy, both pulse codes, integer weights):
the buffer sees the same partial blocks as on a conventional array, so the counts equal the
reference buffer replaying the temporal model's folds (``accelsim.reference.temporal``), while
the layer's compute cycles equal that model's, chunk by chunk: the temporal fold timing is kept.
"""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from accelsim.config.run_spec import MappingSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.mapping.plan import LayerPlan, plan_layer
from accelsim.reference.psum_replay import PsumReplay, replay_psum_buffer
from accelsim.reference.pulses import PulseCode
from accelsim.reference.stepper import run_gemm
from accelsim.reference.temporal import TemporalResult, run_temporal_gemm
from accelsim.sim.array_counts import layer_counts
from accelsim.sim.engine import time_layer
from accelsim.timing.temporal import worst_code
from accelsim.types import Dataflow
from accelsim.workload.layers import GemmLayer, LayerQuant, OperandPrecision

WIDE = 32
POLICIES = ("worst_case", "per_tile", "per_wavefront", "per_row", "per_col")
PE_WEIGHT_BITS = 7


def _system(rows: int, cols: int, dataflow: str, quantized: bool, gs: int, room: int,
            array: dict[str, object] | None = None,
            grouping: dict[str, str] | None = None) -> SystemSpec:
    word = 8 if quantized else 32
    in_engine = (grouping or {}).get("group_sum_home") == "engine"
    step_bits = cols * (word + (WIDE if gs > 1 and not in_engine else 0))
    buffer = {"capacity": "64KiB", "width": "256b"}
    return SystemSpec.model_validate({
        "name": "p", "clock": "1GHz",
        "array": {"rows": rows, "cols": cols, "dataflow": dataflow, **(array or {})},
        "sram": {op: copy.deepcopy(buffer) for op in ("ifmap", "weight", "ofmap")},
        "psum_buffer": {"capacity": f"{step_bits * room}b", "word_bits": word,
                        "quantization": "apsq" if quantized else "none", "group_size": gs,
                        **(grouping or {})},
        "dram": {"technology": "lpddr4", "bandwidth": "25.6GB/s"}, "tables": ["x.yaml"]})


def _expected(plan: LayerPlan, replay: PsumReplay) -> tuple[int, int, int]:
    """The reference buffer's counts as the plan must report them (a spill reads out what it
    stores and refills what it reads); examples that spill in some chunks only are skipped."""
    spills = {block.residency.psums_on_chip for block in plan.blocks} == {False}
    assume(spills or all(block.residency.psums_on_chip for block in plan.blocks))
    total = replay.read_bits + replay.write_bits
    return ((total, total, replay.requant_ops) if spills
            else (replay.read_bits, replay.write_bits, replay.requant_ops))


def _psum_counts(counts: dict[str, int]) -> tuple[int, int, int]:
    return (counts.get("psum_buffer.read_bits", 0), counts.get("psum_buffer.write_bits", 0),
            counts.get("apsq.requant_ops", 0))


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 12), n=st.integers(1, 12), k=st.integers(1, 40),
       rows=st.integers(1, 6), cols=st.integers(1, 6),
       dataflow=st.sampled_from(["ws", "is", "os"]), quantized=st.booleans(),
       gs=st.integers(1, 8), room=st.integers(1, 64),
       fold_order=st.sampled_from(["rows_first", "cols_first"]), seed=st.integers(0, 99))
def test_mapping_counts_equal_the_reference_buffer(
        m: int, n: int, k: int, rows: int, cols: int, dataflow: str, quantized: bool, gs: int,
        room: int, fold_order: str, seed: int) -> None:
    tiles = -(-k // rows)
    gs = min(gs, tiles) if quantized else 1
    word = 8 if quantized else 32
    system = _system(rows, cols, dataflow, quantized, gs, room)
    rng = np.random.default_rng(seed)
    a, b = rng.integers(-8, 8, (m, k)), rng.integers(-8, 8, (k, n))
    stepper = run_gemm(a, b, rows, cols, Dataflow(dataflow))
    assert np.array_equal(stepper.c, a @ b)
    plan = plan_layer(GemmLayer(name="g", m=m, n=n, k=k), system,
                      MappingSpec(fold_order=fold_order))  # type: ignore[arg-type]
    counts = layer_counts(plan, system, 1)
    if dataflow == "os":  # partial sums stay in the PEs
        expected = (0, 0, 0)
    else:
        expected = _expected(plan, replay_psum_buffer(
            stepper, word_bits=word, wide_bits=WIDE, group_size=gs, quantized=quantized))
    assert _psum_counts(counts) == expected


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 12), n=st.integers(1, 12), k=st.integers(1, 40),
       rows=st.integers(1, 6), cols=st.integers(1, 6), dataflow=st.sampled_from(["ws", "is"]),
       gs=st.integers(1, 8), room=st.integers(1, 64), in_engine=st.booleans(),
       fold_order=st.sampled_from(["rows_first", "cols_first"]), seed=st.integers(0, 99))
@example(m=12, n=12, k=40, rows=4, cols=3, dataflow="ws", gs=4, room=8, in_engine=True,
         fold_order="rows_first", seed=0)  # open groups in the engine, stream chunked
def test_group_home_and_short_reductions_equal_the_reference_buffer(
        m: int, n: int, k: int, rows: int, cols: int, dataflow: str, gs: int, room: int,
        in_engine: bool, fold_order: str, seed: int) -> None:
    """``short_reduction: one_group`` (gs may exceed the K tiles: one group closes at the last)
    and ``group_sum_home: engine`` (open group sums counted on the engine, not the buffer)."""
    grouping = {"short_reduction": "one_group",
                "group_sum_home": "engine" if in_engine else "psum_buffer"}
    system = _system(rows, cols, dataflow, True, gs, room, grouping=grouping)
    rng = np.random.default_rng(seed)
    a, b = rng.integers(-8, 8, (m, k)), rng.integers(-8, 8, (k, n))
    stepper = run_gemm(a, b, rows, cols, Dataflow(dataflow))
    plan = plan_layer(GemmLayer(name="g", m=m, n=n, k=k), system,
                      MappingSpec(fold_order=fold_order))  # type: ignore[arg-type]
    counts = layer_counts(plan, system, 1)
    replay = replay_psum_buffer(stepper, word_bits=8, wide_bits=WIDE, group_size=gs,
                                quantized=True, group_in_engine=in_engine)
    assert _psum_counts(counts) == _expected(plan, replay)
    assert (counts.get("apsq.read_bits", 0), counts.get("apsq.write_bits", 0)) == (
        replay.engine_read_bits, replay.engine_write_bits)


def _chunks(a: np.ndarray, b: np.ndarray, dataflow: Dataflow,
            chunk: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The GEMM cut as the plan cuts its stream: rows of A (ws), columns of B (is)."""
    stream = a.shape[0] if dataflow is Dataflow.WS else b.shape[1]
    if dataflow is Dataflow.WS:
        return [(a[s:s + chunk], b) for s in range(0, stream, chunk)]
    return [(a, b[:, s:s + chunk]) for s in range(0, stream, chunk)]


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 8), n=st.integers(1, 8), k=st.integers(1, 24),
       rows=st.integers(1, 5), cols=st.integers(1, 5), dataflow=st.sampled_from(["ws", "is"]),
       quantized=st.booleans(), gs=st.integers(1, 6), room=st.integers(1, 32),
       fold_order=st.sampled_from(["rows_first", "cols_first"]),
       policy=st.sampled_from(POLICIES), segmented=st.booleans(), seed=st.integers(0, 99))
@example(m=8, n=8, k=24, rows=2, cols=3, dataflow="ws", quantized=True, gs=2, room=32,
         fold_order="rows_first", policy="per_tile", segmented=False, seed=1)  # K tiles differ
@example(m=8, n=8, k=24, rows=2, cols=3, dataflow="is", quantized=True, gs=3, room=4,
         fold_order="cols_first", policy="per_row", segmented=True, seed=2)  # and chunks
def test_temporal_counts_and_cycles_equal_the_temporal_reference(
        m: int, n: int, k: int, rows: int, cols: int, dataflow: str, quantized: bool, gs: int,
        room: int, fold_order: str, policy: str, segmented: bool, seed: int) -> None:
    tiles = -(-k // rows)
    gs = min(gs, tiles) if quantized else 1
    code, bits, top = ("segmented", PE_WEIGHT_BITS, 63) if segmented else ("magnitude", 3, 3)
    system = _system(rows, cols, dataflow, quantized, gs, room, {
        "pe": "temporal", "precision": {"weight_bits": PE_WEIGHT_BITS},
        "temporal": {"code": code, "cap": 3, "policy": policy}})
    rng = np.random.default_rng(seed)
    a, b = rng.integers(-8, 8, (m, k)), rng.integers(-top, top + 1, (k, n))
    quant = LayerQuant(OperandPrecision(bits), OperandPrecision(8), weights_int=b)
    plan = plan_layer(GemmLayer(name="g", m=m, n=n, k=k, quant=quant), system,
                      MappingSpec(fold_order=fold_order))  # type: ignore[arg-type]
    worst = worst_code(system.array.temporal, PE_WEIGHT_BITS, bits)
    results: list[TemporalResult] = [
        run_temporal_gemm(a_c, b_c, rows, cols, Dataflow(dataflow), code=PulseCode(code, 3),
                          policy=policy, worst_cycles=worst)
        for a_c, b_c in _chunks(a, b, Dataflow(dataflow), plan.blocks[0].stream_len)]
    c = np.concatenate([r.c for r in results], axis=0 if dataflow == "ws" else 1)
    assert np.array_equal(c, a @ b)
    replays = [replay_psum_buffer(r, word_bits=8 if quantized else 32, wide_bits=WIDE,
                                  group_size=gs, quantized=quantized) for r in results]
    replay = PsumReplay(tuple(f for r in replays for f in r.per_fold),
                        sum(r.requant_ops for r in replays))
    timing = time_layer(plan, system)
    assert _psum_counts(layer_counts(plan, system, timing.compute_cycles)) == _expected(
        plan, replay)
    assert timing.compute_cycles == sum(r.total_cycles for r in results)
