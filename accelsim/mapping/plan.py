"""Map each layer's GEMM onto the array: folds in loop order, grouped into runs of identical tiles.

A fold is one tile of work for the array (see timing). The plan lists folds in the order
they run as *segments*: a segment is a short list of tile runs repeated ``repeat`` times, so a
layer with thousands of folds is described by a handful of distinct tiles (run time of the
simulation grows with distinct tiles, not with folds or cycles).

Which operand slices must come from DRAM for each fold follows from the reuse analysis in
``mapping/reuse.py``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from accelsim.config.run_spec import MappingSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.lazy import LazyModule
from accelsim.mapping.choice import LayerMapping
from accelsim.mapping.operands import (
    check_accumulation_fits,
    check_layer_size,
    check_trace_fits_pe,
    operand_bits,
)
from accelsim.mapping.psum import check_group_size
from accelsim.mapping.reuse import (
    FoldPosition,
    FoldTrafficBits,
    OperandBits,
    Residency,
    fold_traffic,
    residency,
)
from accelsim.mapping.shared import layer_key
from accelsim.mapping.space import chunk_gemm, fixed_chunk, fixed_mapping
from accelsim.timing.codes import (
    VALUE_POLICIES,
    LayerCodes,
    TemporalUse,
    fold_mac_cycles,
    layer_codes,
    uniform_mac_cycles,
)
from accelsim.timing.folding import FoldShape, fold_operand_words, spatial_dims
from accelsim.types import Dataflow
from accelsim.workload.layers import GemmShape, Layer, Workload

if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy")


@dataclass(frozen=True)
class TileRun:
    """``count`` consecutive identical folds: their shape and per-fold traffic in bits.

    ``mac_phase_cycles`` is set on temporal-coded arrays only: the cycles each fold's MAC slots
    take in total (value-dependent; ``accelsim.timing.codes``). None = one cycle per slot.
    """

    fold: FoldShape
    count: int
    traffic: FoldTrafficBits
    mac_phase_cycles: int | None = None


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
    temporal: TemporalUse | None = None
    choice: LayerMapping | None = None  # the mapping the plan follows (mapping/space.py)
    report: Mapping[str, object] | None = None  # set by the search: the choice and objective

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


def _tiles_differ(bits: OperandBits) -> bool:
    """Whether middle K tiles move different PSUM-buffer traffic (APSQ groups of gs > 1), so
    that every K tile is its own position; else first / middle / last suffice."""
    fmt = bits.psum_format
    return fmt is not None and fmt.group_size > 1


def _row_positions(count: int, bits: OperandBits) -> list[tuple[int, int]]:
    """Row-fold (K tile) positions: every one when APSQ groups (gs > 1) make middle K tiles
    differ, else first / middle / last."""
    if _tiles_differ(bits):
        return [(i, 1) for i in range(count)]
    return _positions(count)


def _layer_segments(gemm: GemmShape, system: SystemSpec, choice: LayerMapping,
                    bits: OperandBits, res: Residency, slot: int | None = None
                    ) -> tuple[Segment, ...]:
    array = system.array
    dim_r, dim_c, stream = spatial_dims(array.dataflow, gemm.m, gemm.n, gemm.k)
    folds_r = -(-dim_r // array.rows)
    folds_c = -(-dim_c // array.cols)
    rows_outer = choice.fold_order == "cols_first"
    outer_pos, inner_pos = ((_row_positions(folds_r, bits), _positions(folds_c)) if rows_outer
                            else (_positions(folds_c), _row_positions(folds_r, bits)))
    segments: list[Segment] = []
    for outer, outer_repeat in outer_pos:
        runs: list[TileRun] = []
        for inner, inner_count in inner_pos:
            i, j = (outer, inner) if rows_outer else (inner, outer)
            fold = FoldShape(min(array.rows, dim_r - i * array.rows),
                             min(array.cols, dim_c - j * array.cols), stream, 1)
            pos = FoldPosition(i, j, folds_r, folds_c, rows_outer)
            traffic = fold_traffic(fold_operand_words(fold, array.dataflow), pos, bits, res,
                                   array.dataflow)
            phase = None if slot is None else uniform_mac_cycles(
                fold.rows_used, fold.cols_used, fold.stream_len, slot)
            run = TileRun(fold, inner_count, traffic, phase)
            if runs and runs[-1].fold == run.fold and runs[-1].traffic == run.traffic:
                runs[-1] = TileRun(run.fold, runs[-1].count + inner_count, traffic, phase)
            else:
                runs.append(run)
        segments.append(Segment(tuple(runs), outer_repeat))
    return tuple(segments)


def _reg_write_bits(gemm: GemmShape, dataflow: Dataflow, bits: OperandBits) -> int:
    """Bits written into PE pipeline registers: each MAC latches its two moving operands."""
    moving = {
        Dataflow.OS: bits.ifmap + bits.weight,
        Dataflow.WS: bits.ifmap + bits.register_psum,
        Dataflow.IS: bits.weight + bits.register_psum,
    }[dataflow]
    return gemm.macs * moving


def stream_chunk(gemm: GemmShape, system: SystemSpec, mapping: MappingSpec,
                 bits: OperandBits) -> int:
    """The fixed mapping's stream chunk (``mapping.space.fixed_chunk``)."""
    return fixed_chunk(gemm, system, mapping, bits)


