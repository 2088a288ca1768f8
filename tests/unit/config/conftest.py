"""A small, valid run config tree in tmp_path whose line numbers the error tests pin."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from accelsim.config import RunSpec, load_run_spec
from accelsim.errors import ConfigError

# Line numbers matter: the tests below pin them.
SYSTEM = """\
name: sys
clock: 1GHz
array:
  rows: 4
  cols: 4
  dataflow: ws
sram:
  ifmap: {capacity: 8KiB, width: 64b}
  weight: {capacity: 8KiB, width: 64b}
  ofmap: {capacity: 8KiB, width: 128b}
dram:
  bandwidth: 6.4GB/s
  latency: 100ns
tables:
  - ../tables/t.yaml
"""

RUN = """\
name: run
system: systems/sys.yaml
workload: wl.yaml
mapping:
  fold_order: rows_first
sim:
  seed: 1
"""

WORKLOAD = """\
schema: accelsim.workload/1
name: tiny
layers:
  - {name: fc1, op: gemm, m: 4, n: 8, k: 16}
  - {name: fc2, op: gemm, m: 4, n: 4, k: 8}
"""


class ConfigTree:
    """Writes run.yaml, systems/sys.yaml, wl.yaml and tables/t.yaml under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "systems").mkdir()
        (root / "tables").mkdir()
        (root / "tables" / "t.yaml").write_text("schema: accelsim.table/1\n")
        (root / "wl.yaml").write_text(WORKLOAD)
        self.write(RUN, SYSTEM)

    @property
    def run_path(self) -> Path:
        return self.root / "run.yaml"

    @property
    def system_path(self) -> Path:
        return self.root / "systems" / "sys.yaml"

    def write(self, run: str = RUN, system: str = SYSTEM) -> None:
        self.run_path.write_text(run, encoding="utf-8")
        self.system_path.write_text(system, encoding="utf-8")

    def load(self, run: str = RUN, system: str = SYSTEM,
             overrides: Mapping[str, object] | None = None) -> RunSpec:
        self.write(run, system)
        return load_run_spec(self.run_path, overrides)

    def error(self, run: str = RUN, system: str = SYSTEM,
              overrides: Mapping[str, object] | None = None) -> str:
        """The one-line message, with the directory written as ``TMP``."""
        with pytest.raises(ConfigError) as info:
            self.load(run, system, overrides)
        text = str(info.value)
        assert "\n" not in text
        return text.replace(str(self.root), "TMP")


@pytest.fixture
def tree(tmp_path: Path) -> ConfigTree:
    return ConfigTree(tmp_path.resolve())
