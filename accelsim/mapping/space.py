"""The mapping space of one layer: the choices a plan is built from, and the candidates.

A ``LayerMapping`` fixes what ``plan_layer`` used to decide on its own:

* ``fold_order``: which fold index is the inner loop (``rows_first``: row folds innermost, so
  partial sums of one column fold finish before the next; ``cols_first``: column folds
  innermost), i.e. which operand is reused across folds;
* ``chunk``: the length of one chunk of the streamed dimension (M for ws, N for is, K for os,
  which is never cut); every chunk re-reads the stationary operand;
* ``ifmap`` / ``weight``: how the operand's SRAM is used. ``halves``: as two double-buffer
  halves (a slice or the whole operand must fit in one half); ``whole``: the operand's whole
  working set is kept resident in the whole buffer, fetched once (only when it fits and the
  buffer is double-buffered: a resident operand is never replaced, so it needs no second half);
* ``psum_home``: where the ws/is partial sums live between K tiles: the ofmap SRAM, the PSUM
  buffer (when the system has one: it then always holds them), or DRAM (spilled every K tile);
  os keeps them in the PEs.

``fixed_mapping`` is today's greedy choice (``mapping.fold_order``, the longest chunk whose
partial sums fit, halves everywhere, the system's on-chip PSUM home); ``candidates`` lists the
space in a fixed order (the fixed mapping first), so a search over it is deterministic.
"""

from __future__ import annotations

from accelsim.config.run_spec import MappingSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.mapping.choice import FOLD_ORDERS, BufferUse, FoldOrder, LayerMapping, PsumHome
from accelsim.mapping.psum import working_bits_per_element
from accelsim.mapping.reuse import OperandBits, inner_operands, usable_bits, whole_bits
from accelsim.timing.folding import spatial_dims
from accelsim.types import Dataflow, Operand
from accelsim.workload.layers import GemmShape


def default_psum_home(system: SystemSpec, bits: OperandBits) -> PsumHome:
    """The on-chip home of partial sums on ``system``: PEs (os), the PSUM buffer, else SRAM."""
    if system.array.dataflow is Dataflow.OS:
        return PsumHome.PE
    if bits.psum_format is not None and system.psum_buffer is not None:
        return PsumHome.PSUM_BUFFER
    return PsumHome.OFMAP_SRAM


def _psum_room(system: SystemSpec, bits: OperandBits) -> tuple[float, int]:
    """(bits available for partial sums, bits per element) in their on-chip home."""
    if bits.psum_format is not None and system.psum_buffer is not None:
        return (system.psum_buffer.capacity_bits, working_bits_per_element(bits.psum_format))
    usable = system.sram.buffer_for(Operand.OFMAP)
    return usable.capacity_bits / (2 if usable.double_buffered else 1), bits.psum


