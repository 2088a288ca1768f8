"""`accelsim.workload.load`: dispatch by suffix, topology form detection, and bad-input errors."""

from __future__ import annotations

import shutil
import sys
import types
from pathlib import Path

import pytest

import accelsim.workload as workload_pkg
from accelsim.errors import TraceError, WorkloadError
from accelsim.workload import load
from accelsim.workload.layers import Conv2dLayer, GemmLayer, Workload
from accelsim.workload.loader import is_gemm_topology
from accelsim.workload.summary import ACTIVATION_OPS

WORKLOADS = Path(__file__).resolve().parents[3] / "workloads"
CONV_CSV = ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
            "Num Filter, Strides,\nconv1, 10, 10, 3, 3, 4, 8, 1,\n")
GEMM_CSV = "Layer, M, N, K,\nfc1, 16, 32, 64,\nfc2, 16, 8, 32,\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_package_reexports_load() -> None:
    assert workload_pkg.load is load


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".YAML"])
def test_model_definitions_load_by_suffix(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"r18{suffix}"
    shutil.copy(WORKLOADS / "resnet18.yaml", path)
    wl = load(path)
    assert wl.name == "resnet18"
    assert len(wl.layers) == 21
    assert load(str(path)) == wl


def test_topology_csv_conv_and_gemm_forms_are_detected(tmp_path: Path) -> None:
    conv = load(_write(tmp_path, "conv.csv", CONV_CSV))
    assert [type(layer) for layer in conv.layers] == [Conv2dLayer]
    assert conv.layers[0].gemm().m == 8 * 8
    gemm = load(_write(tmp_path, "gemm.csv", GEMM_CSV))
    assert [(layer.m, layer.n, layer.k) for layer in gemm.layers] == [(16, 32, 64), (16, 8, 32)]
    assert gemm.macs == 16 * 32 * 64 + 16 * 8 * 32


@pytest.mark.parametrize(("header", "gemm"), [
    ("Layer, M, N, K,", True), ("layer,m,n,k", True), ("\n\n  Layer , M , N , K ,", True),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,", False),
    ("Layer, M, N,", False), ("", False),
])
def test_is_gemm_topology_reads_the_first_nonblank_line(tmp_path: Path, header: str,
                                                        gemm: bool) -> None:
    assert is_gemm_topology(_write(tmp_path, "t.csv", header + "\nrow, 1, 2, 3,\n")) is gemm


@pytest.mark.parametrize(("fmt", "text", "expected"), [
    ("auto", GEMM_CSV, True), ("auto", CONV_CSV, False),
    ("gemm", CONV_CSV, True), ("conv", GEMM_CSV, False),
])
def test_explicit_format_overrides_the_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              fmt: str, text: str, expected: bool) -> None:
    calls: list[tuple[str, bool]] = []

    def fake_load(path: str, gemm: bool = False) -> Workload:
        calls.append((path, gemm))
        return Workload("fake", path, (GemmLayer("x", 1, 1, 1),))

    fake = types.ModuleType("accelsim.workload.topology_csv")
    fake.load_topology_csv = fake_load  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "accelsim.workload.topology_csv", fake)
    path = _write(tmp_path, "t.csv", text)
    assert load(path, fmt).name == "fake"
    assert calls == [(str(path), expected)]


def test_traces_go_to_the_trace_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Path] = []
    expected = Workload("traced", "t.npz", (GemmLayer("fc", 2, 3, 4),))

    def fake_load(path: Path) -> Workload:
        seen.append(path)
        return expected

    fake = types.ModuleType("accelsim.workload.trace")
    fake.load_trace_workload = fake_load  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "accelsim.workload.trace", fake)
    assert load(tmp_path / "t.npz") is expected
    assert seen == [tmp_path / "t.npz"]


def test_missing_trace_is_a_trace_error(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match=r"nope.npz: trace file not found$"):
        load(tmp_path / "nope.npz")


def test_attention_op_means_the_same_in_traces_and_model_files() -> None:
    from accelsim.workload import trace

    assert set(trace.SHAPE_ONLY_OPS) == ACTIVATION_OPS


@pytest.mark.parametrize(("name", "fmt", "expected"), [
    ("w.txt", "auto", "w.txt: unsupported workload file type '.txt'; use .yaml (model "
     "definition), .yml (model definition), .csv (SCALE-Sim topology), .npz (trace)"),
    ("w", "auto", "w: unsupported workload file type '(none)'; use .yaml"),
    ("w.csv", "onnx", "w.csv: unknown workload format 'onnx'; expected one of auto, conv, gemm"),
    ("w.yaml", "gemm", "w.yaml: format 'gemm' applies to .csv topologies only; a model "
     "definition needs 'auto'"),
    ("w.csv", "auto", "w.csv: workload file not found"),
    ("w.yaml", "auto", "w.yaml: workload file not found"),
])
def test_bad_paths_and_formats_are_one_line_errors(tmp_path: Path, name: str, fmt: str,
                                                   expected: str) -> None:
    with pytest.raises(WorkloadError) as info:
        load(tmp_path / name, fmt)
    assert str(info.value).startswith(f"{tmp_path}/{expected}")
