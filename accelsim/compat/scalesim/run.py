"""A SCALE-Sim 3.0.0 config and topology through compatibility mode, priced like a native run.

SCALE-Sim has no clock and no energy model: to report time, energy and area, the run assumes a
1 GHz clock and prices SCALE-Sim's own access counts with the default 45 nm tables; both
assumptions are stated in the report's notes. Cycles are SCALE-Sim's, exactly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from accelsim.compat.scalesim.cfg import BandwidthMode, ScaleSimConfig, load_scalesim_config
from accelsim.compat.scalesim.engine import (
    check_layers,
    check_supported,
    simulate_scalesim,
)
from accelsim.compat.scalesim.result import ScaleSimLayerResult
from accelsim.config.system_spec import SystemSpec
from accelsim.data import resolve_table
from accelsim.errors import InputError
from accelsim.hardware.system import build
from accelsim.report import Result
from accelsim.runner import InputCache, finish
from accelsim.sim.stats import LayerStats, SimStats
from accelsim.workload.layers import Workload
from accelsim.workload.topology_csv import load_topology_csv

ASSUMED_CLOCK = "1GHz"
DEFAULT_TABLES = "builtin:default_45nm"  # a system.tables entry (accelsim.data.resolve_table)


def scalesim_system(cfg: ScaleSimConfig, tables: Path) -> SystemSpec:
    """The native description of a SCALE-Sim architecture (for costing only)."""
    def buffer(kb: int) -> dict[str, object]:
        return {"capacity": f"{kb}KiB", "width": "64b", "double_buffered": True}

    return SystemSpec.model_validate({
        "name": cfg.run_name, "clock": ASSUMED_CLOCK,
        "array": {"rows": cfg.array_rows, "cols": cfg.array_cols,
                  "dataflow": cfg.dataflow.value},
        "sram": {"ifmap": buffer(cfg.ifmap_sram_kb), "weight": buffer(cfg.filter_sram_kb),
                 "ofmap": buffer(cfg.ofmap_sram_kb)},
        "dram": {"bandwidth": f"{cfg.ofmap_write_bandwidth * 8}Gb/s"},
        "tables": [str(tables)],
    })


def _layer_stats(row: ScaleSimLayerResult, pe_count: int, wl: Workload) -> LayerStats:
    counts = dict(row.counts())
    counts["array.pe_busy_cycles"] = pe_count * row.compute_cycles
    layer = next((lay for lay in wl.layers if row.name.startswith(lay.name)), None)
    op = layer.op if layer is not None else "gemm"
    shape = dict(layer.shape()) if layer is not None else {}
    return LayerStats(name=row.name, op=op, shape=shape, cycles=row.total_cycles,
                      compute_cycles=row.compute_cycles, stall_cycles=row.stall_cycles,
                      macs=row.macs, pe_count=pe_count, counts=counts)


def _bandwidth_note(cfg: ScaleSimConfig, rows: tuple[ScaleSimLayerResult, ...]) -> str:
    """SCALE-Sim's DRAM bandwidths, peak over the layers (words = bytes per cycle)."""
    def peak(key: str) -> float:
        return max(row.bandwidth_report()[key] for row in rows)

    what = ("computed by SCALE-Sim's InterfaceBandwidth: CALC"
            if cfg.bandwidth_mode is BandwidthMode.CALC else "used (InterfaceBandwidth: USER)")
    return (f"DRAM bandwidth {what}, average words/cycle, peak over layers: IFMAP "
            f"{peak('ifmap_dram_bw'):.4g}, FILTER {peak('filter_dram_bw'):.4g}, OFMAP "
            f"{peak('ofmap_dram_bw'):.4g} (largest per-prefetch estimate: IFMAP "
            f"{max(r.ifmap_dram_peak_bw for r in rows)}, FILTER "
            f"{max(r.filter_dram_peak_bw for r in rows)}); per layer in config.bandwidth_report")


