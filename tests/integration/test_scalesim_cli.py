"""`accelsim run FILE.cfg --topology FILE.csv` reports exactly what compatibility mode computes."""

from __future__ import annotations

import json
from pathlib import Path

import accelsim
from accelsim import cli
from accelsim.compat.scalesim import simulate_scalesim
from accelsim.compat.scalesim.cfg import load_scalesim_config
from accelsim.workload.topology_csv import load_topology_csv

ROOT = Path(__file__).resolve().parents[2]
CFG = ROOT / "configs" / "scalesim" / "google_32x32.cfg"
CONV = ROOT / "workloads" / "scalesim" / "resnet18_tail.csv"
GEMM = ROOT / "workloads" / "scalesim" / "gemm_example.csv"


def test_cli_report_carries_compatibility_cycles(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "r.json"
    assert cli.main(["run", str(CFG), "--topology", str(CONV), "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    expected = simulate_scalesim(load_scalesim_config(CFG), load_topology_csv(str(CONV)))
    assert [layer["cycles"] for layer in report["layers"]] == [r.total_cycles for r in expected]
    assert [layer["stall_cycles"] for layer in report["layers"]] == [
        r.stall_cycles for r in expected]
    assert report["config"]["mode"] == "scalesim"
    assert report["totals"]["energy_j"] > 0 and report["totals"]["area_m2"] > 0
    assert "SCALE-Sim compatibility mode" in capsys.readouterr().out


def test_api_gemm_topology() -> None:
    result = accelsim.run(CFG, topology=GEMM, gemm=True)
    assert [layer.name for layer in result.layers] == ["fc1", "fc2"]
    assert all(layer.stats.cycles == layer.stats.compute_cycles + layer.stats.stall_cycles
               for layer in result.layers)
    assert result.stats.macs == 64 * 256 * 512 + 64 * 10 * 256


def test_cfg_without_topology_is_bad_input(capsys) -> None:  # noqa: ANN001
    assert cli.main(["run", str(CFG)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs a topology" in err


def test_overrides_are_refused_for_cfg(capsys) -> None:  # noqa: ANN001
    assert cli.main(["run", str(CFG), "--topology", str(CONV), "--set", "a.b=1"]) == 2
    assert "do not apply to a SCALE-Sim .cfg" in capsys.readouterr().err
