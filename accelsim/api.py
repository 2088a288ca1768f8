"""The Python API notebooks use: ``load``, ``run``. It wires the pipeline stages together.

>>> result = accelsim.run("configs/int8_sa.yaml", set={"system.array.rows": 64})
>>> result.total_cycles, result.energy_j, result.area_m2
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accelsim import config, cost, mapping, sim, workload
from accelsim.config.run_spec import RunSpec
from accelsim.errors import InputError
from accelsim.report import Provenance, Result
from accelsim.report.provenance import accelsim_version, git_revision, python_version


def _overrides(set_: Mapping[str, object] | None, kwargs: Mapping[str, object]) -> dict[str, object]:
    merged = dict(set_ or {})
    merged.update({key.replace("__", "."): value for key, value in kwargs.items()})
    return merged


def load(path: str | Path, *, set: Mapping[str, object] | None = None,  # noqa: A002
         **overrides: object) -> RunSpec:
    """Load and validate a run config. Overrides: ``set={"system.array.rows": 64}`` or
    ``system__array__rows=64``."""
    return config.load_run_spec(path, _overrides(set, overrides))


def _provenance(tables: tuple[dict[str, Any], ...]) -> Provenance:
    return Provenance(accelsim_version(), python_version(), git_revision(), tables)


def run_spec(spec: RunSpec) -> Result:
    """Run a validated spec through the whole pipeline."""
    wl = workload.load(spec.workload, spec.workload_format)
    if not wl.layers:
        raise InputError("the workload has no layers", file=spec.workload)
    plan = mapping.plan(wl, spec.system, spec.mapping)
    stats = sim.simulate(plan, spec.system, spec.sim)
    tables = cost.load_tables(spec.system.tables)
    energy = cost.estimate_energy(stats, spec.system, tables)
    area = cost.estimate_area(spec.system, tables)
    used = cost.provenance_entries(energy, area)
    notes = tuple(dict.fromkeys((*energy.notes, *area.notes)))
    return Result(spec=spec, config=spec.model_dump(mode="json"), workload=wl, stats=stats,
                  energy=energy, area=area, provenance=_provenance(used), notes=notes)


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
        from accelsim.compat_run import run_scalesim

        return run_scalesim(path, topology, gemm=gemm)
    if topology is not None:
        raise InputError("--topology goes with a SCALE-Sim .cfg config", file=str(path))
    merged = _overrides(set, overrides)
    if workload is not None:
        merged["workload"] = str(Path(workload).resolve())
    return run_spec(config.load_run_spec(path, merged))
