"""Reuse analysis: which operand slices each fold must fetch from DRAM, and the SRAM traffic.

Fold grid: ``i`` indexes row folds, ``j`` column folds. What each operand depends on:

| dataflow | A (ifmap) | B (weight) | C (ofmap) |
|---|---|---|---|
| os | i | j | i, j (complete in the fold) |
| ws | i | i, j | j (partial sums accumulated over i) |
| is | i, j | i | j (partial sums accumulated over i) |

An operand depending on one index only is fetched once for the whole layer when all its slices
fit in the usable SRAM (half the capacity when double-buffered) and that index is the inner loop;
once per outer iteration when it depends on the outer index and one slice fits; otherwise every
fold. A mapping may keep an inner-index operand resident in its *whole* buffer instead
(``BufferUse.WHOLE``): fetched once, never replaced, so it needs no second half. Partial sums
stay in the ofmap buffer while they fit and are spilled to DRAM (written at psum width, read
back before the next accumulation) when they do not or when the mapping puts them in DRAM.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from functools import cached_property

from accelsim.config.system_spec import SystemSpec
from accelsim.mapping.choice import BufferUse, LayerMapping, PsumHome
from accelsim.mapping.psum import PsumFormat, element_access, working_bits_per_element
from accelsim.timing.folding import FoldWords, spatial_dims
from accelsim.types import Dataflow, Operand
from accelsim.workload.layers import GemmShape


class Fetch(StrEnum):
    """How often an operand slice comes from DRAM."""

    ONCE = "once"  # every slice once for the whole layer
    PER_OUTER = "per_outer"  # once per outer-loop iteration
    PER_FOLD = "per_fold"  # every fold


@dataclass(frozen=True)
class OperandBits:
    """Bit widths: activations, weights, outputs written back, partial sums (stored between K
    folds, and inside the PEs).

    ``ifmap_unique`` is the fraction of the lowered (im2col) A matrix that is distinct data: a
    conv's ifmap is fetched from DRAM once per use of a slice, not once per overlapping window,
    so a fold's A slice costs this fraction of its im2col bits on the DRAM side (1 for GEMMs).
    ``weight_storage`` is the stored bits per weight when they move packed (FineQ containers,
    decoded on their way into the array; None = stored at ``weight`` bits): DRAM and SRAM
    traffic and capacity use it, the PE registers ``weight``.
    """

    ifmap: int
    weight: int
    ofmap: int
    psum: int
    ifmap_unique: Fraction = Fraction(1)
    pe_psum: int | None = None  # the PE's partial-sum register (None: ``psum``)
    weight_storage: Fraction | None = None
    psum_format: PsumFormat | None = None  # set when partial sums live in a PSUM buffer

    @property
    def register_psum(self) -> int:
        """Bits of a partial sum inside the array (PE registers, lane FIFOs); ``psum`` is the
        width one is stored at outside it, between K folds."""
        return self.psum if self.pe_psum is None else self.pe_psum

    @cached_property
    def weight_stored(self) -> Fraction:
        """Bits one weight takes in DRAM and SRAM: its container share when the weights are
        packed (FineQ: 8-bit container / 3 weights), else its width (kept with the instance:
        planning reads it for every tile)."""
        return Fraction(self.weight) if self.weight_storage is None else self.weight_storage


@dataclass(frozen=True)
class FoldTrafficBits:
    """Bits one fold moves: DRAM reads/writes and SRAM reads/writes, per operand buffer."""

    dram_read_bits: int
    dram_write_bits: int
    sram_read_bits: tuple[int, int, int]  # ifmap, weight, ofmap
    sram_write_bits: tuple[int, int, int]
    psum_read_bits: int = 0  # PSUM buffer (system.psum_buffer; mapping/psum.py)
    psum_write_bits: int = 0
    requant_ops: int = 0  # APSQ requantizations (one per element and group)
    engine_read_bits: int = 0  # open group sums in the APSQ engine (group_sum_home: engine)
    engine_write_bits: int = 0


@dataclass(frozen=True)
class Residency:
    """The fetch policy of A and B, and whether partial sums stay on chip."""

    ifmap: Fetch
    weight: Fetch
    psums_on_chip: bool


@dataclass(frozen=True)
class FoldPosition:
    """Where a fold sits in the grid and which index is the outer loop."""

    i: int
    j: int
    folds_r: int
    folds_c: int
    rows_outer: bool


_DEPENDS: dict[Dataflow, tuple[str, str]] = {  # (A depends on, B depends on)
    Dataflow.OS: ("i", "j"),
    Dataflow.WS: ("i", "ij"),
    Dataflow.IS: ("ij", "i"),
}


def _usable_bits(system: SystemSpec, operand: Operand) -> float:
    buffer = system.sram.buffer_for(operand)
    return buffer.capacity_bits / 2 if buffer.double_buffered else buffer.capacity_bits


def _resident_bits(system: SystemSpec, operand: Operand, use: BufferUse) -> float:
    """Room for an operand kept whole (fetched once): one half, or the whole buffer when the
    mapping keeps it resident there (it is never replaced, so needs no second half)."""
    if use is BufferUse.WHOLE:
        return system.sram.buffer_for(operand).capacity_bits
    return _usable_bits(system, operand)


def _policy(depends: str, rows_outer: bool, whole_bits: int, slice_bits: int,
            usable_bits: float, resident_bits: float) -> Fetch:
    if depends == "ij":
        return Fetch.PER_FOLD
    is_outer = (depends == "i") == rows_outer
    if is_outer:  # each slice is fetched once per outer iteration already
        return Fetch.PER_OUTER if slice_bits <= usable_bits else Fetch.PER_FOLD
    return Fetch.ONCE if whole_bits <= resident_bits else Fetch.PER_FOLD


def whole_bits(gemm: GemmShape, bits: OperandBits) -> tuple[int, int]:
    """DRAM bits of the whole A and the whole B of one GEMM (what residency has to hold)."""
    return (ceil_times(gemm.m * gemm.k * bits.ifmap, bits.ifmap_unique),
            ceil_times(gemm.k * gemm.n, bits.weight_stored))


def inner_operands(dataflow: Dataflow, rows_outer: bool) -> tuple[Operand, ...]:
    """The operands that depend on the inner fold index only (those a whole-buffer residency
    can keep: every slice used in every outer iteration)."""
    inner = "j" if rows_outer else "i"
    a_dep, b_dep = _DEPENDS[dataflow]
    return tuple(op for op, dep in ((Operand.IFMAP, a_dep), (Operand.WEIGHT, b_dep))
                 if dep == inner)


def usable_bits(system: SystemSpec, operand: Operand) -> float:
    """An operand's room in its buffer when double-buffered (half), else the whole buffer."""
    return _usable_bits(system, operand)


