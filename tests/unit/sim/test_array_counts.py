"""``layer_counts`` sums the plan's traffic per key; its keys come in the order of a fold-by-fold
walk (the report lists them so), zeros left out: checked against that walk written plainly."""

from __future__ import annotations

from pathlib import Path

import pytest

import accelsim
from accelsim.mapping.operands import operand_bits
from accelsim.mapping.plan import LayerPlan, plan_layer
from accelsim.mapping.space import candidates
from accelsim.sim.array_counts import _SRAM_KEYS, layer_counts
from accelsim.sim.psum_counts import psum_counts
from accelsim.sim.temporal_counts import decoder_counts, temporal_counts
from accelsim.types import Action, count_key
from accelsim.workload.layers import Conv2dLayer, GemmLayer

ROOT = Path(__file__).resolve().parents[3]


def _walked(plan: LayerPlan, system, compute_cycles: int) -> dict[str, int]:  # noqa: ANN001
    counts: dict[str, int] = {}

    def add(key: str, value: int) -> None:
        if value:
            counts[key] = counts.get(key, 0) + value

    add(count_key("array", Action.MAC), plan.macs)
    add(count_key("array", Action.PE_BUSY_CYCLES),
        system.array.rows * system.array.cols * compute_cycles)
    add(count_key("array", Action.REG_WRITE_BITS), plan.reg_write_bits)
    for block in plan.blocks:
        for segment in block.segments:
            for run in segment.runs:
                folds = plan.groups * block.repeat * segment.repeat * run.count
                traffic = run.traffic
                add(count_key("dram", Action.READ_BITS), folds * traffic.dram_read_bits)
                add(count_key("dram", Action.WRITE_BITS), folds * traffic.dram_write_bits)
                for index, (read_key, write_key) in enumerate(_SRAM_KEYS):
                    add(read_key, folds * traffic.sram_read_bits[index])
                    add(write_key, folds * traffic.sram_write_bits[index])
                for key, value in psum_counts(traffic, folds).items():
                    add(key, value)
    for key, value in (*temporal_counts(plan, system).items(), *decoder_counts(plan).items()):
        add(key, value)
    return counts


@pytest.mark.parametrize("config", ["int8_sa.yaml", "apsq_ws.yaml", "apsq_is.yaml",
                                    "psum32_is.yaml"])
def test_counts_equal_the_fold_by_fold_walk_in_keys_values_and_order(config: str) -> None:
    spec = accelsim.load(ROOT / "configs" / config, set={"system.sram.ifmap.capacity": "8KiB"})
    system = spec.system
    for layer in (GemmLayer("qkv", 128, 768, 768), Conv2dLayer("c", 14, 14, 96, 3, 3, 80)):
        bits = operand_bits(layer, system)
        for choice in candidates(layer.gemm(), system, spec.mapping, bits):
            plan = plan_layer(layer, system, spec.mapping, choice=choice)
            got, want = layer_counts(plan, system, 12345), _walked(plan, system, 12345)
            assert list(got.items()) == list(want.items())