def _block(gemm: GemmShape, system: SystemSpec, choice: LayerMapping, bits: OperandBits,
           repeat: int, slot: int | None = None) -> Block:
    res = residency(gemm, system, choice, bits)
    stream = spatial_dims(system.array.dataflow, gemm.m, gemm.n, gemm.k)[2]
    return Block(_layer_segments(gemm, system, choice, bits, res, slot), repeat, stream, res)


def _classes(count: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """Position class of each fold index: 0 first, 1 middle, 2 last (what traffic depends on),
    and a representative index of each class."""
    classes = np.ones(count, dtype=np.int64)
    classes[-1] = 2
    classes[0] = 0
    return classes, (0, 1, count - 1)


def _row_classes(count: int, bits: OperandBits) -> tuple[np.ndarray, tuple[int, ...]]:
    """K-tile classes, as ``_row_positions``: each tile its own when APSQ groups differ."""
    if _tiles_differ(bits):
        return np.arange(count, dtype=np.int64), tuple(range(count))
    return _classes(count)


def _grid_runs(row: np.ndarray, tile: dict[int, TileRun]) -> tuple[TileRun, ...]:
    """Runs of equal consecutive keys along one outer index, merged when identical."""
    starts = np.flatnonzero(np.concatenate(([True], row[1:] != row[:-1])))
    counts = np.diff(np.append(starts, row.size))
    runs: list[TileRun] = []
    for start, count in zip(starts.tolist(), counts.tolist(), strict=True):
        base = tile[int(row[start])]
        if runs and (runs[-1].fold, runs[-1].traffic, runs[-1].mac_phase_cycles) == (
                base.fold, base.traffic, base.mac_phase_cycles):
            count += runs.pop().count
        runs.append(TileRun(base.fold, count, base.traffic, base.mac_phase_cycles))
    return tuple(runs)


def _grid_segments(gemm: GemmShape, system: SystemSpec, choice: LayerMapping,
                   bits: OperandBits, res: Residency, phase: np.ndarray) -> tuple[Segment, ...]:
    """Segments of a fold grid whose MAC-phase cycles ``phase[i, j]`` differ fold by fold:
    consecutive folds of equal shape, traffic and cycles form a run, equal outer iterations a
    repeated segment (so uniform values still coalesce)."""
    array = system.array
    dim_r, dim_c, stream = spatial_dims(array.dataflow, gemm.m, gemm.n, gemm.k)
    folds_r, folds_c = phase.shape
    rows_outer = choice.fold_order == "cols_first"
    (cls_r, rep_r), (cls_c, rep_c) = _row_classes(folds_r, bits), _classes(folds_c)
    places = max(3, len(rep_r)) * 3  # distinct (row class, column class) pairs
    keys = (cls_r[:, None] * 3 + cls_c[None, :]) + places * phase
    tile: dict[int, TileRun] = {}
    unique, first = np.unique(keys, return_index=True)
    for key, flat in zip(unique.tolist(), first.tolist(), strict=True):
        i, j = divmod(flat, folds_c)
        i, j = rep_r[cls_r[i]], rep_c[cls_c[j]]
        fold = FoldShape(min(array.rows, dim_r - i * array.rows),
                         min(array.cols, dim_c - j * array.cols), stream, 1)
        pos = FoldPosition(i, j, folds_r, folds_c, rows_outer)
        traffic = fold_traffic(fold_operand_words(fold, array.dataflow), pos, bits, res,
                               array.dataflow)
        tile[key] = TileRun(fold, 1, traffic, key // places)
    segments: list[Segment] = []
    for row in keys if rows_outer else keys.T:
        runs = _grid_runs(row, tile)
        if segments and segments[-1].runs == runs:
            segments[-1] = Segment(runs, segments[-1].repeat + 1)
        else:
            segments.append(Segment(runs, 1))
    return tuple(segments)


def _value_block(gemm: GemmShape, system: SystemSpec, choice: LayerMapping, bits: OperandBits,
                 codes: np.ndarray, start: int, length: int, repeat: int) -> Block:
    """One stream chunk (``start``, ``length``) of a GEMM whose fold cycles depend on values."""
    array = system.array
    chunk = chunk_gemm(gemm, array.dataflow, length)
    res = residency(chunk, system, choice, bits)
    phase = fold_mac_cycles(codes, array.dataflow, array.rows, array.cols, gemm.m,
                            array.temporal.policy, slice(start, start + length))
    stream = spatial_dims(array.dataflow, chunk.m, chunk.n, chunk.k)[2]
    return Block(_grid_segments(chunk, system, choice, bits, res, phase), repeat, stream, res)


def _value_blocks(gemm: GemmShape, system: SystemSpec, choice: LayerMapping, bits: OperandBits,
                  codes: np.ndarray) -> list[Block]:
    """Blocks of every group (its own weights) and stream chunk; equal neighbours coalesce.
    ws and os chunks share their weights, so only is cuts value-dependent chunks of N."""
    stream = spatial_dims(system.array.dataflow, gemm.m, gemm.n, gemm.k)[2]
    chunk = choice.chunk
    full, rest = divmod(stream, chunk)
    blocks: list[Block] = []
    for group in codes:
        if system.array.dataflow is Dataflow.IS:
            cut = [(start, min(chunk, stream - start), 1) for start in range(0, stream, chunk)]
        else:
            cut = [(0, chunk, full)] + ([(0, rest, 1)] if rest else [])
        for start, length, repeat in cut:
            block = _value_block(gemm, system, choice, bits, group, start, length, repeat)
            if blocks and (blocks[-1].segments, blocks[-1].stream_len) == (
                    block.segments, block.stream_len):
                block = Block(block.segments, blocks.pop().repeat + repeat, block.stream_len,
                              block.residency)
            blocks.append(block)
    return blocks


def _temporal_blocks(layer: Layer, system: SystemSpec, choice: LayerMapping, bits: OperandBits,
                     source: str | None, known: LayerCodes | None = None
                     ) -> tuple[list[Block], int, TemporalUse]:
    """Blocks and group count of a layer on a temporal-coded array, and how it was timed."""
    gemm = layer.gemm()
    codes: LayerCodes = known if known is not None else layer_codes(layer, system, source)
    policy = system.array.temporal.policy
    use = TemporalUse(policy, codes.source, codes.worst_cycles,
                      codes.pulse_cycles_per_use * gemm.m, codes.pulsed_per_use * gemm.m)
    chunk = choice.chunk
    if policy in VALUE_POLICIES and codes.codes is not None:
        shared = codes.codes.shape[0] == 1
        blocks = _value_blocks(gemm, system, choice, bits, codes.codes)
        return blocks, gemm.count if shared else 1, use
    stream = spatial_dims(system.array.dataflow, gemm.m, gemm.n, gemm.k)[2]
    full, rest = divmod(stream, chunk)
    dataflow = system.array.dataflow
    slot = codes.worst_cycles
    blocks = [_block(chunk_gemm(gemm, dataflow, chunk), system, choice, bits, full, slot)]
    if rest:
        blocks.append(_block(chunk_gemm(gemm, dataflow, rest), system, choice, bits, 1, slot))
    return blocks, gemm.count, use


def plan_layer(layer: Layer, system: SystemSpec, mapping: MappingSpec, *,
               source: str | None = None, choice: LayerMapping | None = None,
               codes: LayerCodes | None = None, bits: OperandBits | None = None) -> LayerPlan:
    """Map one layer as ``choice`` says (default: the fixed mapping of ``mapping``): cut the
    stream into chunks, then fold each. ``source`` (the workload file) is named in errors about
    the layer; ``codes`` and ``bits``: the layer's temporal codes and operand bits when already
    known (the search plans one layer many times; known bits mean its checks passed)."""
    gemm = layer.gemm()
    checked = bits is not None
    if bits is None:
        check_layer_size(layer, system, source)
        check_trace_fits_pe(layer, system, source)
        check_accumulation_fits(layer, system, source)
        bits = operand_bits(layer, system, source)
    dataflow = system.array.dataflow
    if choice is None:
        choice = fixed_mapping(gemm, system, mapping, bits)
    temporal = None
    if bits.psum_format is not None and not checked:
        check_group_size(bits.psum_format, -(-spatial_dims(dataflow, gemm.m, gemm.n, gemm.k)[0]
                                             // system.array.rows), layer.name)
    if system.array.pe == "temporal":
        blocks, groups, temporal = _temporal_blocks(layer, system, choice, bits, source, codes)
    else:
        stream = spatial_dims(dataflow, gemm.m, gemm.n, gemm.k)[2]
        full, rest = divmod(stream, choice.chunk)
        blocks = [_block(chunk_gemm(gemm, dataflow, choice.chunk), system, choice, bits, full)]
        if rest:
            blocks.append(_block(chunk_gemm(gemm, dataflow, rest), system, choice, bits, 1))
        groups = gemm.count
    return LayerPlan(
        layer=layer, gemm=gemm, dataflow=dataflow, bits=bits, blocks=tuple(blocks),
        groups=groups, reg_write_bits=_reg_write_bits(gemm, dataflow, bits), temporal=temporal,
        choice=choice,
    )


def plan_key(gemm: GemmShape, system: SystemSpec, choice: LayerMapping,
             bits: OperandBits) -> tuple[object, ...]:
    """What a plan depends on besides the layer: two choices with equal keys give equal plans
    (fold order, chunk and each chunk's residencies), so a search plans only one of them."""
    stream = spatial_dims(system.array.dataflow, gemm.m, gemm.n, gemm.k)[2]
    lengths = {choice.chunk, stream % choice.chunk or choice.chunk}
    return (choice.fold_order, choice.chunk, *(
        residency(chunk_gemm(gemm, system.array.dataflow, length), system, choice, bits)
        for length in sorted(lengths)))


def plan(workload: Workload, system: SystemSpec, mapping: MappingSpec) -> MappingPlan:
    """Map every layer of ``workload`` onto ``system``'s array; layers equal but for their
    name (``mapping.shared.layer_key``) are planned once."""
    planned: dict[Hashable, LayerPlan] = {}
    layers: list[LayerPlan] = []
    for layer in workload.layers:
        key = layer_key(layer, system)
        known = planned.get(key) if key is not None else None
        if known is None:
            known = plan_layer(layer, system, mapping, source=workload.source)
            if key is not None:
                planned[key] = known
        layers.append(known if known.layer is layer else replace(known, layer=layer))
    return MappingPlan(layers=tuple(layers), rows=system.array.rows, cols=system.array.cols)
