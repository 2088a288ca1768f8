"""The array's weight intake against the SRAM that feeds it (system_spec validators)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from accelsim.config.system_spec import SystemSpec


def _system(banks: int, ports: int = 2) -> SystemSpec:
    return SystemSpec.model_validate({
        "name": "s", "clock": "1GHz",
        "array": {"rows": 8, "cols": 8, "dataflow": "ws", "fold_overlap": "weights",
                  "preload_rows_per_cycle": ports, "stationary_buffers": 4},
        "sram": {"ifmap": {"capacity": "8KiB", "width": "64b"},
                 "weight": {"capacity": "8KiB", "width": "64b", "banks": banks},
                 "ofmap": {"capacity": "8KiB", "width": "64b"}},
        "dram": {"bandwidth": "8GB/s"}})


def test_intake_is_cols_times_ports() -> None:
    array = _system(banks=2).array
    assert array.weight_intake_per_cycle == 16 and array.stationary_buffers == 4


def test_an_sram_narrower_than_the_intake_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        _system(banks=1)
    assert ("array.preload_rows_per_cycle 2 takes in 128 bits per cycle (8 columns x 2 rows x "
            "8 bits), but the weight SRAM reads 64 (width x banks x read_ports)") in str(info.value)
