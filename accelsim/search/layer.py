"""Search one layer's mapping space for the lowest objective (energy, cycles or EDP).

Every distinct plan of the space (``mapping.space.candidates``; candidates that lead to the
same residencies give the same plan and are planned once) gets a *lower bound* first, from
what needs no simulation: its action counts are exact from the plan (the PE-busy count uses
the array's own fold cycles, which the pipeline never shortens), and its cycles are at least
the array's busy cycles and at least the DRAM channel's transfer time of its traffic. Plans are
then simulated exactly (``sim.engine.time_layer``) in order of bound, and the walk stops as soon
as a bound cannot beat the best exact objective. The fixed mapping is always simulated, so the
choice is never worse than it. Ties go to the earlier candidate of the space's fixed order:
the same inputs give the same choice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from accelsim.config.run_spec import MappingSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.mapping.choice import LayerMapping
from accelsim.mapping.plan import LayerPlan, plan_key, plan_layer
from accelsim.mapping.space import candidates
from accelsim.search.traffic import traffic_report
from accelsim.sim.array_counts import layer_counts
from accelsim.sim.engine import FoldCosts, LayerTiming, stats_of, time_layer
from accelsim.sim.stats import LayerStats
from accelsim.timing.codes import layer_codes

Objective = Literal["energy", "cycles", "edp"]


@dataclass(frozen=True)
class Prices:
    """What the search needs from cost, as plain data: joules per count key (``array.mac``,
    ``dram.read_bits``, ...) and the chip's total leakage power in watts."""

    action_j: Mapping[str, float]
    leakage_w: float


@dataclass(frozen=True)
class Score:
    """A plan's cycles and energy (J, leakage included) and its objective value."""

    cycles: int
    energy_j: float
    value: float


def _energy(counts: Mapping[str, int], cycles: int, clock_hz: float, prices: Prices) -> float:
    dynamic = sum(count * prices.action_j[key] for key, count in sorted(counts.items()))
    return dynamic + prices.leakage_w * cycles / clock_hz


def _value(objective: Objective, cycles: int, energy_j: float) -> float:
    if objective == "cycles":
        return float(cycles)
    if objective == "energy":
        return energy_j
    return energy_j * cycles


def score(stats: LayerStats, system: SystemSpec, prices: Prices, objective: Objective) -> Score:
    """The exact score of a simulated layer."""
    energy = _energy(stats.counts, stats.cycles, system.clock_hz, prices)
    return Score(stats.cycles, energy, _value(objective, stats.cycles, energy))


def bound(plan: LayerPlan, system: SystemSpec, prices: Prices, objective: Objective,
          costs: FoldCosts | None = None) -> float:
    """A lower bound of the plan's objective (module doc), without simulating it; ``costs``:
    the fold costs on ``system`` known so far (the search shares them between its plans)."""
    costs = FoldCosts(system) if costs is None else costs
    compute = busy = dram_bits = 0
    for block in plan.blocks:
        for segment in block.segments:
            for run in segment.runs:
                folds = plan.groups * block.repeat * segment.repeat * run.count
                cycles, busy_one = costs.of(run)
                compute += folds * cycles
                busy += folds * busy_one
                dram_bits += folds * (run.traffic.dram_read_bits + run.traffic.dram_write_bits)
    rate = costs.channel.cycles_per_bit  # floor(bits * p / q), exactly, in integers
    cycles = max(busy, dram_bits * rate.numerator // rate.denominator)
    counts = layer_counts(plan, system, compute)
    return _value(objective, cycles, _energy(counts, cycles, system.clock_hz, prices))


@dataclass(frozen=True)
class _Candidate:
    index: int
    choice: LayerMapping
    plan: LayerPlan


def _distinct(fixed: LayerPlan, spec: MappingSpec, system: SystemSpec) -> list[_Candidate]:
    """The space's distinct plans (one per ``plan_key``), the fixed one (already planned)
    first; a temporal layer's codes are read once for all of them."""
    layer, gemm = fixed.layer, fixed.layer.gemm()
    assert fixed.choice is not None  # plan_layer records the mapping it followed
    bits = fixed.bits  # the layer's, its checks passed when it was planned
    codes = layer_codes(layer, system) if system.array.pe == "temporal" else None
    out = [_Candidate(0, fixed.choice, fixed)]
    keys = {plan_key(gemm, system, fixed.choice, bits)}
    for index, choice in enumerate(candidates(gemm, system, spec, bits)):
        key = plan_key(gemm, system, choice, bits)
        if key not in keys:
            keys.add(key)
            out.append(_Candidate(index, choice, plan_layer(layer, system, spec, choice=choice,
                                                            codes=codes, bits=bits)))
    return out


@dataclass(frozen=True)
class Searched:
    """A layer's chosen plan and, when the search timed it on the DRAM pipeline, its exact
    timing (what the engine would compute again for it)."""

    plan: LayerPlan
    timing: LayerTiming | None


def _dram_simulator(system: SystemSpec, timings: dict[int, LayerTiming], costs: FoldCosts
                    ) -> Callable[[LayerPlan], LayerStats]:
    """Time and count a plan with weights from DRAM, keeping its timing by ``id``."""
    def run(plan: LayerPlan) -> LayerStats:
        timing = timings[id(plan)] = time_layer(plan, system, costs)
        return stats_of(plan, system, timing)
    return run


def search_layer(fixed: LayerPlan, system: SystemSpec, spec: MappingSpec, prices: Prices,
                 simulate: Callable[[LayerPlan], LayerStats] | None = None) -> Searched:
    """The plan of ``fixed.layer`` with the lowest ``spec.objective`` over its mapping space;
    ``simulate`` times and counts one plan exactly (default: weights from DRAM, and then the
    chosen plan's timing is returned too). The plan returned carries its ``report`` (the
    choice, the objective, traffic against compulsory)."""
    objective: Objective = spec.objective
    timings: dict[int, LayerTiming] = {}
    costs = FoldCosts(system)  # this search's: its plans share most tiles
    run = simulate or _dram_simulator(system, timings, costs)
    pool = _distinct(fixed, spec, system)
    base = score(run(fixed), system, prices, objective)
    best, best_score = pool[0], base
    # a custom simulator (weights from ReRAM) counts differently, and with fold overlap a fold
    # costs less than its busy cycles: no bound then, every plan is run
    bounded = simulate is None and system.array.fold_overlap == "none"
    ranked = sorted(((bound(c.plan, system, prices, objective, costs) if bounded
                      else float("-inf"), c.index, c) for c in pool[1:]),
                    key=lambda item: (item[0], item[1]))
    simulated = 1
    for low, index, cand in ranked:
        if (low, index) >= (best_score.value, best.index):
            break
        simulated += 1
        got = score(run(cand.plan), system, prices, objective)
        if (got.value, index) < (best_score.value, best.index):
            best, best_score = cand, got
    report = {**traffic_report(best.plan, best.choice, prices.action_j),
              "objective": objective, "objective_value": best_score.value,
              "fixed_objective_value": base.value, "cycles": best_score.cycles,
              "energy_j": best_score.energy_j, "candidates": len(pool),
              "simulated": simulated, "searched": True}
    return Searched(replace(best.plan, report=report), timings.get(id(best.plan)))
