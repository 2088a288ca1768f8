"""Compatibility mode against the real SCALE-Sim 3.0.0: identical cycles, per layer.

Each case writes a SCALE-Sim config and topology, runs SCALE-Sim (in its own environment,
``.venv-scalesim``, via ``scalesim_driver.py``) and `simulate_scalesim` on the same files, and
asserts that total, compute and stall cycles are *equal*; so are the access counts SCALE-Sim
reports, and its utilization figures to 1e-12.

The cases cover all three dataflows, square and non-square arrays, conv and GEMM topologies,
large SRAMs (no stalls) and 1 KiB SRAMs with low bandwidth (read windows thrash, OFMAP drains
stall); every fixed case again in ``InterfaceBandwidth: CALC``; and seeded random cases in both
modes. SCALE-Sim's bandwidth report (SRAM and DRAM words/cycle) must match to 1e-12.
Layers are small because SCALE-Sim is slow; xdist runs one case per worker.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from accelsim.compat.scalesim import ScaleSimLayerResult, simulate_scalesim
from accelsim.compat.scalesim.cfg import load_scalesim_config
from accelsim.workload.topology_csv import load_topology_csv

pytestmark = pytest.mark.scalesim

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("scalesim_driver.py")
CONV_HEADER = ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
               "Num Filter, Strides,")
GEMM_HEADER = "Layer, M, N, K,"


def scalesim_python() -> Path | None:
    """The interpreter with SCALE-Sim 3.0.0: $ACCELSIM_SCALESIM_PYTHON or .venv-scalesim."""
    override = os.environ.get("ACCELSIM_SCALESIM_PYTHON")
    path = Path(override) if override else REPO / ".venv-scalesim" / "bin" / "python"
    return path if path.exists() else None


@dataclass(frozen=True)
class Case:
    """A SCALE-Sim run: array, dataflow, SRAM KiB (ifmap, filter, ofmap), bandwidths
    (ifmap bank, filter bank, ofmap), and topology rows."""

    dataflow: str
    rows: int
    cols: int
    sram_kb: tuple[int, int, int]
    bandwidth: tuple[int, int, int]
    layers: tuple[str, ...]
    gemm: bool = False
    expect_stalls: bool | None = False  # None: either (random cases)
    mode: str = "USER"

    def config_text(self) -> str:
        """A complete SCALE-Sim 3.0.0 config (it insists on every section)."""
        ifmap_kb, filter_kb, ofmap_kb = self.sram_kb
        ifmap_bw, filter_bw, ofmap_bw = self.bandwidth
        return f"""[general]
run_name = parity

[architecture_presets]
ArrayHeight: {self.rows}
ArrayWidth: {self.cols}
IfmapSramSzkB: {ifmap_kb}
FilterSramSzkB: {filter_kb}
OfmapSramSzkB: {ofmap_kb}
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Bandwidth : {ofmap_bw}
Dataflow : {self.dataflow}
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: {ifmap_bw}
IfmapSRAMBankNum: 1
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: {filter_bw}
FilterSRAMBankNum: 1
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: {self.mode}
UseRamulatorTrace: False
"""

    def topology_text(self) -> str:
        """Topology CSV with SCALE-Sim's trailing commas."""
        header = GEMM_HEADER if self.gemm else CONV_HEADER
        return "\n".join((header, *self.layers)) + "\n"


