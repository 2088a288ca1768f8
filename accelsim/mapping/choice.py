"""One point of a layer's mapping space (``mapping/space.py`` lists the space and explains it).

Kept apart from the space so that the reuse analysis can read a choice without importing the
functions that enumerate them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

FoldOrder = Literal["rows_first", "cols_first"]
FOLD_ORDERS: tuple[FoldOrder, ...] = ("rows_first", "cols_first")


class BufferUse(StrEnum):
    """How one operand's SRAM buffer is used."""

    HALVES = "halves"  # two double-buffer halves
    WHOLE = "whole"  # the whole working set resident, fetched once


class PsumHome(StrEnum):
    """Where partial sums live between K tiles."""

    PE = "pe"  # os: in the PE accumulators
    OFMAP_SRAM = "ofmap_sram"
    PSUM_BUFFER = "psum_buffer"
    DRAM = "dram"


@dataclass(frozen=True)
class LayerMapping:
    """One point of a layer's mapping space (module doc)."""

    fold_order: FoldOrder
    chunk: int
    ifmap: BufferUse = BufferUse.HALVES
    weight: BufferUse = BufferUse.HALVES
    psum_home: PsumHome = PsumHome.OFMAP_SRAM

    def describe(self) -> dict[str, object]:
        """The choice as plain data (the report's ``mapping`` object)."""
        return {"loop_order": self.fold_order, "stream_chunk": self.chunk,
                "residency": {"ifmap": self.ifmap.value, "weight": self.weight.value},
                "psum_home": self.psum_home.value}
