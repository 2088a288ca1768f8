"""Reports name the overrides applied and record input hashes and the config's git state;
``--set system=FILE`` swaps the system in run, validate and sweep grids."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from accelsim import cli

REPO = Path(__file__).resolve().parents[2]
WORKLOAD = """\
schema: accelsim.workload/1
name: tiny
layers:
  - {name: fc, op: gemm, m: 4, n: 8, k: 16}
"""


def _system(tmp_path: Path, name: str, source: str) -> Path:
    system = yaml.safe_load((REPO / "configs" / "systems" / source).read_text())
    system["tables"] = ["builtin:default_45nm"]
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(system, sort_keys=False))
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    _system(tmp_path, "sys8", "int8_32x32.yaml")
    _system(tmp_path, "sys4", "int4_32x32.yaml")
    (tmp_path / "wl.yaml").write_text(WORKLOAD)
    run = tmp_path / "run.yaml"
    run.write_text("name: cli\nsystem: sys8.yaml\nworkload: wl.yaml\n")
    return run


def test_header_and_json_name_the_overrides(config: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o.json"
    code = cli.main(["run", str(config), "--set", "system.array.rows=64", "--json", str(out)])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(
        "cli --set system.array.rows=64 on tiny (1 layers)")
    report = json.loads(out.read_text())
    assert report["name"] == "cli --set system.array.rows=64"
    assert report["provenance"]["overrides"] == ["system.array.rows=64"]
    assert report["config"]["system"]["array"]["rows"] == 64


def test_provenance_hashes_every_input_and_says_the_tree_is_unknown_outside_git(
        config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o.json"
    assert cli.main(["run", str(config), "--json", str(out)]) == 0
    prov = json.loads(out.read_text())["provenance"]
    hashes = {Path(item["path"]).name: item["sha256"] for item in prov["inputs"]}
    for name in ("run.yaml", "sys8.yaml", "wl.yaml"):
        assert hashes[name] == hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
    assert "default_45nm.yaml" in hashes
    if not any(parent.joinpath(".git").exists() for parent in tmp_path.parents):
        assert (prov["git_tree"], prov["git"]) == ("unknown", None)
    assert prov["overrides"] == []


def test_set_system_swaps_the_system_file(config: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o.json"
    code = cli.main(["run", str(config), "--set", f"system={tmp_path / 'sys4.yaml'}",
                     "--json", str(out)])
    assert code == 0
    report = json.loads(out.read_text())
    assert report["config"]["system"]["name"] == "int4_32x32"
    assert any(Path(i["path"]).name == "sys4.yaml" for i in report["provenance"]["inputs"])
    assert not any(Path(i["path"]).name == "sys8.yaml" for i in report["provenance"]["inputs"])


def test_validate_refuses_a_missing_system_file_in_one_line(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(config), "--set", "system=missing.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--set system=missing.yaml: system: system file 'missing.yaml' not found" in err


def test_a_sweep_compares_system_files(config: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    out = tmp_path / "s.csv"
    systems = f"{tmp_path / 'sys8.yaml'},{tmp_path / 'sys4.yaml'}"
    code = cli.main(["sweep", str(config), "--grid", f"system={systems}", "--per-point",
                     "--backend", "inprocess", "--no-progress", "--out", str(out)])
    assert code == 0
    frame = pd.read_csv(out)
    assert [Path(s).name for s in frame["system"]] == ["sys8.yaml", "sys4.yaml"]
    assert frame["energy_j"].iloc[1] < frame["energy_j"].iloc[0]  # 4-bit weights cost less


def test_a_sweep_over_a_missing_system_file_is_refused(config: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["sweep", str(config), "--grid", f"system={tmp_path / 'sys8.yaml'},nope.yaml",
                     "--backend", "inprocess", "--no-progress", "--out", str(tmp_path / "s.csv")])
    assert code == 2
    assert "system file 'nope.yaml' not found" in capsys.readouterr().err


def test_a_workload_override_is_named_as_given(config: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "wl2.yaml").write_text(WORKLOAD.replace("name: tiny", "name: other"))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", str(config), "--workload", "wl2.yaml"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert head.endswith("cli --workload wl2.yaml on other (1 layers)")
