"""The draft model on the ReRAM-stacked near-memory path (RS-PNM, ISSCC 2026 31.1; docs/reram.md).

A draft GEMM whose weights sit in ReRAM runs beside the stack instead of on the MAC array: its
BVQ indices and the codebooks of its weight blocks stream at the ReRAM read bandwidth, weights
are rebuilt on chip and multiplied at ``rs_pnm_macs_per_cycle``. The layer takes the longer of
the stream and the MACs, plus the ReRAM read latency once (a pure function of the shapes).
Tile fusion reads a codebook once for the token tiles that share it, halving codebook reads
(the paper's figure).
"""

from __future__ import annotations

from fractions import Fraction

from accelsim.config.llm_spec import LlmSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.sim.stats import LayerStats
from accelsim.timing.links import exact
from accelsim.types import Action, count_key
from accelsim.workload.layers import GemmLayer

FUSED_CODEBOOK_READS = Fraction(1, 2)  # ISSCC 2026 31.1: tile fusion halves codebook reads


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def codebook_bits(layer: GemmLayer, llm: LlmSpec) -> int:
    """Codebook bits one pass of ``layer`` reads: one codebook per block of weights."""
    bvq = llm.bvq
    blocks = layer.batch * -(-(layer.k * layer.n) // bvq.block_values)
    bits = Fraction(blocks * bvq.entries * bvq.entry_bits)
    return _ceil(bits * FUSED_CODEBOOK_READS if bvq.tile_fusion else bits)


def index_bits(layer: GemmLayer, llm: LlmSpec) -> int:
    """BVQ index bits of the layer's weights (``draft_weight_bits`` per weight)."""
    return layer.batch * layer.k * layer.n * llm.draft_weight_bits


def pnm_cycles(layer: GemmLayer, system: SystemSpec, llm: LlmSpec) -> tuple[int, int]:
    """(cycles, compute cycles) of one pass: max(ReRAM stream, MACs) + the read latency."""
    reram = system.reram
    assert reram is not None
    clock = exact(system.clock_hz)
    bits = index_bits(layer, llm) + codebook_bits(layer, llm)
    stream = _ceil(bits * clock / exact(reram.derived_bandwidth_bits_per_s))
    latency = _ceil(exact(reram.read_latency_s) * clock)
    macs = layer.batch * layer.m * layer.n * layer.k
    compute = -(-macs // llm.rs_pnm_macs_per_cycle)
    return max(stream, compute) + latency, compute


def pnm_layer_stats(layer: GemmLayer, system: SystemSpec, llm: LlmSpec) -> LayerStats:
    """Timing and counts of one draft GEMM on the RS-PNM path: ReRAM reads (indices and
    codebooks), MACs (priced as the array's), activations in and out of the token SRAM."""
    cycles, compute = pnm_cycles(layer, system, llm)
    macs = layer.batch * layer.m * layer.n * layer.k
    act = llm.activation_bits
    counts = {
        count_key("reram", Action.READ_BITS): index_bits(layer, llm) + codebook_bits(layer, llm),
        count_key("array", Action.MAC): macs,
        count_key("sram.ifmap", Action.READ_BITS): layer.batch * layer.m * layer.k * act,
        count_key("sram.ofmap", Action.WRITE_BITS): layer.batch * layer.m * layer.n * act,
    }
    name = layer.name.replace("@reram", "") + "@rs_pnm"
    return LayerStats(name=name, op=layer.op, shape=layer.shape(), cycles=cycles,
                      compute_cycles=min(compute, cycles),
                      stall_cycles=cycles - min(compute, cycles), macs=macs,
                      pe_count=system.array.rows * system.array.cols, counts=counts)
