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
the buffer at ``wide`` bits between its tiles.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.config.system_spec import PsumBufferSpec, SystemSpec
from accelsim.errors import WorkloadError
from accelsim.timing.folding import spatial_dims
from accelsim.types import Dataflow
from accelsim.workload.layers import Workload


@dataclass(frozen=True)
class PsumAccess:
    """Bits read and written in the PSUM buffer, and requantizations, for one element."""

    read_bits: int
    write_bits: int
    requant_ops: int


@dataclass(frozen=True)
class PsumFormat:
    """What the access rule needs: widths and group size (gs = 1 without quantization)."""

    word_bits: int
    wide_bits: int
    group_size: int
    quantized: bool


def psum_format(system: SystemSpec) -> PsumFormat | None:
    """The PSUM format of ``system``'s buffer; None when it has no PSUM buffer."""
    buffer: PsumBufferSpec | None = system.psum_buffer
    if buffer is None:
        return None
    quantized = buffer.quantization == "apsq"
    return PsumFormat(buffer.word_bits, system.array.accumulation_width,
                      buffer.group_size if quantized else 1, quantized)


def element_access(fmt: PsumFormat, tile: int, tiles: int) -> PsumAccess:
    """PSUM-buffer bits and requantizations of one element at K tile ``tile`` (module table)."""
    last = tile == tiles - 1
    if not fmt.quantized:
        return PsumAccess(fmt.word_bits if tile else 0, 0 if last else fmt.word_bits, 0)
    q = tile % fmt.group_size
    closes = q == fmt.group_size - 1 or last
    if not closes:
        return PsumAccess(fmt.wide_bits if q else 0, fmt.wide_bits, 0)
    reads = (fmt.wide_bits if q else 0) + (fmt.word_bits if tile >= fmt.group_size else 0)
    return PsumAccess(reads, 0 if last else fmt.word_bits, 1)


def working_bits_per_element(fmt: PsumFormat) -> int:
    """Buffer bits one element's running state takes (running PSUM + an open wide group)."""
    return fmt.word_bits + (fmt.wide_bits if fmt.quantized and fmt.group_size > 1 else 0)


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
    fmt = psum_format(system)
    if fmt is None or system.array.dataflow is Dataflow.OS:
        return
    for layer in workload.layers:
        gemm = layer.gemm()
        dim_r = spatial_dims(system.array.dataflow, gemm.m, gemm.n, gemm.k)[0]
        check_group_size(fmt, -(-dim_r // system.array.rows), layer.name, source)
