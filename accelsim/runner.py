"""The pipeline chain, written once: config -> workload -> built system -> plan -> sim -> cost ->
Result. Every run kind (one chip, chiplets, MoE, LLM, SCALE-Sim compatibility) goes through
``run`` or ``finish``; the kind is the type of the workload and plan, never a branch here.

``InputCache`` lets the points of one sweep chunk share the *parsed, immutable* inputs that do
not depend on the swept values (cost tables, layer workloads, version strings). Everything with
state (plan, SimPy environment, RNG, stats, breakdowns) is built per run, so sharing is
invisible in the results; a fresh cache per call means no reuse at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from accelsim import cost
from accelsim.config.chiplet_spec import ChipletSystemSpec, single_chip
from accelsim.config.run_spec import RunSpec
from accelsim.cost import CostTables
from accelsim.cost.builtin import default_tables, resolve_table
from accelsim.hardware.system import System, build
from accelsim.mapping.run_plan import plan_run
from accelsim.report import Provenance, Result
from accelsim.report.provenance import accelsim_version, python_version
from accelsim.search import Prices, search_run
from accelsim.sim.run import simulate_run
from accelsim.sim.stats import SimStats
from accelsim.types import ComponentKind
from accelsim.workload import Workload
from accelsim.workload.loader import load
from accelsim.workload.run_workload import MoeWorkload, RunWorkload, load_run_workload


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
        """The layer workload in ``path`` (read once per cache)."""
        key = (path, fmt)
        if key not in self._workloads:
            self._workloads[key] = load(path, fmt)
        return self._workloads[key]

    def versions(self) -> tuple[str, str, str | None]:
        """accelsim version, Python version and no git revision: the core never looks at a
        repository; ``api.run`` records the config's work tree (report.provenance)."""
        if self._versions is None:
            self._versions = (accelsim_version(), python_version(), None)
        return self._versions


# The built-in table family (accelsim.cost.builtin.KIND_CLASSES) that prices each component kind.
_TABLE_KIND = {ComponentKind.ARRAY: "array", ComponentKind.TEMPORAL_ARRAY: "temporal_pe",
               ComponentKind.DECODER: "decoder", ComponentKind.SRAM: "sram",
               ComponentKind.PSUM_BUFFER: "psum_buffer", ComponentKind.APSQ: "apsq",
               ComponentKind.RERAM: "reram", ComponentKind.NONLINEAR: "nonlinear",
               ComponentKind.DRAM: "dram", ComponentKind.D2D_LINK: "d2d_link",
               ComponentKind.LOGIC: "logic", ComponentKind.ROTATION: "rotation"}


def table_paths(system: System, listed: tuple[str, ...]) -> tuple[str, ...]:
    """The cost tables of a run: the built-in tables every component of ``system`` needs,
    then what the config lists (later files override earlier entries, so a listed table
    overrides a default)."""
    kinds = sorted({_TABLE_KIND[kind] for kind in system.kinds()})
    defaults = tuple(resolve_table(entry, ".") for entry in default_tables(kinds))
    return (*(path for path in defaults if path not in listed), *listed)


def _workload_identity(work: RunWorkload) -> Workload:
    """The report's workload line (name, source); the layers live in the stats."""
    if isinstance(work, Workload):
        return work
    if isinstance(work, MoeWorkload):
        return Workload(work.model.name, work.model.source, ())
    return Workload(work.name, work.target.source, ())


def _generic(note: str) -> str:
    """One note for all chiplets / DRAM channels / links alike (``chiplet*.array ...``)."""
    note = re.sub(r"\bchiplet\d+\.", "chiplet*.", note)
    note = re.sub(r"\bdram\d+\.", "dram*.", note)
    return re.sub(r"\blink\.c\d+-c\d+\.", "link.*.", note)


def _fabric(spec: RunSpec, work: RunWorkload) -> ChipletSystemSpec | None:
    """The chiplet description of the run: ``chiplets:``, or one chiplet for a MoE model
    (its schedules run on the chiplet fabric)."""
    if spec.chiplets is None and isinstance(work, MoeWorkload):
        return single_chip()
    return spec.chiplets


def run(spec: RunSpec, cache: InputCache | None = None, *, provenance: bool = True) -> Result:
    """Run a validated spec through the whole pipeline. ``provenance=False`` leaves out the
    list of table entries used (a sweep keeps only numbers; it saves a few percent)."""
    cache = InputCache() if cache is None else cache
    work = load_run_workload(spec, cache.workload)
    system = build(spec.system, _fabric(spec, work))
    searched = search_run(plan_run(work, spec, system.fabric, system.chips), system,
                          spec.mapping, lambda: prices(system, cache))
    stats = simulate_run(searched.plan, system, spec.sim, searched.timings)
    return finish(spec, spec.model_dump(mode="json"), _workload_identity(work), system, stats,
                  cache, provenance=provenance)


