"""Derived datapath widths in the plan: register writes, stored partial sums, refused layers."""

from __future__ import annotations

import pytest

from accelsim.config import load_run_spec
from accelsim.errors import WorkloadError
from accelsim.mapping import plan_layer
from accelsim.mapping.operands import operand_bits
from accelsim.workload.layers import GemmLayer

CONFIG = "configs/int8_sa.yaml"


def _spec(**overrides: object):  # noqa: ANN202
    return load_run_spec(CONFIG, {"mapping.search": "off", **overrides})


def test_pe_registers_use_the_derived_width_and_storage_the_edge_width() -> None:
    spec = _spec()
    layer = GemmLayer("g", 16, 12, 40)
    bits = operand_bits(layer, spec.system)
    assert (bits.register_psum, bits.psum) == (21, 32)  # 32-row column; K folds at 32 bits
    plan = plan_layer(layer, spec.system, spec.mapping)
    assert plan.reg_write_bits == 16 * 12 * 40 * (8 + 21)  # ws: activation + psum per MAC


def test_explicit_psum_bits_keep_one_width_throughout() -> None:
    spec = _spec(**{"system.array.precision.psum_bits": 32})
    bits = operand_bits(GemmLayer("g", 4, 4, 4), spec.system)
    assert (bits.register_psum, bits.psum) == (32, 32)


def test_os_pe_accumulates_at_the_edge_width() -> None:
    spec = _spec(**{"system.array.dataflow": "os"})
    assert spec.system.array.psum_width == 32


def test_a_k_too_long_for_the_accumulation_is_refused_by_key() -> None:
    spec = _spec(**{"system.array.precision.accumulation_bits": 24})
    plan_layer(GemmLayer("ok", 4, 4, 256), spec.system, spec.mapping)  # 8 + 8 + 8 = 24
    with pytest.raises(WorkloadError, match="needs 25 bits") as info:
        plan_layer(GemmLayer("long", 4, 4, 512), spec.system, spec.mapping)
    assert info.value.key_path == "system.array.precision.accumulation_bits"
