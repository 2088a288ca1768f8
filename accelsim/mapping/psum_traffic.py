"""DRAM traffic of a layer plan per data type, and the part of it partial sums cause.

Compulsory: every operand read from DRAM once, every output written once. Per plan:

* ``ifmap`` / ``weight``: the bits filled into their SRAMs from DRAM (every fill comes from DRAM);
* ``ofmap``: the finished outputs written back;
* ``psum_write`` / ``psum_read``: partial sums spilled to DRAM and read back (what the DRAM
  channel moves beyond the fills and the finished outputs);
* the PSUM-induced re-fetch: the stationary operand's (ws: weights, is: ifmaps) re-reads caused
  by cutting the stream into chunks so that partial sums fit on chip (its fills beyond the
  compulsory ones, when the plan has more than one chunk).

``psum_counts`` turns the last two into the share of the layer's ``dram.read_bits`` /
``dram.write_bits`` that partial sums cause, so that cost can price them as PSUM energy. Without
a PSUM buffer, ws/is partial sums live in the ofmap SRAM: its traffic beyond one write and one
read of each finished output (at psum bits, as the plan moves them) is theirs too.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from accelsim.mapping.plan import LayerPlan
from accelsim.types import Action, Dataflow, count_key

DRAM_READ = count_key("dram", Action.READ_BITS)
DRAM_WRITE = count_key("dram", Action.WRITE_BITS)
_OFMAP_READ = count_key("sram.ofmap", Action.READ_BITS)
_OFMAP_WRITE = count_key("sram.ofmap", Action.WRITE_BITS)
_STATIONARY = {Dataflow.WS: "weight", Dataflow.IS: "ifmap"}


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


@dataclass(frozen=True)
class PsumDram:
    """What partial sums cost a layer on the DRAM channel, in bits."""

    spill_read_bits: int
    spill_write_bits: int
    refetch_bits: int  # the stationary operand's chunk-induced re-reads


def psum_dram(plan: LayerPlan, moved: dict[str, int] | None = None) -> PsumDram:
    """Spills and PSUM-induced re-fetch of ``plan`` (``moved``: its ``dram_bits`` if known)."""
    moved = dram_bits(plan) if moved is None else moved
    stationary = _STATIONARY.get(plan.dataflow)
    chunks = len(plan.blocks) > 1 or any(block.repeat > 1 for block in plan.blocks)
    refetch = 0
    if stationary is not None and chunks:
        refetch = max(0, moved[stationary] - compulsory_bits(plan)[stationary])
    return PsumDram(moved["psum_read"], moved["psum_write"], refetch)


def psum_counts(plan: LayerPlan) -> dict[str, int]:
    """The share of the layer's DRAM counts that partial sums cause (zeros left out)."""
    dram = psum_dram(plan)
    counts = {DRAM_READ: dram.spill_read_bits + dram.refetch_bits,
              DRAM_WRITE: dram.spill_write_bits, **_ofmap_sram_psums(plan)}
    return {key: value for key, value in counts.items() if value}


def _ofmap_sram_psums(plan: LayerPlan) -> dict[str, int]:
    """Ofmap-SRAM bits of ws/is partial sums kept there (no PSUM buffer; module doc)."""
    if plan.dataflow is Dataflow.OS or plan.bits.psum_format is not None:
        return {}
    read = write = 0
    for block in plan.blocks:
        for segment in block.segments:
            for run in segment.runs:
                folds = plan.groups * block.repeat * segment.repeat * run.count
                read += folds * run.traffic.sram_read_bits[2]
                write += folds * run.traffic.sram_write_bits[2]
    finished = plan.gemm.count * plan.gemm.m * plan.gemm.n * plan.bits.psum
    return {_OFMAP_READ: max(0, read - finished), _OFMAP_WRITE: max(0, write - finished)}