BIG = (64, 64, 64)
TINY = (1, 1, 1)
CASES = {
    # No stalls: every operand fits in half its SRAM.
    "os_square_conv": Case("os", 8, 8, BIG, (10, 10, 10),
                           ("c1, 12, 12, 3, 3, 4, 10, 1,", "c2, 11, 11, 3, 3, 3, 6, 2,")),
    "ws_square_conv": Case("ws", 8, 8, BIG, (10, 10, 10),
                           ("c1, 12, 12, 3, 3, 4, 10, 1,", "c2, 11, 11, 3, 3, 3, 6, 2,")),
    "is_square_conv": Case("is", 8, 8, BIG, (10, 10, 10),
                           ("c1, 12, 12, 3, 3, 4, 10, 1,", "c2, 11, 11, 3, 3, 3, 6, 2,")),
    "os_wide_gemm": Case("os", 4, 8, BIG, (10, 10, 10),
                         ("g1, 30, 20, 18,", "g2, 7, 33, 5,"), gemm=True),
    "ws_tall_gemm": Case("ws", 8, 3, BIG, (10, 10, 10),
                         ("g1, 30, 20, 18,", "g2, 7, 33, 5,"), gemm=True),
    "is_wide_gemm": Case("is", 3, 6, BIG, (10, 10, 10),
                         ("g1, 30, 20, 18,", "g2, 7, 33, 5,"), gemm=True),
    "os_depthwise": Case("os", 4, 4, BIG, (10, 10, 10), ("conv_DP, 8, 8, 3, 3, 3, 2, 1,",)),
    # Stalls: 1 KiB SRAMs (512-word windows) and few words per cycle.
    "os_square_conv_stall": Case("os", 4, 4, TINY, (2, 2, 1),
                                 ("c1, 14, 14, 3, 3, 8, 12, 1,",), expect_stalls=True),
    "ws_wide_conv_stall": Case("ws", 4, 8, TINY, (4, 1, 2),
                               ("c1, 13, 13, 3, 3, 6, 10, 2,",), expect_stalls=True),
    "is_tall_conv_stall": Case("is", 8, 4, TINY, (1, 4, 2),
                               ("c1, 12, 12, 2, 2, 8, 2, 1,",), expect_stalls=True),
    "os_tall_gemm_stall": Case("os", 8, 2, TINY, (1, 2, 1),
                               ("g1, 60, 12, 40,",), gemm=True, expect_stalls=True),
    "ws_square_gemm_stall": Case("ws", 4, 4, TINY, (2, 1, 1),
                                 ("g1, 50, 20, 36,",), gemm=True, expect_stalls=True),
    "is_wide_gemm_stall": Case("is", 2, 6, (1, 2, 1), (1, 2, 4),
                               ("g1, 70, 24, 30,",), gemm=True, expect_stalls=True),
    "os_ofmap_drain_stall": Case("os", 2, 8, (64, 64, 1), (10, 10, 1),
                                 ("c1, 20, 20, 1, 1, 2, 24, 1,",), expect_stalls=True),
}

def random_case(seed: int, mode: str) -> Case:
    """A small random SCALE-Sim run (seeded): dataflow, array, SRAMs from 1 KiB, bandwidths,
    one or two conv or GEMM layers; small enough for SCALE-Sim to finish in seconds."""
    rng = random.Random(f"{mode}-{seed}")
    gemm = rng.random() < 0.4
    layers = []
    for index in range(rng.choice((1, 1, 2))):
        if gemm:
            layers.append(f"g{index}, {rng.randint(2, 60)}, {rng.randint(2, 40)}, "
                          f"{rng.randint(2, 50)},")
        else:
            fh = rng.randint(1, 3)
            h = rng.randint(fh + 1, 16)
            layers.append(f"c{index}, {h}, {rng.randint(fh + 1, 16)}, {fh}, {rng.randint(1, fh)}, "
                          f"{rng.randint(1, 8)}, {rng.randint(1, 16)}, {rng.randint(1, 2)},")
    return Case(rng.choice(("os", "ws", "is")), rng.choice((2, 3, 4, 8)),
                rng.choice((2, 4, 5, 8)), tuple(rng.choice((1, 1, 2, 64)) for _ in range(3)),
                tuple(rng.choice((1, 2, 4, 10)) for _ in range(3)), tuple(layers), gemm=gemm,
                expect_stalls=None, mode=mode)


RANDOM_CASES = 10  # per bandwidth mode

EXACT = ("total_cycles", "stall_cycles", "total_cycles_incl_prefetch", "ifmap_sram_reads",
         "filter_sram_reads", "ofmap_sram_writes", "ifmap_dram_reads", "filter_dram_reads",
         "ofmap_dram_writes", "ifmap_dram_start", "ifmap_dram_stop", "filter_dram_start",
         "filter_dram_stop", "ofmap_dram_start", "ofmap_dram_stop")
RATIOS = ("overall_util_pct", "mapping_efficiency_pct", "compute_util_pct")
BANDWIDTH = ("ifmap_sram_bw", "filter_sram_bw", "ofmap_sram_bw", "ifmap_dram_bw",
             "filter_dram_bw", "ofmap_dram_bw")


