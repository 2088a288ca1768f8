"""`accelsim run/validate --workload MODEL.onnx [--input-shape ...]` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelsim import cli
from tests.unit.workload.onnx_models import attention_block, graph_macs, save

ROOT = Path(__file__).resolve().parents[2]
ONNX = ROOT / "workloads" / "onnx"


@pytest.mark.parametrize(("config", "stem", "macs"), [
    ("int8_sa", "resnet18", 1_814_073_344),
    ("int4_sa", "resnet18", 1_814_073_344),
    ("fineq_sa", "resnet18", 1_814_073_344),
    ("int8_sa", "mobilenet_v2", 300_774_272),
    ("psum32_is", "alexnet", 714_188_480),
])
def test_run_onnx_workload(tmp_path: Path, capsys, config: str, stem: str,  # noqa: ANN001
                           macs: int) -> None:
    report = tmp_path / "r.json"
    code = cli.main(["run", str(ROOT / "configs" / f"{config}.yaml"), "--workload",
                     str(ONNX / f"{stem}.onnx"), "--json", str(report)])
    assert code == 0, capsys.readouterr().err
    body = json.loads(report.read_text())
    assert body["totals"]["macs"] == macs
    assert body["totals"]["cycles"] > 0
    assert f"on {stem}" in capsys.readouterr().out


def test_symbolic_input_needs_input_shape(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    model = save(attention_block(seq="seq"), tmp_path / "enc.onnx")
    config = str(ROOT / "configs" / "int8_sa.yaml")
    assert cli.main(["run", config, "--workload", str(model)]) == 2
    err = capsys.readouterr().err
    assert "input 'x' has symbolic dims 1x?x32; give them with --input-shape x=" in err
    report = tmp_path / "r.json"
    assert cli.main(["run", config, "--workload", str(model), "--input-shape", "x=1x64x32",
                     "--json", str(report)]) == 0
    assert json.loads(report.read_text())["totals"]["macs"] == \
        graph_macs(attention_block(seq=64))
    assert cli.main(["validate", config, "--set", f"workload={model}",
                     "--input-shape", "1x64x32"]) == 0
    assert "8 layers" in capsys.readouterr().out


def test_input_shape_errors_are_one_line(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = str(ROOT / "configs" / "int8_sa.yaml")
    model = save(attention_block(seq="seq"), tmp_path / "enc.onnx")
    assert cli.main(["run", config, "--workload", str(model), "--input-shape", "x=1x8"]) == 2
    assert "input 'x' has 3 dims, the shape given has 2" in capsys.readouterr().err
    assert cli.main(["run", config, "--input-shape", "1x8"]) == 2
    assert "--input-shape goes with an ONNX workload" in capsys.readouterr().err
