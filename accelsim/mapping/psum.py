"""PSUM-buffer accesses of ws/is partial sums, per output element and K tile (row fold).

A ws/is output element is the sum of ``tiles`` partial sums, one per row fold (K tile), produced
in K order. With a PSUM buffer (``system.psum_buffer``) the running sum lives there between K
tiles. Per element and K tile ``t`` (0-based; ``tiles`` in all; group size ``gs``, ``q = t % gs``,
the tile closes its group when ``q == gs - 1`` or ``t == tiles - 1``):

| case | buffer reads | buffer writes | requantizations |
|---|---|---|---|
| no quantization (``gs`` = 1) | ``word`` if ``t > 0`` | ``word`` unless last | 0 |
| APSQ, tile opens a group, does not close it | 0 | ``wide`` | 0 |
| APSQ, inside a group | ``wide`` | ``wide`` | 0 |
| APSQ, tile closes its group | ``wide`` if q > 0, +``word`` if t >= gs | ``word`` unless last | 1 |

``wide`` is the accumulation width (``array.precision.accumulation_bits``), ``word`` the stored PSUM
width (``psum_buffer.word_bits``). The last tile's finished sum goes to the ofmap SRAM (at
``ofmap`` bits), not back into the PSUM buffer. APSQ with gs = 1 stores only ``word``-bit PSUMs;
a group of gs > 1 tiles is summed at full precision first (``apsq_matmul``'s numerics), held in
the buffer at ``wide`` bits between its tiles. With ``group_sum_home: engine`` that open group
sum lives in the APSQ engine's registers instead: the ``wide`` reads and writes of the table
move there (``engine_read_bits`` / ``engine_write_bits``) and the buffer holds only ``word``.

A layer with fewer K tiles than gs is refused, or with ``short_reduction: one_group`` runs as
one group (gs = its K tiles; ``psum_format(system, tiles)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.config.system_spec import PsumBufferSpec, SystemSpec
from accelsim.errors import WorkloadError
from accelsim.timing.folding import spatial_dims
from accelsim.types import Dataflow
from accelsim.workload.layers import Layer, Workload


@dataclass(frozen=True)
class PsumAccess:
    """Bits read and written in the PSUM buffer, and requantizations, for one element."""

    read_bits: int
    write_bits: int
    requant_ops: int
    engine_read_bits: int = 0  # the open group sum in the APSQ engine (group_sum_home: engine)
    engine_write_bits: int = 0


@dataclass(frozen=True)
class PsumFormat:
    """What the access rule needs: widths and group size (gs = 1 without quantization)."""

    word_bits: int
    wide_bits: int
    group_size: int
    quantized: bool
    group_in_engine: bool = False


def psum_format(system: SystemSpec, tiles: int | None = None) -> PsumFormat | None:
    """The PSUM format of ``system``'s buffer for a layer of ``tiles`` K tiles (gs capped at
    them under ``short_reduction: one_group``); None when it has no PSUM buffer."""
    buffer: PsumBufferSpec | None = system.psum_buffer
    if buffer is None:
        return None
    quantized = buffer.quantization == "apsq"
    group = buffer.group_size if quantized else 1
    if tiles is not None and buffer.short_reduction == "one_group":
        group = max(1, min(group, tiles))
    return PsumFormat(buffer.word_bits, system.array.accumulation_width, group, quantized,
                      quantized and buffer.group_sum_home == "engine")


def element_access(fmt: PsumFormat, tile: int, tiles: int) -> PsumAccess:
    """PSUM-buffer bits and requantizations of one element at K tile ``tile`` (module table)."""
    last = tile == tiles - 1
    if not fmt.quantized:
        return PsumAccess(fmt.word_bits if tile else 0, 0 if last else fmt.word_bits, 0)
    q = tile % fmt.group_size
    closes = q == fmt.group_size - 1 or last
    group_read = fmt.wide_bits if q else 0
    group_write = 0 if closes else fmt.wide_bits
    word_read = fmt.word_bits if closes and tile >= fmt.group_size else 0
    word_write = fmt.word_bits if closes and not last else 0
    if fmt.group_in_engine:
        return PsumAccess(word_read, word_write, int(closes), group_read, group_write)
    return PsumAccess(group_read + word_read, group_write + word_write, int(closes))


def working_bits_per_element(fmt: PsumFormat) -> int:
    """Buffer bits one element's running state takes (running PSUM + an open wide group)."""
    open_group = fmt.quantized and fmt.group_size > 1 and not fmt.group_in_engine
    return fmt.word_bits + (fmt.wide_bits if open_group else 0)


def check_group_size(fmt: PsumFormat | None, tiles: int, layer: str,
                     source: str | None = None) -> None:
    """APSQ's gs must not exceed the layer's K tiles (a group would never close as asked)."""
    if fmt is None or not fmt.quantized or fmt.group_size <= tiles:
        return
    raise WorkloadError(
        f"layer {layer!r} has {tiles} K tile(s) on this array; psum_buffer.group_size "
        f"{fmt.group_size} is larger", file=source, key_path="system.psum_buffer.group_size")


def check_workload(workload: Workload, system: SystemSpec, source: str | None = None) -> None:
    """``check_group_size`` for every layer (what ``accelsim validate`` runs; ``plan`` checks
    each layer as it maps it). ``source``: the workload file, named in the error."""
    if system.psum_buffer is None or system.array.dataflow is Dataflow.OS:
        return
    for layer in workload.layers:
        tiles = k_tiles(layer, system)
        check_group_size(psum_format(system, tiles), tiles, layer.name, source)


def k_tiles(layer: Layer, system: SystemSpec) -> int:
    """K tiles (row folds) of a ws/is layer on ``system``'s array."""
    gemm = layer.gemm()
    dim_r = spatial_dims(system.array.dataflow, gemm.m, gemm.n, gemm.k)[0]
    return -(-dim_r // system.array.rows)
