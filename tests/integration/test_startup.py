"""Whole-process start-up (issue 15): a one-chip YAML run, with --json and --csv, loads neither
numpy nor pandas nor the simulators of other plan kinds, and reads one built-in cost table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
from accelsim.cli import main
from accelsim.cost import builtin
status = main(["run", sys.argv[1], "--json", sys.argv[2], "--csv", sys.argv[3]])
print(json.dumps({"status": status, "modules": sorted(sys.modules),
                  "tables": list(builtin._classes_by_table()._read)}), file=sys.stderr)
"""


def test_a_one_chip_run_loads_only_what_it_needs(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE, str(REPO / "configs" / "int8_sa.yaml"),
                           str(tmp_path / "r.json"), str(tmp_path / "r.csv")],
                          capture_output=True, text=True, check=True, cwd=tmp_path)
    probe = json.loads(done.stderr.strip().splitlines()[-1])
    assert probe["status"] == 0
    loaded = set(probe["modules"])
    assert not loaded & {"numpy", "pandas", "matplotlib", "accelsim.sim.moe", "accelsim.sim.llm",
                         "accelsim.sim.dense_chiplets", "accelsim.compat"}
    assert probe["tables"] == ["default_45nm"]
    assert (tmp_path / "r.csv").read_text().startswith("layer,op,cycles,")
