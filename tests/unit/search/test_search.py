"""The mapping space and the search: the fixed mapping is one candidate and reproduces today's
plan; the search is deterministic, reaches the compulsory traffic on issue 12's GEMM, and the
report carries the choice."""

from __future__ import annotations

import json
from pathlib import Path

import accelsim
from accelsim import runner
from accelsim.config.run_spec import MappingSpec
from accelsim.hardware.system import build
from accelsim.mapping.choice import BufferUse, LayerMapping, PsumHome
from accelsim.mapping.operands import operand_bits
from accelsim.mapping.plan import plan_layer
from accelsim.mapping.space import candidates, fixed_mapping
from accelsim.report import result_to_csv, result_to_json, summary_text
from accelsim.search import search_layer
from accelsim.types import Operand
from accelsim.workload.layers import GemmLayer

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "configs" / "int8_sa.yaml"
GEMM = GemmLayer("gemm", 128, 512, 512)


def _system():  # noqa: ANN202
    return accelsim.load(CONFIG).system


def _gemm_workload(tmp_path: Path) -> Path:
    path = tmp_path / "gemm.yaml"
    path.write_text("schema: accelsim.workload/1\nname: gemm\nsource: 'synthetic'\nlayers:\n"
                    "  - {name: gemm, op: gemm, m: 128, n: 512, k: 512}\n")
    return path


def test_fixed_mapping_is_the_first_candidate_and_reproduces_the_plan() -> None:
    system, spec = _system(), MappingSpec()
    bits = operand_bits(GEMM, system)
    fixed = fixed_mapping(GEMM.gemm(), system, spec, bits)
    space = candidates(GEMM.gemm(), system, spec, bits)
    assert space[0] == fixed and len(set(space)) == len(space) > 1
    assert plan_layer(GEMM, system, spec, choice=fixed) == plan_layer(GEMM, system, spec)
    assert fixed == LayerMapping("rows_first", 128, BufferUse.HALVES, BufferUse.HALVES,
                                 PsumHome.OFMAP_SRAM)


def test_whole_buffer_residency_fetches_the_ifmap_once() -> None:
    system, spec = _system(), MappingSpec()
    halves = plan_layer(GEMM, system, spec)
    whole = plan_layer(GEMM, system, spec, choice=LayerMapping(
        "rows_first", 128, BufferUse.WHOLE, BufferUse.HALVES, PsumHome.OFMAP_SRAM))
    fills = [sum(p.groups * b.repeat * s.repeat * r.count * r.traffic.sram_write_bits[0]
                 for b in p.blocks for s in b.segments for r in s.runs) for p in (halves, whole)]
    assert fills == [16 * 128 * 512 * 8, 128 * 512 * 8]  # once per column fold, then once


def test_gemm_reaches_compulsory_traffic_and_the_report_shows_the_choice(tmp_path: Path) -> None:
    workload = _gemm_workload(tmp_path)
    off = accelsim.run(CONFIG, workload=workload, set={"mapping.search": "off"})
    on = accelsim.run(CONFIG, workload=workload)
    again = accelsim.run(CONFIG, workload=workload)
    mapping = on.layers[0].stats.mapping
    assert mapping is not None and mapping == again.layers[0].stats.mapping  # deterministic
    assert off.layers[0].stats.mapping is None
    moved = sum(mapping["dram_bits"].values())  # type: ignore[attr-defined]
    least = sum(mapping["compulsory_dram_bits"].values())  # type: ignore[attr-defined]
    assert least == (128 * 512 + 512 * 512 + 128 * 512) * 8
    assert moved <= 1.25 * least
    dram = sum(v for k, v in on.layers[0].stats.counts.items() if k.startswith("dram."))
    assert dram == moved  # the attribution adds up to what the DRAM moved
    sram = mapping["sram_bits"]
    assert sram["ifmap"]["write"] == mapping["dram_bits"]["ifmap"] == least // 6  # type: ignore[index]
    assert mapping["objective_value"] < mapping["fixed_objective_value"]
    assert on.energy_j < off.energy_j and on.total_cycles <= off.total_cycles
    layer = json.loads(result_to_json(on))["layers"][0]
    assert layer["mapping"]["residency"] == {"ifmap": "whole", "weight": "halves"}
    assert json.loads(result_to_json(off))["layers"][0]["mapping"] is None
    assert "mapping.loop_order" in result_to_csv(on).splitlines()[0]
    assert "whole/halves" in summary_text(on, mapping=True)


def test_a_shorter_chunk_keeps_the_streamed_slice_resident_on_bert_qkv() -> None:
    """BERT-base's QKV GEMM (128x768x768): A (786 Kbit) fits no 64 KiB buffer, so under the
    longest chunk it is re-read for each of the 24 column folds; the space also offers the
    longest chunk whose A slice fits the whole ifmap buffer, read once, and the search takes it."""
    system, spec = _system(), MappingSpec()
    qkv = GemmLayer("qkv", 128, 768, 768)
    bits = operand_bits(qkv, system)
    capacity = system.sram.buffer_for(Operand.IFMAP).capacity_bits
    longest = capacity // (768 * 8)
    space = candidates(qkv.gemm(), system, spec, bits)
    assert LayerMapping("rows_first", longest, BufferUse.WHOLE, BufferUse.HALVES,
                        PsumHome.OFMAP_SRAM) in space
    fixed = plan_layer(qkv, system, spec)
    prices = runner.prices(build(system, None), runner.InputCache())
    chosen = search_layer(fixed, system, spec, prices).plan
    report = chosen.report
    assert report is not None and report["stream_chunk"] == longest
    assert report["dram_bits"]["ifmap"] == 128 * 768 * 8  # read once, not 24 times