@dataclass(frozen=True)
class ScaleSimRun:
    """A validated SCALE-Sim run: the config (overrides applied), its topology and cost tables.

    What `accelsim.load` returns for a ``.cfg`` and what a sweep over a ``.cfg`` runs per point
    (plain and picklable, like a RunSpec)."""

    config: ScaleSimConfig
    topology: str
    gemm: bool
    tables: str

    def describe(self) -> dict[str, object]:
        """The run as JSON-able data (the report's ``config``, a sweep's fingerprint)."""
        described: dict[str, object] = {"mode": "scalesim", **{
            k: (v.value if hasattr(v, "value") else v)
            for k, v in dataclasses.asdict(self.config).items()}}
        described["name"], described["topology"] = self.config.run_name, self.topology
        described["gemm"] = self.gemm
        return described


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise InputError(f"expected true or false, got {value!r}", file=f"--set gemm={value}",
                     key_path="gemm")


def load_scalesim_run(cfg_path: str | Path, topology: str | Path | None, *, gemm: bool = False,
                      tables: str | Path | None = None,
                      overrides: Mapping[str, object] | None = None,
                      text: str | None = None) -> ScaleSimRun:
    """Validate a ``.cfg`` (with ``section.Key`` overrides), its topology and the tables
    without running. ``overrides`` may also set ``topology`` and ``gemm`` (sweeps vary them)."""
    cfg_overrides = dict(overrides or {})
    topology = cfg_overrides.pop("topology", topology)  # type: ignore[assignment]
    gemm = _flag(cfg_overrides.pop("gemm", gemm))
    if topology is None:
        raise InputError("a SCALE-Sim .cfg needs a topology: --topology FILE.csv",
                         file=str(cfg_path))
    cfg = load_scalesim_config(cfg_path, cfg_overrides, text=text)
    check_supported(cfg)
    table_path = Path(resolve_table(str(tables if tables is not None else DEFAULT_TABLES),
                                    Path.cwd()))
    if not table_path.is_file():
        raise InputError("cost tables not found (pass tables=...)", file=str(table_path))
    return ScaleSimRun(cfg, str(topology), gemm, str(table_path))


def check_scalesim_workload(run: ScaleSimRun) -> Workload:
    """The topology, loaded and checked against the config (sizes compatibility mode builds)."""
    wl: Workload = load_topology_csv(run.topology, gemm=run.gemm)
    check_layers(run.config, wl)
    return wl


def run_scalesim(cfg_path: str | Path | ScaleSimRun, topology: str | Path | None = None, *,
                 gemm: bool = False, tables: str | Path | None = None,
                 overrides: Mapping[str, object] | None = None,
                 cache: InputCache | None = None, provenance: bool = True) -> Result:
    """Run ``cfg_path`` + ``topology`` with SCALE-Sim's conventions; cycles equal SCALE-Sim's."""
    run = (cfg_path if isinstance(cfg_path, ScaleSimRun)
           else load_scalesim_run(cfg_path, topology, gemm=gemm, tables=tables,
                                  overrides=overrides))
    cfg = run.config
    wl = load_topology_csv(run.topology, gemm=run.gemm)
    system = scalesim_system(cfg, Path(run.tables))
    rows = simulate_scalesim(cfg, wl)
    pe_count = cfg.array_rows * cfg.array_cols
    stats = SimStats(tuple(_layer_stats(row, pe_count, wl) for row in rows), system.clock_hz)
    notes: tuple[str, ...] = (
        f"SCALE-Sim compatibility mode: cycles follow SCALE-Sim 3.0.0 exactly; time assumes a "
        f"{ASSUMED_CLOCK} clock and energy/area the default 45 nm tables (SCALE-Sim has neither)",
        _bandwidth_note(cfg, rows))
    config = run.describe()
    del config["gemm"]
    config["bandwidth_report"] = {row.name: row.bandwidth_report() for row in rows}
    return finish(None, config, wl, build(system), stats,
                  InputCache() if cache is None else cache, notes=notes,
                  tables=(run.tables,), provenance=provenance)
