"""One validated spec through the whole pipeline: workload -> mapping -> sim -> cost -> Result.

This is the single copy of the orchestration: ``accelsim.api.run_spec`` calls it for one run and
the sweep executors call it for every point (they may not import ``api``, which sits above them).

An ``InputCache`` lets the points of one sweep chunk share the *parsed, immutable* inputs that
do not depend on the swept values (cost tables, workload files, version strings). Everything
with state (mapping plan, SimPy environment, RNG, stats, breakdowns) is still built per point,
so sharing is invisible in the results; a fresh cache per call means no reuse at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accelsim import cost, mapping, sim, workload
from accelsim.config.run_spec import RunSpec
from accelsim.cost import CostTables
from accelsim.errors import InputError
from accelsim.report import Provenance, Result
from accelsim.report.provenance import accelsim_version, git_revision, python_version
from accelsim.workload import Workload


@dataclass
class InputCache:
    """Parsed inputs shared by the runs of one caller (one sweep chunk); never global."""

    _tables: dict[tuple[str, ...], CostTables] = field(default_factory=dict)
    _workloads: dict[tuple[str, str], Workload] = field(default_factory=dict)
    _versions: tuple[str, str, str | None] | None = None

    def tables(self, paths: tuple[str, ...]) -> CostTables:
        """The merged cost tables of ``paths`` (read once per cache)."""
        if paths not in self._tables:
            self._tables[paths] = cost.load_tables(paths)
        return self._tables[paths]

    def workload(self, path: str, fmt: str) -> Workload:
        """The workload in ``path`` (read once per cache)."""
        key = (path, fmt)
        if key not in self._workloads:
            self._workloads[key] = workload.load(path, fmt)
        return self._workloads[key]

    def versions(self) -> tuple[str, str, str | None]:
        """accelsim version, Python version, git revision (``git`` runs once per cache)."""
        if self._versions is None:
            self._versions = (accelsim_version(), python_version(), git_revision())
        return self._versions


def _provenance(cache: InputCache, tables: tuple[dict[str, Any], ...]) -> Provenance:
    return Provenance(*cache.versions(), tables)


def run_spec(spec: RunSpec, cache: InputCache | None = None, *,
             provenance: bool = True) -> Result:
    """Run a validated spec through the whole pipeline. ``provenance=False`` leaves out the
    list of table entries used (a sweep keeps only numbers; it saves a few percent)."""
    cache = InputCache() if cache is None else cache
    if spec.llm is not None:
        from accelsim.sweep.llm_pipeline import run_llm_spec

        return run_llm_spec(spec, cache, provenance=provenance)
    if spec.chiplets is not None:
        from accelsim.sweep.chiplet_pipeline import run_chiplet_spec

        return run_chiplet_spec(spec, cache, provenance=provenance)
    wl = cache.workload(spec.workload, spec.workload_format)
    if not wl.layers:
        raise InputError("the workload has no layers", file=spec.workload)
    plan = mapping.plan(wl, spec.system, spec.mapping)
    stats = sim.simulate(plan, spec.system, spec.sim)
    tables = cache.tables(tuple(spec.system.tables))
    energy = cost.estimate_energy(stats, spec.system, tables)
    area = cost.estimate_area(spec.system, tables)
    used = cost.provenance_entries(energy, area) if provenance else ()
    notes = tuple(dict.fromkeys((*energy.notes, *area.notes)))
    return Result(spec=spec, config=spec.model_dump(mode="json"), workload=wl, stats=stats,
                  energy=energy, area=area, provenance=_provenance(cache, used), notes=notes)