def run_scalesim(python: Path, cfg: Path, topology: Path, workdir: Path,
                 gemm: bool) -> dict[str, object]:
    """Run SCALE-Sim 3.0.0 through the driver; return its JSON report."""
    command = [str(python), str(DRIVER), str(cfg), str(topology), str(workdir / "run")]
    done = subprocess.run(command + (["--gemm"] if gemm else []), capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, f"SCALE-Sim failed:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout)


def _compare(ours: ScaleSimLayerResult, theirs: dict[str, object]) -> list[str]:
    problems = [f"{key}: accelsim {getattr(ours, key)} != SCALE-Sim {theirs[key]}"
                for key in EXACT if getattr(ours, key) != theirs[key]]
    if ours.compute_cycles != int(theirs["total_cycles"]) - int(theirs["stall_cycles"]):
        problems.append("compute_cycles is not total - stall")
    problems += [f"{key}: accelsim {getattr(ours, key)!r} != SCALE-Sim {theirs[key]!r}"
                 for key in RATIOS
                 if getattr(ours, key) != pytest.approx(theirs[key], rel=1e-12)]
    return problems


def _compare_bandwidth(ours: ScaleSimLayerResult, theirs: dict[str, object]) -> list[str]:
    report = ours.bandwidth_report()
    expected = theirs["bandwidth"]
    assert isinstance(expected, dict)
    return [f"{key}: accelsim {report[key]!r} != SCALE-Sim {expected[key]!r}"
            for key in BANDWIDTH if report[key] != pytest.approx(expected[key], rel=1e-12)]


def _check_case(case: Case, tmp_path: Path) -> None:
    python = scalesim_python()
    if python is None:
        pytest.skip("SCALE-Sim 3.0.0 environment missing: run `make scalesim-env` (or set "
                    "ACCELSIM_SCALESIM_PYTHON to a Python with scalesim==3.0.0, numpy<2.4)")
    cfg_path = tmp_path / "arch.cfg"
    cfg_path.write_text(case.config_text())
    topo_path = tmp_path / "topology.csv"
    topo_path.write_text(case.topology_text())

    theirs = run_scalesim(python, cfg_path, topo_path, tmp_path, case.gemm)["layers"]
    ours = simulate_scalesim(load_scalesim_config(cfg_path),
                             load_topology_csv(topo_path, gemm=case.gemm))

    assert [r.name for r in ours] == [t["name"] for t in theirs]
    problems = {r.name: _compare(r, t) + _compare_bandwidth(r, t)
                for r, t in zip(ours, theirs, strict=True)}
    assert not any(problems.values()), problems
    if case.expect_stalls is not None:
        assert any(r.stall_cycles > 0 for r in ours) == case.expect_stalls


@pytest.mark.parametrize("name", sorted(CASES))
def test_cycles_equal_scalesim(name: str, tmp_path: Path) -> None:
    _check_case(CASES[name], tmp_path)


@pytest.mark.parametrize("name", sorted(CASES))
def test_calc_mode_equals_scalesim(name: str, tmp_path: Path) -> None:
    """The same cases in InterfaceBandwidth: CALC: reads never stall, the OFMAP drains at
    ArrayWidth words/cycle, and the DRAM traffic and bandwidth SCALE-Sim estimates match."""
    case = CASES[name]
    _check_case(replace(case, mode="CALC", expect_stalls=None), tmp_path)


@pytest.mark.parametrize("mode", ["USER", "CALC"])
@pytest.mark.parametrize("seed", range(RANDOM_CASES))
def test_random_cases_equal_scalesim(seed: int, mode: str, tmp_path: Path) -> None:
    _check_case(random_case(seed, mode), tmp_path)


def test_interpreter_comes_from_env_or_repo_venv(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "python"
    fake.write_text("")
    monkeypatch.setenv("ACCELSIM_SCALESIM_PYTHON", str(fake))
    assert scalesim_python() == fake
    monkeypatch.setenv("ACCELSIM_SCALESIM_PYTHON", str(tmp_path / "missing"))
    assert scalesim_python() is None
    monkeypatch.delenv("ACCELSIM_SCALESIM_PYTHON")
    expected = REPO / ".venv-scalesim" / "bin" / "python"
    assert scalesim_python() == (expected if expected.exists() else None)
