"""The report's ``mapping`` object of one layer: the choice, DRAM traffic per data type against
the compulsory minimum (``mapping.psum_traffic``), and what partial sums cost on the DRAM
channel (spills and PSUM-induced re-fetch; issue 12, item 4).

``psum_dram_j`` prices the spills and the PSUM-induced re-fetch at the DRAM's per-bit read /
write joules (the energy report attributes the same joules to PSUMs: ``psum_energy_j``).
"""

from __future__ import annotations

from collections.abc import Mapping

from accelsim.mapping.choice import LayerMapping, PsumHome
from accelsim.mapping.plan import LayerPlan
from accelsim.mapping.psum_traffic import (
    DRAM_READ,
    DRAM_WRITE,
    compulsory_bits,
    dram_bits,
    psum_dram,
)


def sram_bits(plan: LayerPlan) -> dict[str, dict[str, int]]:
    """SRAM bits read and written per buffer (``ifmap``, ``weight``, ``ofmap``) over the layer;
    the compulsory fill of each is its ``compulsory_bits`` (written once)."""
    names = ("ifmap", "weight", "ofmap")
    out = {name: {"read": 0, "write": 0} for name in names}
    for block in plan.blocks:
        for segment in block.segments:
            for run in segment.runs:
                folds = plan.groups * block.repeat * segment.repeat * run.count
                for index, name in enumerate(names):
                    out[name]["read"] += folds * run.traffic.sram_read_bits[index]
                    out[name]["write"] += folds * run.traffic.sram_write_bits[index]
    return out


def _psum_home(plan: LayerPlan, choice: LayerMapping) -> str:
    """Where partial sums really live: the chosen home, or DRAM when they spill."""
    if choice.psum_home is PsumHome.PE or all(b.residency.psums_on_chip for b in plan.blocks):
        return choice.psum_home.value
    return PsumHome.DRAM.value


def traffic_report(plan: LayerPlan, choice: LayerMapping,
                   action_j: Mapping[str, float]) -> dict[str, object]:
    """The report's ``mapping`` object of one layer, less the objective (search/layer.py)."""
    moved, least = dram_bits(plan), compulsory_bits(plan)
    psum = psum_dram(plan, moved)
    refetch = psum.refetch_bits
    psum_j = ((psum.spill_read_bits + refetch) * action_j[DRAM_READ]
              + psum.spill_write_bits * action_j[DRAM_WRITE])
    return {**choice.describe(), "psum_home": _psum_home(plan, choice),
            "dram_bits": moved, "compulsory_dram_bits": least, "sram_bits": sram_bits(plan),
            "dram_over_compulsory": sum(moved.values()) / max(1, sum(least.values())),
            "psum_refetch_bits": refetch, "psum_dram_j": psum_j}
