"""The Python API notebooks use: ``load``, ``run``, ``sweep``. It wires the pipeline stages
together (the chain itself is ``accelsim.runner.run``, shared with sweeps).

>>> result = accelsim.run("configs/int8_sa.yaml", set={"system.array.rows": 64})
>>> result.total_cycles, result.energy_j, result.area_m2
>>> frame = accelsim.sweep("configs/int8_sa.yaml", {"system.array.rows": [8, 16, 32]})
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from accelsim import config, runner
from accelsim.config.run_spec import RunSpec
from accelsim.errors import InputError
from accelsim.report import Result
from accelsim.sweep import sweep

__all__ = ["load", "run", "run_spec", "sweep"]


def _overrides(set_: Mapping[str, object] | None,
               kwargs: Mapping[str, object]) -> dict[str, object]:
    merged = dict(set_ or {})
    merged.update({key.replace("__", "."): value for key, value in kwargs.items()})
    return merged


def load(path: str | Path, *, set: Mapping[str, object] | None = None,  # noqa: A002
         **overrides: object) -> RunSpec:
    """Load and validate a run config. Overrides: ``set={"system.array.rows": 64}`` or
    ``system__array__rows=64``."""
    return config.load_run_spec(path, _overrides(set, overrides))


def run_spec(spec: RunSpec) -> Result:
    """Run a validated spec through the whole pipeline."""
    return runner.run(spec)


def run(spec_or_path: RunSpec | str | Path, *, set: Mapping[str, object] | None = None,  # noqa: A002
        workload: str | Path | None = None, topology: str | Path | None = None,
        gemm: bool = False, **overrides: object) -> Result:
    """Run a config (YAML run config, or a SCALE-Sim ``.cfg`` with ``topology=``)."""
    if isinstance(spec_or_path, RunSpec):
        if set or overrides or workload is not None:
            raise InputError("overrides apply to a config path; pass a path, or "
                             "spec.model_copy(update=...) yourself")
        return run_spec(spec_or_path)
    path = Path(spec_or_path)
    if path.suffix.lower() == ".cfg":
        if set or overrides or workload is not None:
            raise InputError("--set and --workload do not apply to a SCALE-Sim .cfg config; "
                             "edit the .cfg or the topology", file=str(path))
        from accelsim.compat.scalesim.run import run_scalesim

        return run_scalesim(path, topology, gemm=gemm)
    if topology is not None:
        raise InputError("--topology goes with a SCALE-Sim .cfg config", file=str(path))
    merged = _overrides(set, overrides)
    if workload is not None:
        merged["workload"] = str(Path(workload).resolve())
    return run_spec(config.load_run_spec(path, merged))
