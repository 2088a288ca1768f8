"""`accelsim run FILE.cfg --topology FILE.csv` reports exactly what compatibility mode computes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import accelsim
from accelsim import cli
from accelsim.compat.scalesim import simulate_scalesim
from accelsim.compat.scalesim.cfg import load_scalesim_config
from accelsim.compat.scalesim.run import ScaleSimRun
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


def test_set_reaches_cfg_keys(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert cli.main(["run", str(CFG), "--topology", str(CONV), "--json", str(out), "--set",
                     "architecture_presets.ArrayHeight=16", "--set",
                     "run_presets.InterfaceBandwidth=CALC"]) == 0
    report = json.loads(out.read_text())
    expected = simulate_scalesim(
        load_scalesim_config(CFG, {"architecture_presets.ArrayHeight": 16,
                                   "run_presets.InterfaceBandwidth": "CALC"}),
        load_topology_csv(str(CONV)))
    assert [layer["cycles"] for layer in report["layers"]] == [r.total_cycles for r in expected]
    assert report["config"]["array_rows"] == 16 and report["config"]["bandwidth_mode"] == "CALC"
    assert set(report["config"]["bandwidth_report"]) == {r.name for r in expected}


@pytest.mark.parametrize(("override", "message"), [
    ("architecture_presets.ArrayHieght=64", "--set architecture_presets.ArrayHieght=64: "
     "architecture_presets.ArrayHieght: unknown key 'ArrayHieght' (did you mean 'ArrayHeight'?)"),
    ("archtecture_presets.ArrayHeight=3", "unknown section [archtecture_presets] (did you mean "
     "'architecture_presets'?)"),
    ("architecture_presets.ArrayHeight=abc", "--set architecture_presets.ArrayHeight=abc: "
     "architecture_presets.ArrayHeight: expected a positive integer, got 'abc'"),
    ("run_presets.InterfaceBandwidth=CALK", "expected one of USER, CALC, got 'CALK' (did you "
     "mean 'CALC'?)"),
    ("ArrayHeight=3", "expected section.Key"),
])
def test_bad_cfg_override_names_section_and_key(override: str, message: str,
                                                capsys) -> None:  # noqa: ANN001
    assert cli.main(["validate", str(CFG), "--topology", str(CONV), "--set", override]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_validate_takes_a_cfg(capsys) -> None:  # noqa: ANN001
    assert cli.main(["validate", str(CFG), "--topology", str(GEMM), "--gemm"]) == 0
    out = capsys.readouterr().out
    assert "google_32x32.cfg: ok (google_tpu_v1_32x32, 32x32 ws, InterfaceBandwidth USER; " in out
    assert "with 2 layers" in out


def test_validate_refuses_unmodelled_features(capsys) -> None:  # noqa: ANN001
    assert cli.main(["validate", str(CFG), "--topology", str(CONV), "--set",
                     "layout.IfmapCustomLayout=True"]) == 2
    assert "custom SRAM layouts are not supported" in capsys.readouterr().err


def test_sweep_over_cfg_keys_and_topology(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    assert cli.main(["sweep", str(CFG), "--topology", str(CONV), "--grid",
                     "architecture_presets.ArrayHeight=16,32", "--grid",
                     "run_presets.InterfaceBandwidth=USER,CALC", "--out", str(out),
                     "--per-point", "--no-progress", "--backend", "inprocess"]) == 0
    frame = pd.read_csv(out)
    assert len(frame) == 4
    for _, row in frame.iterrows():
        cfg = load_scalesim_config(CFG, {
            "architecture_presets.ArrayHeight": int(row["architecture_presets.ArrayHeight"]),
            "run_presets.InterfaceBandwidth": row["run_presets.InterfaceBandwidth"]})
        expected = simulate_scalesim(cfg, load_topology_csv(str(CONV)))
        assert row["cycles"] == sum(r.total_cycles for r in expected)
    topo = accelsim.sweep(CFG, zip={"topology": [str(CONV), str(GEMM)], "gemm": [False, True]},
                          backend="inprocess", per_layer=False)
    assert topo["macs"].tolist() == [accelsim.run(CFG, topology=CONV).stats.macs,
                                     64 * 256 * 512 + 64 * 10 * 256]


def test_sweep_point_errors_name_the_grid(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    assert cli.main(["sweep", str(CFG), "--topology", str(CONV), "--grid",
                     "architecture_presets.ArrayHeight=16,x", "--out",
                     str(tmp_path / "s.csv"), "--no-progress"]) == 2
    assert ("--grid architecture_presets.ArrayHeight=x: architecture_presets.ArrayHeight: "
            "expected a positive integer" in capsys.readouterr().err)


def test_api_load_gives_a_scalesim_run() -> None:
    run = accelsim.load(CFG, topology=CONV, architecture_presets__ArrayWidth=8)
    assert isinstance(run, ScaleSimRun) and run.config.array_cols == 8
    assert accelsim.run(run).total_cycles == accelsim.run(
        CFG, topology=CONV, set={"architecture_presets.ArrayWidth": 8}).total_cycles