def fitting_chunk(gemm: GemmShape, system: SystemSpec, bits: OperandBits,
                  columns: int) -> int:
    """Longest stream chunk whose partial sums of ``columns`` output columns fit on chip."""
    stream = spatial_dims(system.array.dataflow, gemm.m, gemm.n, gemm.k)[2]
    room, per_element = _psum_room(system, bits)
    return max(1, min(stream, int(room // (columns * per_element))))


def fixed_chunk(gemm: GemmShape, system: SystemSpec, spec: MappingSpec,
                bits: OperandBits) -> int:
    """Today's greedy chunk: the longest whose partial sums of one column fold fit (ws/is);
    the whole stream for os or ``stream_tiling: none``."""
    array = system.array
    _, dim_c, stream = spatial_dims(array.dataflow, gemm.m, gemm.n, gemm.k)
    if array.dataflow is Dataflow.OS or spec.stream_tiling == "none":
        return stream
    return fitting_chunk(gemm, system, bits, min(dim_c, array.cols))


def fixed_mapping(gemm: GemmShape, system: SystemSpec, spec: MappingSpec,
                  bits: OperandBits) -> LayerMapping:
    """The fixed mapping (``mapping.search: off``): exactly the plan of the greedy mapper."""
    return LayerMapping(spec.fold_order, fixed_chunk(gemm, system, spec, bits),
                        psum_home=default_psum_home(system, bits))


def chunk_gemm(gemm: GemmShape, dataflow: Dataflow, length: int) -> GemmShape:
    """The GEMM of one stream chunk of ``length`` (one group)."""
    if dataflow is Dataflow.WS:
        return GemmShape(length, gemm.n, gemm.k, 1)
    if dataflow is Dataflow.IS:
        return GemmShape(gemm.m, length, gemm.k, 1)
    return GemmShape(gemm.m, gemm.n, gemm.k, 1)


def _resident_chunks(gemm: GemmShape, system: SystemSpec, bits: OperandBits,
                     order: FoldOrder) -> set[int]:
    """The longest chunks whose slice of the streamed operand (A for ws, B for is) fits one
    half and the whole of its buffer, when that operand is reused across the outer loop: a
    shorter chunk re-reads the stationary operand once more, but its streamed slice can then
    stay on chip for every outer fold instead of being fetched again for each."""
    dataflow = system.array.dataflow
    streamed = {Dataflow.WS: Operand.IFMAP, Dataflow.IS: Operand.WEIGHT}.get(dataflow)
    if streamed is None or streamed not in inner_operands(dataflow, order == "cols_first"):
        return set()
    stream = spatial_dims(dataflow, gemm.m, gemm.n, gemm.k)[2]
    index = 0 if streamed is Operand.IFMAP else 1
    per_unit = whole_bits(chunk_gemm(gemm, dataflow, 1), bits)[index]
    buffer = system.sram.buffer_for(streamed)
    out = set()
    for room in {usable_bits(system, streamed), buffer.capacity_bits}:
        length = min(stream, int(room // max(per_unit, 1)))
        while length > 0 and whole_bits(chunk_gemm(gemm, dataflow, length), bits)[index] > room:
            length -= 1
        if 0 < length < stream:
            out.add(length)
    return out


def _chunks(gemm: GemmShape, system: SystemSpec, bits: OperandBits,
            order: FoldOrder) -> tuple[int, ...]:
    """Stream chunks worth trying under ``order``, longest first: the whole stream (partial sums
    spill when they do not fit), the longest whose partial sums fit on chip (one column
    fold's under ``rows_first``, every column's under ``cols_first``), and the longest whose
    streamed slice stays resident (``_resident_chunks``); any other length only re-reads the
    stationary operand more often."""
    array = system.array
    _, dim_c, stream = spatial_dims(array.dataflow, gemm.m, gemm.n, gemm.k)
    if array.dataflow is Dataflow.OS:
        return (stream,)
    columns = min(dim_c, array.cols) if order == "rows_first" else dim_c
    fits = fitting_chunk(gemm, system, bits, columns)
    resident = {length for length in _resident_chunks(gemm, system, bits, order)
                if length <= fits}
    return tuple(sorted({stream, fits} | resident, reverse=True))


def _uses(gemm: GemmShape, system: SystemSpec, bits: OperandBits, order: FoldOrder,
          chunk: int, operand: Operand) -> tuple[BufferUse, ...]:
    """``halves``, plus ``whole`` when it changes something: the operand is reused across the
    outer loop, its buffer is double-buffered and some chunk's operand fits the whole buffer
    but not one half."""
    dataflow = system.array.dataflow
    if operand not in inner_operands(dataflow, order == "cols_first"):
        return (BufferUse.HALVES,)
    buffer = system.sram.buffer_for(operand)
    half = usable_bits(system, operand)
    stream = spatial_dims(dataflow, gemm.m, gemm.n, gemm.k)[2]
    index = 0 if operand is Operand.IFMAP else 1
    for length in {chunk, stream % chunk or chunk}:
        need = whole_bits(chunk_gemm(gemm, dataflow, length), bits)[index]
        if buffer.double_buffered and half < need <= buffer.capacity_bits:
            return (BufferUse.HALVES, BufferUse.WHOLE)
    return (BufferUse.HALVES,)


def candidates(gemm: GemmShape, system: SystemSpec, spec: MappingSpec,
               bits: OperandBits) -> tuple[LayerMapping, ...]:
    """The mapping space, the fixed mapping first, then in a fixed order (no duplicates).

    Capacity constraints are applied when the plan is built (an operand that does not fit is
    re-fetched, never overflows); choices that cannot change the plan are left out (``whole``
    where it holds nothing more than a half). Partial sums are given their on-chip home: a DRAM
    home moves strictly more bits for the same folds, so it is only where they spill anyway
    (a chunk whose partial sums do not fit), which the plan reports as home ``dram``.
    """
    fixed = fixed_mapping(gemm, system, spec, bits)
    home = default_psum_home(system, bits)
    found = {fixed: None}
    for order in FOLD_ORDERS:
        for chunk in _chunks(gemm, system, bits, order):
            for ifmap in _uses(gemm, system, bits, order, chunk, Operand.IFMAP):
                for weight in _uses(gemm, system, bits, order, chunk, Operand.WEIGHT):
                    found.setdefault(LayerMapping(order, chunk, ifmap, weight, home))
    return tuple(found)
