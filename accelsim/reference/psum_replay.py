"""A reference PSUM buffer: replays a reference model's partial outputs element by element.

Independent of ``accelsim.mapping.psum`` (the closed-form rule the mapping uses): it walks the
folds in the order the stepper ran them, keeps per output block whether a full-precision group
sum is open and whether a running PSUM is stored, and counts the bits each fold reads and
writes in the buffer and the requantizations, so tests can hold the mapping's counts against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np


class PartialFold(Protocol):
    """What the replay reads of a fold: the block of C it produced and where it adds in
    (the conventional stepper's ``FoldRecord`` and the temporal model's ``TemporalFold``)."""

    @property
    def c_rows(self) -> slice: ...

    @property
    def c_cols(self) -> slice: ...

    @property
    def partial(self) -> np.ndarray: ...


class FoldResult(Protocol):
    """A reference model's result: its folds in the order they ran."""

    @property
    def folds(self) -> Sequence[PartialFold]: ...


@dataclass(frozen=True)
class PsumReplay:
    """Per fold, in stepper order: (read bits, write bits); and requantizations in total."""

    per_fold: tuple[tuple[int, int], ...]
    requant_ops: int
    engine_read_bits: int = 0  # the open group sums, when the engine holds them
    engine_write_bits: int = 0

    @property
    def read_bits(self) -> int:
        return sum(reads for reads, _ in self.per_fold)

    @property
    def write_bits(self) -> int:
        return sum(writes for _, writes in self.per_fold)


def replay_psum_buffer(result: FoldResult, *, word_bits: int, wide_bits: int,
                       group_size: int = 1, quantized: bool = False,
                       group_in_engine: bool = False) -> PsumReplay:
    """Bits a PSUM buffer moves for the folds of ``result`` (the conventional stepper's or the
    temporal model's: the buffer sees the same partial blocks, however long each fold took;
    ``group_size`` only with APSQ; ``group_in_engine``: the open group sum is kept outside the
    buffer, and its bits are counted apart)."""
    total: dict[tuple[int, int], int] = {}
    for fold in result.folds:
        key = (fold.c_rows.start, fold.c_cols.start)
        total[key] = total.get(key, 0) + 1
    seen: dict[tuple[int, int], int] = {}
    open_tiles: dict[tuple[int, int], int] = {}
    stored: set[tuple[int, int]] = set()
    group = group_size if quantized else 1
    per_fold: list[tuple[int, int]] = []
    requants = 0
    engine = [0, 0]
    for fold in result.folds:
        key = (fold.c_rows.start, fold.c_cols.start)
        seen[key] = seen.get(key, 0) + 1
        last = seen[key] == total[key]
        in_group = open_tiles.get(key, 0) + 1
        group_reads = wide_bits if in_group > 1 else 0  # the open group sum
        group_writes = reads = writes = 0
        if in_group == group or last:  # the group closes: fold in the stored running PSUM
            open_tiles[key] = 0
            reads += word_bits if key in stored else 0
            requants += fold.partial.size if quantized else 0
            if not last:
                writes += word_bits
                stored.add(key)
        else:
            open_tiles[key] = in_group
            group_writes = wide_bits
        if group_in_engine:
            engine[0] += group_reads * fold.partial.size
            engine[1] += group_writes * fold.partial.size
        else:
            reads, writes = reads + group_reads, writes + group_writes
        per_fold.append((reads * fold.partial.size, writes * fold.partial.size))
    return PsumReplay(tuple(per_fold), requants, engine[0], engine[1])
