"""A run on a system of chiplets (``chiplets:`` in the run config): workload -> chiplet
simulation -> chiplet cost -> Result. ``pipeline.run_spec`` hands such specs here.

A MoE model file (``accelsim.moe/1``) runs its MoE FFN layers under ``chiplets.moe``; any other
workload runs its GEMM layers partitioned by ``chiplets.partition`` (sim/dense_chiplets.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from accelsim.config.run_spec import RunSpec
from accelsim.cost import provenance_entries
from accelsim.cost.chiplets import estimate_chiplet_area, estimate_chiplet_energy
from accelsim.errors import InputError
from accelsim.report import Provenance, Result
from accelsim.sim.dense_chiplets import simulate_dense
from accelsim.sim.moe import simulate_moe
from accelsim.sim.stats import SimStats
from accelsim.workload.layers import Workload
from accelsim.workload.moe import generate_routing, is_moe_file, load_moe_model, load_routing

if TYPE_CHECKING:
    from accelsim.sweep.pipeline import InputCache


def _moe_stats(spec: RunSpec) -> tuple[Workload, SimStats]:
    chiplets = spec.chiplets
    assert chiplets is not None
    model = load_moe_model(spec.workload)
    moe = chiplets.moe
    if moe.routing is not None:
        routing = load_routing(moe.routing, model, moe.tokens)
    else:
        routing = generate_routing(model, moe.tokens, moe.layers, float(moe.zipf), spec.sim.seed)
    stats = simulate_moe(model, routing, spec.system, chiplets, spec.mapping, spec.sim)
    return Workload(model.name, model.source, ()), stats


def _generic(note: str) -> str:
    """One note for all chiplets / DRAM channels / links alike (``chiplet*.array ...``)."""
    note = re.sub(r"\bchiplet\d+\.", "chiplet*.", note)
    note = re.sub(r"\bdram\d+\.", "dram*.", note)
    return re.sub(r"\blink\.c\d+-c\d+\.", "link.*.", note)


def run_chiplet_spec(spec: RunSpec, cache: InputCache, *, provenance: bool = True) -> Result:
    """Run a spec whose ``chiplets`` is set."""
    chiplets = spec.chiplets
    assert chiplets is not None
    if is_moe_file(spec.workload):
        wl, stats = _moe_stats(spec)
    else:
        wl = cache.workload(spec.workload, spec.workload_format)
        if not wl.layers:
            raise InputError("the workload has no layers", file=spec.workload)
        stats = simulate_dense(wl, spec.system, chiplets, spec.mapping, spec.sim)
    tables = cache.tables(tuple(spec.system.tables))
    energy = estimate_chiplet_energy(stats, spec.system, chiplets, tables)
    area = estimate_chiplet_area(spec.system, chiplets, tables)
    used = provenance_entries(energy, area) if provenance else ()
    notes = tuple(dict.fromkeys(_generic(n) for n in (*energy.notes, *area.notes)))
    return Result(spec=spec, config=spec.model_dump(mode="json"), workload=wl, stats=stats,
                  energy=energy, area=area, provenance=Provenance(*cache.versions(), used),
                  notes=notes)
