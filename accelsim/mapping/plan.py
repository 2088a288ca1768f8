"""Map each layer's GEMM onto the array: folds in loop order, grouped into runs of identical tiles.

A fold is one tile of work for the array (see hardware/timing). The plan lists folds in the order
they run as *segments*: a segment is a short list of tile runs repeated ``repeat`` times, so a
layer with thousands of folds is described by a handful of distinct tiles (run time of the
simulation grows with distinct tiles, not with folds or cycles).

Which operand slices must come from DRAM for each fold follows from the reuse analysis in
``mapping/reuse.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from accelsim.config.run_spec import MappingSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.mapping.folding import FoldShape, fold_operand_words, spatial_dims
from accelsim.mapping.reuse import (
    FoldPosition,
    FoldTrafficBits,
    OperandBits,
    Residency,
    fold_traffic,
    residency,
)
from accelsim.types import Dataflow, Operand
from accelsim.workload.layers import Conv2dLayer, GemmShape, Layer, Workload


@dataclass(frozen=True)
class TileRun:
    """``count`` consecutive identical folds: their shape and per-fold traffic in bits."""

    fold: FoldShape
    count: int
    traffic: FoldTrafficBits


@dataclass(frozen=True)
class Segment:
    """``runs`` in order, the whole list repeated ``repeat`` times."""

    runs: tuple[TileRun, ...]
    repeat: int

    @property
    def folds(self) -> int:
        """Folds in this segment, repeats included."""
        return self.repeat * sum(run.count for run in self.runs)


@dataclass(frozen=True)
class Block:
    """One chunk of the streamed dimension: its segments, the whole repeated ``repeat`` times."""

    segments: tuple[Segment, ...]
    repeat: int
    stream_len: int
    residency: Residency

    @property
    def folds(self) -> int:
        """Folds in this block, repeats included."""
        return self.repeat * sum(segment.folds for segment in self.segments)


@dataclass(frozen=True)
class LayerPlan:
    """One layer mapped onto the array: ``blocks`` in order, all run ``groups`` times."""

    layer: Layer
    gemm: GemmShape
    dataflow: Dataflow
    bits: OperandBits
    blocks: tuple[Block, ...]
    groups: int
    reg_write_bits: int

    @property
    def folds(self) -> int:
        """Folds of the whole layer."""
        return self.groups * sum(block.folds for block in self.blocks)

    @property
    def macs(self) -> int:
        """Useful MACs of the layer."""
        return self.gemm.macs


@dataclass(frozen=True)
class MappingPlan:
    """Every layer of a workload, mapped, in run order."""

    layers: tuple[LayerPlan, ...]
    rows: int
    cols: int


def _positions(count: int) -> list[tuple[int, int]]:
    """(representative index, how many consecutive indices behave like it): 0, 1..n-2, n-1."""
    if count <= 2:
        return [(i, 1) for i in range(count)]
    return [(0, 1), (1, count - 2), (count - 1, 1)]


def _layer_segments(gemm: GemmShape, system: SystemSpec, mapping: MappingSpec,
                    bits: OperandBits, res: Residency) -> tuple[Segment, ...]:
    array = system.array
    dim_r, dim_c, stream = spatial_dims(array.dataflow, gemm.m, gemm.n, gemm.k)
    folds_r = -(-dim_r // array.rows)
    folds_c = -(-dim_c // array.cols)
    rows_outer = mapping.fold_order == "cols_first"
    outer_n, inner_n = (folds_r, folds_c) if rows_outer else (folds_c, folds_r)
    segments: list[Segment] = []
    for outer, outer_repeat in _positions(outer_n):
        runs: list[TileRun] = []
        for inner, inner_count in _positions(inner_n):
            i, j = (outer, inner) if rows_outer else (inner, outer)
            fold = FoldShape(min(array.rows, dim_r - i * array.rows),
                             min(array.cols, dim_c - j * array.cols), stream, 1)
            pos = FoldPosition(i, j, folds_r, folds_c, rows_outer)
            traffic = fold_traffic(fold_operand_words(fold, array.dataflow), pos, bits, res,
                                   array.dataflow)
            run = TileRun(fold, inner_count, traffic)
            if runs and runs[-1].fold == run.fold and runs[-1].traffic == run.traffic:
                runs[-1] = TileRun(run.fold, runs[-1].count + inner_count, traffic)
            else:
                runs.append(run)
        segments.append(Segment(tuple(runs), outer_repeat))
    return tuple(segments)


def _reg_write_bits(gemm: GemmShape, dataflow: Dataflow, bits: OperandBits) -> int:
    """Bits written into PE pipeline registers: each MAC latches its two moving operands."""
    moving = {
        Dataflow.OS: bits.ifmap + bits.weight,
        Dataflow.WS: bits.ifmap + bits.psum,
        Dataflow.IS: bits.weight + bits.psum,
    }[dataflow]
    return gemm.macs * moving


def operand_bits(layer: Layer, system: SystemSpec) -> OperandBits:
    """Operand widths: the trace's per-layer precision when it has one, else the array's."""
    precision = system.array.precision
    quant = layer.quant
    return OperandBits(
        ifmap=quant.activation.bits if quant else precision.ifmap_bits,
        weight=quant.weight.bits if quant else precision.weight_bits,
        ofmap=precision.ofmap_bits,
        psum=precision.psum_bits,
        ifmap_unique=ifmap_unique_fraction(layer),
    )


def ifmap_unique_fraction(layer: Layer) -> Fraction:
    """Distinct ifmap elements over the lowered A matrix's elements (<= 1; 1 for GEMMs)."""
    if not isinstance(layer, Conv2dLayer):
        return Fraction(1)
    gemm = layer.gemm()
    unique = layer.ifmap_h * layer.ifmap_w * (layer.channels // layer.groups)
    return min(Fraction(1), Fraction(unique, gemm.m * gemm.k))


def stream_chunk(gemm: GemmShape, system: SystemSpec, mapping: MappingSpec,
                 bits: OperandBits) -> int:
    """Longest chunk of the streamed dimension whose partial sums fit in the ofmap buffer.

    Only ws/is accumulate partial sums outside the array; os keeps them in the PEs. With
    ``stream_tiling: none`` the stream is never cut (partial sums spill to DRAM instead).
    """
    array = system.array
    _, dim_c, stream = spatial_dims(array.dataflow, gemm.m, gemm.n, gemm.k)
    if array.dataflow is Dataflow.OS or mapping.stream_tiling == "none":
        return stream
    usable = system.sram.buffer_for(Operand.OFMAP)
    usable_bits = usable.capacity_bits / (2 if usable.double_buffered else 1)
    per_step_bits = min(dim_c, array.cols) * bits.psum
    return max(1, min(stream, int(usable_bits // per_step_bits)))


def _chunk_gemm(gemm: GemmShape, dataflow: Dataflow, length: int) -> GemmShape:
    if dataflow is Dataflow.WS:
        return GemmShape(length, gemm.n, gemm.k, 1)
    if dataflow is Dataflow.IS:
        return GemmShape(gemm.m, length, gemm.k, 1)
    return GemmShape(gemm.m, gemm.n, gemm.k, 1)


def _block(gemm: GemmShape, system: SystemSpec, mapping: MappingSpec, bits: OperandBits,
           repeat: int) -> Block:
    res = residency(gemm, system, mapping, bits)
    stream = spatial_dims(system.array.dataflow, gemm.m, gemm.n, gemm.k)[2]
    return Block(_layer_segments(gemm, system, mapping, bits, res), repeat, stream, res)


def plan_layer(layer: Layer, system: SystemSpec, mapping: MappingSpec) -> LayerPlan:
    """Map one layer: cut the stream into chunks whose partial sums fit, then fold each."""
    gemm = layer.gemm()
    bits = operand_bits(layer, system)
    dataflow = system.array.dataflow
    stream = spatial_dims(dataflow, gemm.m, gemm.n, gemm.k)[2]
    chunk = stream_chunk(gemm, system, mapping, bits)
    full, rest = divmod(stream, chunk)
    blocks = [_block(_chunk_gemm(gemm, dataflow, chunk), system, mapping, bits, full)]
    if rest:
        blocks.append(_block(_chunk_gemm(gemm, dataflow, rest), system, mapping, bits, 1))
    return LayerPlan(
        layer=layer, gemm=gemm, dataflow=dataflow, bits=bits, blocks=tuple(blocks),
        groups=gemm.count, reg_write_bits=_reg_write_bits(gemm, dataflow, bits),
    )


def plan(workload: Workload, system: SystemSpec, mapping: MappingSpec) -> MappingPlan:
    """Map every layer of ``workload`` onto ``system``'s array."""
    return MappingPlan(
        layers=tuple(plan_layer(layer, system, mapping) for layer in workload.layers),
        rows=system.array.rows, cols=system.array.cols,
    )
