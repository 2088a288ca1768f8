"""The test system and table paths the cost tests share."""

from __future__ import annotations

import copy
from pathlib import Path

from accelsim.config.system_spec import SystemSpec

REPO = Path(__file__).resolve().parents[3]
TABLES = REPO / "accelsim" / "data" / "tables"
DEFAULT_TABLE = TABLES / "default_45nm.yaml"

BASE_SYSTEM: dict[str, object] = {
    "name": "t",
    "clock": "1GHz",
    # psum_bits pinned at 32: the hand-computed figures price a 32-bit PE accumulator
    # (test_area.py prices the derived widths).
    "array": {"rows": 32, "cols": 32, "dataflow": "ws", "precision": {"psum_bits": 32}},
    "sram": {op: {"capacity": "64KiB", "width": "256b"} for op in ("ifmap", "weight", "ofmap")},
    "dram": {"technology": "lpddr4", "bandwidth": "25.6GB/s"},
    "technology": {"node": "45nm", "vdd": "0.9V"},
    "tables": [str(DEFAULT_TABLE)],
}


def make_system(**changes: object) -> SystemSpec:
    """The 32x32 INT8 system with 3 x 64 KiB / 256b SRAMs; ``changes`` replace top-level keys."""
    data = copy.deepcopy(BASE_SYSTEM)
    data.update(changes)
    return SystemSpec.model_validate(data)
