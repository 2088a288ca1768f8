"""The local rotation unit's timing and counts (LRU, ISSCC 2026 31.1; docs/reram.md).

A local FWHT of 2^depth points is depth butterfly stages: one add or subtract per element per
stage. With overlapping rotations every element goes through two of them. The unit takes
``lanes`` elements per cycle, fully pipelined, and runs before the projection it feeds (not
overlapped with it: an upper bound on its time).
"""

from __future__ import annotations

from accelsim.config.rotation_spec import RotationSpec
from accelsim.types import Action, count_key


def _passes(unit: RotationSpec) -> int:
    return 2 if unit.overlapping else 1


def rotation_cycles(elements: int, unit: RotationSpec) -> int:
    """Cycles to rotate ``elements`` activations: the pipeline fill plus one cycle per
    ``lanes`` elements per rotation."""
    if not elements:
        return 0
    return unit.depth + -(-elements * _passes(unit) // unit.lanes)


def rotation_counts(elements: int, unit: RotationSpec) -> dict[str, int]:
    """Butterfly add/subtract operations of rotating ``elements`` activations."""
    return {count_key("rotation", Action.BUTTERFLY_OPS): elements * unit.depth * _passes(unit)}
