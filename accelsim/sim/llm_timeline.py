"""The timeline of one LLM round, drawn pass by pass (docs/reram.md): the ``draft_length``
draft passes one after the other, then the target pass that verifies them (with the KV append).

Each row of the round is split evenly over its passes (a draft row holds all of them). Per pass
it occupies the layer track for its share of cycles, and per resource: a chip's array (or its
RS-PNM path, or its nonlinear or rotation unit) for the compute share, each DRAM channel and
ReRAM stack for the time its bits take at that resource's own bandwidth, each D2D channel an
all-gather uses for the whole step. Tracks: ``chiplet<i>.array`` / ``.rs_pnm`` / ``.reram`` /
``.nonlinear`` / ``.rotation``, ``dram<j>``, ``link.c<a>-c<b>``, and ``passes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from accelsim.hardware.system import System
from accelsim.sim.stats import LayerStats, action_of, component_of
from accelsim.timing.links import exact
from accelsim.types import Action

Span = tuple[str, str, int, int]
_FULL = ("nonlinear", "rotation", "link")  # busy for the whole row
_BITS = (Action.READ_BITS, Action.WRITE_BITS)


def _kind(component: str) -> str:
    """``dram``, ``link``, or the on-chip name without its ``chiplet<i>.`` prefix."""
    if component.startswith("link."):
        return "link"
    if component.startswith("dram"):
        return "dram"
    return component.split(".", 1)[1] if component.startswith("chiplet") else component


def _share(total: int, parts: int, index: int) -> int:
    """Part ``index`` of ``total`` split into ``parts`` near-equal integers (they sum back)."""
    return total // parts + (1 if index < total % parts else 0)


def _cycles_per_bit(system: System) -> tuple[Fraction, Fraction | None]:
    """(one DRAM channel, one ReRAM stack) in system cycles per bit."""
    chip, clock = system.chip, exact(system.clock_hz)
    dram = clock / (exact(chip.dram.bandwidth_bits_per_s) * exact(chip.dram.efficiency))
    reram = None if chip.reram is None else \
        clock / exact(chip.reram.derived_bandwidth_bits_per_s)
    return dram, reram


def _busy(component: str, bits: int, row: LayerStats, cycles: int, system: System) -> int:
    """Cycles ``component`` is busy for one pass of ``row`` lasting ``cycles``."""
    dram, reram = _cycles_per_bit(system)
    kind = _kind(component)
    if kind == "dram":
        return min(cycles, int(bits * dram))
    if kind == "reram" and reram is not None:
        return min(cycles, int(bits * reram))
    if kind in _FULL:
        return cycles
    share = Fraction(row.compute_cycles, row.cycles) if row.cycles else Fraction(0)
    return int(cycles * share)


def _tracks(row: LayerStats, passes: int, cycles: int, system: System) -> dict[str, int]:
    """Busy cycles per resource track for one pass of ``row``."""
    bits: dict[str, int] = {}
    for key, value in row.counts.items():
        component, action = component_of(key), action_of(key)
        kind = _kind(component)
        wanted = action in _BITS and kind in ("dram", "reram")
        wanted |= kind in _FULL or (action == Action.MAC and kind == "array")
        if wanted:
            bits[component] = bits.get(component, 0) + value // passes
    if "@rs_pnm" in row.name:
        bits = {(name[:-len("array")] + "rs_pnm" if name.endswith("array") else name): value
                for name, value in bits.items()}
    return {name: _busy(name, value, row, cycles, system) for name, value in bits.items()}


def _draw(rows: Sequence[LayerStats], passes: int, index: int, label: str, now: int,
          system: System, out: tuple[list[tuple[str, int, int]], list[Span]]) -> int:
    """Draw pass ``index`` of ``rows`` from cycle ``now``; returns the cycle it ends at."""
    timeline, spans = out
    start = now
    for row in rows:
        cycles = _share(row.cycles, passes, index)
        name = row.name.split(" x")[0]
        timeline.append((f"{name} [{label}]", now, now + cycles))
        spans.extend((track, name, now, now + busy)
                     for track, busy in sorted(_tracks(row, passes, cycles, system).items())
                     if busy > 0)
        now += cycles
    spans.append(("passes", label, start, now))
    return now


def round_timeline(rows: Sequence[LayerStats], draft_length: int,
                   system: System) -> tuple[tuple[tuple[str, int, int], ...], tuple[Span, ...]]:
    """(layer spans, resource spans) of one round: each draft pass, then the target pass."""
    draft = [row for row in rows if row.name.startswith("draft.")]
    target = [row for row in rows if not row.name.startswith("draft.")]
    out: tuple[list[tuple[str, int, int]], list[Span]] = ([], [])
    now = 0
    passes = draft_length if draft else 0
    for index in range(passes):
        now = _draw(draft, passes, index, f"draft pass {index + 1}", now, system, out)
    _draw(target, 1, 0, "target pass", now, system, out)
    return tuple(out[0]), tuple(out[1])
