"""A tiny run config (two small layers on the repository's INT8 system) for fast sweep tests."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
WORKLOAD = """\
schema: accelsim.workload/1
name: tiny
layers:
  - {name: fc, op: gemm, m: 16, n: 24, k: 40}
  - {name: conv, op: conv2d, ifmap: 10, channels: 6, filters: 12, kernel: 3}
"""


def write_tiny_config(directory: Path) -> Path:
    """run.yaml -> sys.yaml (INT8 32x32, absolute table path) + wl.yaml; returns run.yaml."""
    system = yaml.safe_load((REPO / "configs" / "systems" / "int8_32x32.yaml").read_text())
    system["tables"] = [str(REPO / "accelsim" / "data" / "tables" / "default_45nm.yaml")]
    (directory / "sys.yaml").write_text(yaml.safe_dump(system, sort_keys=False))
    (directory / "wl.yaml").write_text(WORKLOAD)
    run = directory / "run.yaml"
    run.write_text("name: tiny_run\nsystem: sys.yaml\nworkload: wl.yaml\n")
    return run
