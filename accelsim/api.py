"""The Python API notebooks use: ``load``, ``run``, ``sweep``. It wires the pipeline stages
together (the chain itself is ``accelsim.runner.run``, shared with sweeps).

>>> result = accelsim.run("configs/int8_sa.yaml", set={"system.array.rows": 64})
>>> result.total_cycles, result.energy_j, result.area_m2
>>> frame = accelsim.sweep("configs/int8_sa.yaml", {"system.array.rows": [8, 16, 32]})

A SCALE-Sim ``.cfg`` goes wherever a YAML config goes, with ``topology=``; its overrides are
``section.Key`` (``architecture_presets.ArrayHeight``), and a sweep may also vary ``topology``:

>>> accelsim.run("google.cfg", topology="t.csv", set={"architecture_presets.ArrayHeight": 64})
>>> accelsim.sweep("google.cfg", {"run_presets.InterfaceBandwidth": ["USER", "CALC"]},
...                set={"topology": "t.csv"})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from accelsim import config, runner
from accelsim.config.llm_baselines import EMA_BASELINES
from accelsim.config.run_spec import RunSpec
from accelsim.errors import ConfigError, InputError
from accelsim.report import Result
from accelsim.sweep import sweep

if TYPE_CHECKING:
    from accelsim.compat.scalesim.run import ScaleSimRun
    from accelsim.report.provenance import GitProbe

__all__ = ["EMA_BASELINES", "EmaSaving", "ema_saving", "RunSpec", "is_cfg", "load", "run",
           "run_spec", "sweep"]


def _overrides(set_: Mapping[str, object] | None,
               kwargs: Mapping[str, object]) -> dict[str, object]:
    merged = dict(set_ or {})
    merged.update({key.replace("__", "."): value for key, value in kwargs.items()})
    return merged


def is_cfg(path: str | Path) -> bool:
    """Whether ``path`` names a SCALE-Sim config (``.cfg``) rather than a YAML run config."""
    return Path(path).suffix.lower() == ".cfg"


def load_scalesim(path: str | Path, overrides: Mapping[str, object],
                  topology: str | Path | None, gemm: bool) -> ScaleSimRun:
    """A validated SCALE-Sim run; ``topology`` and ``gemm`` may also come as overrides."""
    from accelsim.compat.scalesim.run import load_scalesim_run

    return load_scalesim_run(path, topology, gemm=gemm, overrides=overrides)


def load(path: str | Path, *, set: Mapping[str, object] | None = None,  # noqa: A002
         topology: str | Path | None = None, gemm: bool = False,
         **overrides: object) -> RunSpec | ScaleSimRun:
    """Load and validate a run config. Overrides: ``set={"system.array.rows": 64}`` or
    ``system__array__rows=64``. A SCALE-Sim ``.cfg`` (with ``topology=``) gives a
    `ScaleSimRun`; its overrides are ``section.Key``."""
    if is_cfg(path):
        return load_scalesim(path, _overrides(set, overrides), topology, gemm)
    if topology is not None:
        raise InputError("--topology goes with a SCALE-Sim .cfg config", file=str(path))
    return config.load_run_spec(path, _overrides(set, overrides))


def run_spec(spec: RunSpec) -> Result:
    """Run a validated spec through the whole pipeline."""
    return runner.run(spec)


def run(spec_or_path: RunSpec | ScaleSimRun | str | Path, *,
        set: Mapping[str, object] | None = None,  # noqa: A002
        workload: str | Path | None = None, topology: str | Path | None = None,
        gemm: bool = False, **overrides: object) -> Result:
    """Run a config (YAML run config, or a SCALE-Sim ``.cfg`` with ``topology=``)."""
    if not isinstance(spec_or_path, (str, Path, RunSpec)):  # a ScaleSimRun
        from accelsim.compat.scalesim.run import run_scalesim

        if set or overrides or workload is not None or topology is not None:
            raise InputError("overrides apply to a config path; pass the .cfg path")
        return run_scalesim(spec_or_path)
    if isinstance(spec_or_path, RunSpec):
        if set or overrides or workload is not None:
            raise InputError("overrides apply to a config path; pass a path, or "
                             "spec.model_copy(update=...) yourself")
        return run_spec(spec_or_path)
    path = Path(spec_or_path)
    merged = _overrides(set, overrides)
    from accelsim.report.provenance import GitProbe

    with GitProbe(path.resolve().parent) as git:  # git runs while the simulation does
        if is_cfg(path):
            if workload is not None:
                raise InputError("--workload does not apply to a SCALE-Sim .cfg config; pass "
                                 "--topology FILE.csv", file=str(path))
            from accelsim.compat.scalesim.run import run_scalesim

            run = load_scalesim(path, merged, topology, gemm)
            return _stamped(run_scalesim(run), merged, [path, Path(run.topology)], git)
        if topology is not None:
            raise InputError("--topology goes with a SCALE-Sim .cfg config", file=str(path))
        applied = dict(merged) | ({} if workload is None else {"workload": str(workload)})
        if workload is not None:
            merged["workload"] = str(Path(workload).resolve())
        spec, inputs = config.load_run_and_inputs(path, merged)
        return _stamped(run_spec(spec), applied, inputs, git)


def _stamped(result: Result, applied: Mapping[str, object], files: list[Path],
             git: GitProbe) -> Result:
    """The result with the overrides, input hashes and the config's git state recorded."""
    from accelsim.report.provenance import override_labels, stamp_inputs

    return stamp_inputs(result, overrides=override_labels(applied), files=files,
                        git=git.state())


@dataclass(frozen=True)
class EmaSaving:
    """DRAM bytes per token of an LLM run and of a named baseline, and their ratio."""

    baseline: str
    dram_bytes_per_token: float
    baseline_dram_bytes_per_token: float

    @property
    def saving(self) -> float:
        """Baseline bytes over the run's (how many times less external memory it reads)."""
        return self.baseline_dram_bytes_per_token / self.dram_bytes_per_token


def ema_saving(path: str | Path, baseline: str = "bf16_sd", *,
               set: Mapping[str, object] | None = None) -> EmaSaving:  # noqa: A002
    """The EMA saving of the LLM run ``path`` (with ``set``) against ``baseline``, one of
    ``EMA_BASELINES`` (accelsim/config/llm_baselines.py): both are run."""
    if baseline not in EMA_BASELINES:
        raise ConfigError(f"unknown EMA baseline {baseline!r}; expected one of "
                          f"{', '.join(EMA_BASELINES)}", key_path="baseline")
    ours = run(path, set=set).stats.llm
    theirs = run(path, set={**(set or {}), **EMA_BASELINES[baseline]}).stats.llm
    if ours is None or theirs is None:
        raise ConfigError("an EMA saving needs an LLM run (an 'llm:' section)", key_path="llm")
    return EmaSaving(baseline, ours.dram_bytes_per_token, theirs.dram_bytes_per_token)
