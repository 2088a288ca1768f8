"""Inputs that used to run without a word are refused with one line and exit code 2: a trace
wider than the PE, an SRAM smaller than one row, a layer beyond any sane cycle count."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from accelsim import cli
from accelsim.mapping.operands import MAX_LAYER_CYCLES

REPO = Path(__file__).resolve().parents[2]
INT8_TRACE = REPO / "workloads" / "traces" / "minilm_int8.npz"


def _err(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("command", ["validate", "run"])
def test_an_int8_trace_on_a_4_bit_weight_pe_is_refused(
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _err(capsys, command, str(REPO / "configs" / "int4_sa.yaml"), "--set",
                     f"workload={INT8_TRACE}")
    assert code == 2
    assert err == (f"accelsim: error: {INT8_TRACE}: system.array.precision.weight_bits: layer "
                   "'encoder.layer.0.attention.self.query' has 8-bit weights; the PE takes at "
                   "most 4 (quantize to 4 bits or widen the PE)\n")


def test_the_shipped_int4_config_still_validates(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _err(capsys, "validate", str(REPO / "configs" / "int4_sa.yaml"))
    assert (code, err) == (0, "")


@pytest.fixture
def system_file(tmp_path: Path) -> Path:
    system = yaml.safe_load((REPO / "configs" / "systems" / "int8_32x32.yaml").read_text())
    system["tables"] = ["builtin:default_45nm"]
    path = tmp_path / "sys.yaml"
    path.write_text(yaml.safe_dump(system, sort_keys=False))
    (tmp_path / "run.yaml").write_text(
        f"name: t\nsystem: sys.yaml\nworkload: {REPO / 'workloads' / 'resnet18.yaml'}\n")
    return path


def _sram_line(path: Path, buffer: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1)
                if line.strip().startswith(f"{buffer}:"))


@pytest.mark.parametrize(("key", "value", "message"), [
    ("capacity", "8b", "capacity 8b is smaller than two rows (one per half: double_buffered) "
     "of width 256b; raise 'capacity' or lower 'width'"),
    ("width", "128KiB", "capacity 64 KiB is smaller than two rows (one per half: "
     "double_buffered) of width 128 KiB; raise 'capacity' or lower 'width'"),
])
def test_an_sram_smaller_than_one_row_is_refused(system_file: Path, key: str, value: str,
                                                 message: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    system = yaml.safe_load(system_file.read_text())
    system["sram"]["ifmap"][key] = value
    system_file.write_text(yaml.safe_dump(system, sort_keys=False))
    code, err = _err(capsys, "validate", str(system_file.parent / "run.yaml"))
    assert code == 2
    line = _sram_line(system_file, "ifmap")
    assert err == f"accelsim: error: {system_file}:{line}: system.sram.ifmap: {message}\n"


def test_a_layer_beyond_any_sane_cycle_count_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workload = tmp_path / "huge.yaml"
    workload.write_text("schema: accelsim.workload/1\nname: huge\nlayers:\n"
                        "  - {name: fc, op: gemm, m: 1000000000000, n: 1000000000000, "
                        "k: 1000000000000}\n")
    for command in ("validate", "run"):
        code, err = _err(capsys, command, str(REPO / "configs" / "int8_sa.yaml"), "--set",
                         f"workload={workload}")
        assert code == 2
        assert err == (f"accelsim: error: {workload}: layer 'fc' needs at least 9.766e+32 "
                       f"cycles (1.000e+36 MACs on 1024 PEs), more than the "
                       f"{MAX_LAYER_CYCLES:.0e} accepted; check its dimensions\n")