def _vector_note(wl: Workload) -> tuple[str, ...]:
    """The non-GEMM operators of an imported graph: listed by kind with their element counts,
    not timed (no unit of the system models them; the nonlinear unit times LLM runs' ops)."""
    if not wl.vector_ops:
        return ()
    per_kind: dict[str, tuple[int, int]] = {}
    for op in wl.vector_ops:
        ops, elements = per_kind.get(op.kind, (0, 0))
        per_kind[op.kind] = (ops + 1, elements + (op.elements or 0))
    listed = "; ".join(f"{kind} {ops} ops, {elements:,} elements"
                       for kind, (ops, elements) in sorted(per_kind.items()))
    return (f"{len(wl.vector_ops)} non-GEMM operators are listed in the workload but not timed "
            f"or costed ({listed})",)


def prices(system: System, cache: InputCache) -> Prices:
    """One chip's joules per counted action and leakage watts (what the mapping search prices
    candidates with), from the tables ``finish`` will price the run with."""
    tables = cache.tables(table_paths(system, tuple(system.chip.tables)))
    return Prices(cost.action_energies(system.chip, tables),
                  sum(cost.leakage_power(system.chip, tables).values()))


def finish(spec: RunSpec | None, config: Mapping[str, Any], wl: Workload, system: System,
           stats: SimStats, cache: InputCache, *, provenance: bool = True,
           notes: tuple[str, ...] = (), tables: tuple[str, ...] | None = None) -> Result:
    """Price ``stats`` on ``system`` and build the Result (the only place one is built).
    ``tables``: exactly these cost tables (SCALE-Sim mode), else the system's defaults plus
    ``system.tables``."""
    paths = tables if tables is not None else table_paths(system, tuple(system.chip.tables))
    priced = cache.tables(paths)
    energy = cost.estimate_energy(stats, system, priced)
    area = cost.estimate_area(system, priced)
    used = cost.provenance_entries(energy, area) if provenance else ()
    all_notes = (*notes, *wl.notes, *_vector_note(wl), *energy.notes, *area.notes)
    if system.multi_chip:
        all_notes = tuple(_generic(note) for note in all_notes)
    if stats.llm is not None and not stats.llm.endurance_ok:
        all_notes += (f"warning: ReRAM endurance exceeded: {stats.llm.reram_writes_per_cell:.3g} "
                      "writes per cell over llm.lifetime_tokens, the cells survive "
                      f"{system.chip.reram.endurance_writes if system.chip.reram else 0:.3g}",)
    return Result(spec=spec, config=config, workload=wl, stats=stats, energy=energy, area=area,
                  provenance=Provenance(*cache.versions(), used),
                  notes=tuple(dict.fromkeys(all_notes)))


def describe(spec: RunSpec, work: RunWorkload, system: System) -> str:
    """One line on what ``spec`` runs: the system and the workload."""
    chip = spec.system
    chips = f" x {system.chips} chips" if system.multi_chip else ""
    head = (f"{chip.name}, {chip.array.rows}x{chip.array.cols} {chip.array.dataflow.value}"
            f"{chips}")
    if isinstance(work, Workload):
        vector = f", {len(work.vector_ops)} vector ops" if work.vector_ops else ""
        return (f"{head}; workload {work.name} with {len(work.layers)} layers, "
                f"{work.macs:,} MACs{vector}")
    if isinstance(work, MoeWorkload):
        model = work.model
        return (f"{head}; MoE model {model.name} ({model.experts} experts, top-{model.top_k}), "
                f"{len(work.routing.layers)} layer(s)")
    assert spec.llm is not None
    return f"{head}; LLM {spec.llm.phase} of {work.name}"


def validate(spec: RunSpec) -> str:
    """Everything a run does short of simulating: read the workload, build the system, map
    every layer (per-layer checks such as trace bits against the PE or the APSQ group size
    against the K tiles fail here) and price every action and part once (a missing table entry
    is found here). Returns ``describe``'s line."""
    work = load_run_workload(spec)
    system = build(spec.system, _fabric(spec, work))
    plan_run(work, spec, system.fabric, system.chips)
    tables = cost.load_tables(table_paths(system, tuple(spec.system.tables)))
    cost.action_energies(system, tables)
    cost.estimate_area(system, tables)
    return describe(spec, work, system)