def residency(gemm: GemmShape, system: SystemSpec, choice: LayerMapping,
              bits: OperandBits) -> Residency:
    """Decide, from SRAM capacities and the layer's mapping, how often each operand is fetched
    (see module doc); partial sums whose home is DRAM are never on chip."""
    array = system.array
    rows_outer = choice.fold_order == "cols_first"
    dim_r, dim_c, stream = spatial_dims(array.dataflow, gemm.m, gemm.n, gemm.k)
    a_dep, b_dep = _DEPENDS[array.dataflow]
    slice_a = _slice_words(array.dataflow, Operand.IFMAP, array.rows, array.cols, stream)
    slice_b = _slice_words(array.dataflow, Operand.WEIGHT, array.rows, array.cols, stream)
    psum_elements = (dim_c if rows_outer else min(dim_c, array.cols)) * stream
    accumulates = array.dataflow is not Dataflow.OS
    if bits.psum_format is not None and system.psum_buffer is not None:
        psum_bits_needed = psum_elements * working_bits_per_element(bits.psum_format)
        psum_room = system.psum_buffer.capacity_bits
    else:
        psum_bits_needed = psum_elements * bits.psum
        psum_room = _usable_bits(system, Operand.OFMAP)
    whole_a, whole_b = whole_bits(gemm, bits)
    return Residency(
        ifmap=_policy(a_dep, rows_outer, whole_a, ceil_times(slice_a * bits.ifmap,
                                                            bits.ifmap_unique),
                      _usable_bits(system, Operand.IFMAP),
                      _resident_bits(system, Operand.IFMAP, choice.ifmap)),
        weight=_policy(b_dep, rows_outer, whole_b, ceil_times(slice_b, bits.weight_stored),
                       _usable_bits(system, Operand.WEIGHT),
                       _resident_bits(system, Operand.WEIGHT, choice.weight)),
        psums_on_chip=(not accumulates) or (choice.psum_home is not PsumHome.DRAM
                                            and psum_bits_needed <= psum_room),
    )


