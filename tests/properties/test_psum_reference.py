"""PSUM-buffer counts of the mapping equal a reference buffer replaying the stepper's folds.

For random shapes, arrays, dataflows, fold orders, PSUM formats (32-bit, APSQ INT8 with random
gs) and buffer sizes small enough to force stream chunking (or, with cols_first, spills), the plan's
``psum_buffer.read_bits`` / ``write_bits`` / ``apsq.requant_ops`` equal what
``accelsim.reference.psum_replay`` counts on the stepper's partial outputs, and the stepper's C
equals A @ B. A spill adds, to both reads and writes, the stored and the refilled bits.
"""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from accelsim.config.run_spec import MappingSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.hardware.systolic_array import layer_counts
from accelsim.mapping.plan import plan_layer
from accelsim.reference.psum_replay import replay_psum_buffer
from accelsim.reference.stepper import run_gemm
from accelsim.types import Dataflow
from accelsim.workload.layers import GemmLayer

WIDE = 32


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
    step_bits = cols * (word + (WIDE if gs > 1 else 0))
    buffer = {"capacity": "64KiB", "width": "256b"}
    system = SystemSpec.model_validate({
        "name": "p", "clock": "1GHz", "array": {"rows": rows, "cols": cols, "dataflow": dataflow},
        "sram": {op: copy.deepcopy(buffer) for op in ("ifmap", "weight", "ofmap")},
        "psum_buffer": {"capacity": f"{step_bits * room}b", "word_bits": word,
                        "quantization": "apsq" if quantized else "none", "group_size": gs},
        "dram": {"technology": "lpddr4", "bandwidth": "25.6GB/s"}, "tables": ["x.yaml"]})
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
        replay = replay_psum_buffer(stepper, word_bits=word, wide_bits=WIDE, group_size=gs,
                                    quantized=quantized)
        spills = {block.residency.psums_on_chip for block in plan.blocks} == {False}
        assume(spills or all(block.residency.psums_on_chip for block in plan.blocks))
        total = replay.read_bits + replay.write_bits  # a spill reads out what it stores
        expected = ((total, total, replay.requant_ops) if spills  # and refills what it reads
                    else (replay.read_bits, replay.write_bits, replay.requant_ops))
    assert (counts.get("psum_buffer.read_bits", 0), counts.get("psum_buffer.write_bits", 0),
            counts.get("apsq.requant_ops", 0)) == expected
