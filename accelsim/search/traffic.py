"""DRAM traffic of a plan per data type, against the compulsory minimum (issue 12, item 4).

Compulsory: every operand read from DRAM once, every output written once. Per plan:

* ``ifmap`` / ``weight``: the bits filled into their SRAMs from DRAM (every fill comes from DRAM);
* ``ofmap``: the finished outputs written back;
* ``psum_write`` / ``psum_read``: partial sums spilled to DRAM and read back (what the DRAM
  channel moves beyond the fills and the finished outputs);
* ``psum_refetch_bits``: the stationary operand's (ws: weights, is: ifmaps) re-reads caused by
  cutting the stream into chunks so that partial sums fit on chip.

PSUM cost (``psum_dram_j``) prices the spills and the PSUM-induced re-fetch at the DRAM's
per-bit read / write joules.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from accelsim.mapping.choice import LayerMapping, PsumHome
from accelsim.mapping.plan import LayerPlan
from accelsim.types import Action, Dataflow, count_key

_DRAM_READ = count_key("dram", Action.READ_BITS)
_DRAM_WRITE = count_key("dram", Action.WRITE_BITS)


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def compulsory_bits(plan: LayerPlan) -> dict[str, int]:
    """Each operand read once, each output written once (bits, all groups)."""
    gemm, bits = plan.gemm, plan.bits
    return {"ifmap": gemm.count * _ceil(gemm.m * gemm.k * bits.ifmap * bits.ifmap_unique),
            "weight": gemm.count * _ceil(gemm.k * gemm.n * bits.weight_stored),
            "ofmap": gemm.count * gemm.m * gemm.n * bits.ofmap}


def dram_bits(plan: LayerPlan) -> dict[str, int]:
    """DRAM bits per data type (module doc)."""
    fills = [0, 0]
    read = write = 0
    for block in plan.blocks:
        for segment in block.segments:
            for run in segment.runs:
                folds = plan.groups * block.repeat * segment.repeat * run.count
                fills[0] += folds * run.traffic.sram_write_bits[0]
                fills[1] += folds * run.traffic.sram_write_bits[1]
                read += folds * run.traffic.dram_read_bits
                write += folds * run.traffic.dram_write_bits
    final = compulsory_bits(plan)["ofmap"]
    return {"ifmap": fills[0], "weight": fills[1], "ofmap": min(final, write),
            "psum_read": max(0, read - fills[0] - fills[1]), "psum_write": max(0, write - final)}


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
    stationary = {Dataflow.WS: "weight", Dataflow.IS: "ifmap"}.get(plan.dataflow)
    chunks = len(plan.blocks) > 1 or any(b.repeat > 1 for b in plan.blocks)
    refetch = max(0, moved[stationary] - least[stationary]) if stationary and chunks else 0
    psum_j = ((moved["psum_read"] + refetch) * action_j[_DRAM_READ]
              + moved["psum_write"] * action_j[_DRAM_WRITE])
    return {**choice.describe(), "psum_home": _psum_home(plan, choice),
            "dram_bits": moved, "compulsory_dram_bits": least, "sram_bits": sram_bits(plan),
            "dram_over_compulsory": sum(moved.values()) / max(1, sum(least.values())),
            "psum_refetch_bits": refetch, "psum_dram_j": psum_j}