def _slice_words(dataflow: Dataflow, operand: Operand, rows: int, cols: int, stream: int) -> int:
    """Words of one full slice of a one-index operand."""
    if dataflow is Dataflow.OS:
        return (rows if operand is Operand.IFMAP else cols) * stream
    return rows * stream  # ws: A slice = M x Sr; is: B slice = N x Sr


def _fetched(policy: Fetch, depends: str, pos: FoldPosition) -> bool:
    if policy is Fetch.PER_FOLD or depends == "ij":
        return True
    inner_index = pos.j if pos.rows_outer else pos.i
    outer_index = pos.i if pos.rows_outer else pos.j
    if policy is Fetch.PER_OUTER:
        return inner_index == 0
    return outer_index == 0


def fold_traffic(words: FoldWords, pos: FoldPosition, bits: OperandBits, res: Residency,
                 dataflow: Dataflow) -> FoldTrafficBits:
    """DRAM and SRAM bits of one fold at ``pos``."""
    a_dep, b_dep = _DEPENDS[dataflow]
    dram_a = ceil_times(words.a_words * bits.ifmap, bits.ifmap_unique) if _fetched(
        res.ifmap, a_dep, pos) else 0
    weight_bits = ceil_times(words.b_words, bits.weight_stored)
    dram_b = weight_bits if _fetched(res.weight, b_dep, pos) else 0
    if bits.psum_format is not None and dataflow is not Dataflow.OS:
        return _psum_buffer_traffic(words, pos, bits, res, dram_a, dram_b, weight_bits)
    out_sram_read, out_sram_write, out_dram_read, out_dram_write = _output_traffic(
        words.out_words, pos, bits, res, dataflow)
    return FoldTrafficBits(
        dram_read_bits=dram_a + dram_b + out_dram_read,
        dram_write_bits=out_dram_write,
        sram_read_bits=(words.a_words * bits.ifmap, weight_bits, out_sram_read),
        sram_write_bits=(dram_a, dram_b, out_sram_write),
    )


def ceil_times(count: int, factor: Fraction) -> int:
    """``ceil(count * factor)`` in integers (the hot path of planning: no Fraction objects)."""
    return -(-(count * factor.numerator) // factor.denominator)


def _output_traffic(out_words: int, pos: FoldPosition, bits: OperandBits, res: Residency,
                    dataflow: Dataflow) -> tuple[int, int, int, int]:
    """(sram read, sram write, dram read, dram write) bits of the fold's outputs."""
    if dataflow is Dataflow.OS:
        final = out_words * bits.ofmap
        return final, final, 0, final
    first, last = pos.i == 0, pos.i == pos.folds_r - 1
    psum = out_words * bits.psum
    sram_write = psum
    sram_read = (0 if first else psum) + (psum if last else 0)
    if res.psums_on_chip:
        return sram_read, sram_write, 0, out_words * bits.ofmap if last else 0
    dram_read = 0 if first else psum
    dram_write = out_words * bits.ofmap if last else psum
    return sram_read + (0 if last else psum), sram_write + dram_read, dram_read, dram_write


def _psum_buffer_traffic(words: FoldWords, pos: FoldPosition, bits: OperandBits,
                         res: Residency, dram_a: int, dram_b: int,
                         weight_bits: int) -> FoldTrafficBits:
    """A ws/is fold whose partial sums live in the PSUM buffer (mapping/psum.py): the last K
    tile's sums go to the ofmap SRAM at ofmap bits; when the PSUM working set does not fit,
    every stored PSUM is also read out and written to DRAM, and refilled before it is read."""
    assert bits.psum_format is not None
    access = element_access(bits.psum_format, pos.i, pos.folds_r)
    out = words.out_words
    reads, writes = out * access.read_bits, out * access.write_bits
    final = out * bits.ofmap if pos.i == pos.folds_r - 1 else 0
    spill_out, refill = (0, 0) if res.psums_on_chip else (writes, reads)
    return FoldTrafficBits(
        dram_read_bits=dram_a + dram_b + refill,
        dram_write_bits=final + spill_out,
        sram_read_bits=(words.a_words * bits.ifmap, weight_bits, final),
        sram_write_bits=(dram_a, dram_b, final),
        psum_read_bits=reads + spill_out,
        psum_write_bits=writes + refill,
        requant_ops=out * access.requant_ops,
        engine_read_bits=out * access.engine_read_bits,
        engine_write_bits=out * access.engine_write_bits,
    )
