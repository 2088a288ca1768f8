"""The fetch -> compute -> write-back pipeline of one array, as an exact max-plus recurrence.

Per fold ``f`` with array cycles ``P``, DRAM read bits ``r`` and write bits ``w``:

* the fold's inputs go into one of ``slots`` SRAM halves (2 when double-buffered, else 1), free
  once fold ``f - slots`` has finished computing;
* one DRAM transaction per fold carries its reads plus the write-back of fold ``f - slots``'s
  outputs (they left that slot); it starts when the channel and the slot are free and occupies the
  channel ``ceil(bits * clock / bandwidth)`` cycles; read data arrives ``latency`` cycles later;
* the fold computes once its data arrived and the previous fold finished.

Stalls are the cycles the array waits. Repeated units of work (runs of identical folds, repeated
segments) are *coalesced*: as soon as one unit shifts the whole state uniformly by ``d`` cycles,
every later identical unit does too (the recurrence is shift-invariant), so the remaining ``k``
units are applied as one jump of ``k * d``. The cost of a run therefore grows with the number of
distinct tiles and transients, not with folds or cycles.

With ``fold_overlap: weights`` (``OverlapTrack``) a fold does not wait for the previous one to
end: its preload and stream follow ``accelsim.timing.overlap`` (``ready`` gates its preload),
its end is its last output capture, and ``compute_cycles`` is the same fold sequence with no
memory stall. A fold that fetches nothing (its data resident) waits for no SRAM slot; one that
fetches waits, as without overlap, for the end (last capture) of the fold that used its slot.
A fold held up by SRAM ports (busy > its fold cycles) runs alone: it starts on an idle array
and the next fold pays the full fill again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from accelsim.timing.folding import FoldShape
from accelsim.timing.overlap import OverlapClock


@dataclass(frozen=True)
class Channel:
    """The DRAM interface as the pipeline sees it, in cycles."""

    cycles_per_bit: Fraction
    latency_cycles: int
    slots: int

    def transfer_cycles(self, bits: int) -> int:
        """Cycles the channel is busy moving ``bits`` (ceil)."""
        if bits <= 0:
            return 0
        rate = self.cycles_per_bit  # ceil(bits * p / q) in integers, no Fraction built
        return -(-(bits * rate.numerator) // rate.denominator)


@dataclass
class OverlapTrack:
    """The array's fold-overlap state: the real clock (memory stalls included) and the same
    folds with no stall, kept relative to its own end (it decides ``compute_cycles``)."""

    rows: int
    preload_rows: int = 1
    buffers: int = 2
    clock: OverlapClock = field(default_factory=OverlapClock)
    ideal: OverlapClock = field(default_factory=OverlapClock)

    def __post_init__(self) -> None:
        self.clock = OverlapClock.empty_at(0, self.buffers)
        self.ideal = OverlapClock.empty_at(0, self.buffers)

    def commit(self, fold: FoldShape, ready: int | None, array_cycles: int, busy_cycles: int
               ) -> tuple[int, int]:
        """Run one fold whose data is in SRAM at ``ready`` (None: resident): (its end, its
        compute cycles)."""
        if busy_cycles > array_cycles:  # SRAM-port limited: runs alone on an idle array
            end = max(self.clock.end, ready or 0) + busy_cycles
            self.clock = OverlapClock.empty_at(end, self.buffers)
            self.ideal = OverlapClock.empty_at(0, self.buffers)
            return end, array_cycles
        self.clock, end = self.clock.step(self.rows, fold, ready, self.preload_rows)
        ideal, _ = self.ideal.step(self.rows, fold, preload_rows=self.preload_rows)
        self.ideal = ideal.shifted(-ideal.end)
        return end, ideal.end


@dataclass
class PipelineState:
    """Mutable state of the recurrence for one layer (times in cycles)."""

    channel: Channel
    dram_free: int = 0
    compute_end: deque[int] = field(default_factory=deque)
    pending_write_bits: deque[int] = field(default_factory=deque)
    compute_cycles: int = 0
    folds_stepped: int = 0
    jumps: int = 0
    overlap: OverlapTrack | None = None

    def snapshot(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(times, non-time state): what decides the future of the recurrence."""
        if self.overlap is None:
            return ((self.dram_free, *self.compute_end), tuple(self.pending_write_bits))
        return ((self.dram_free, *self.compute_end, *self.overlap.clock.times()),
                (*self.pending_write_bits, *self.overlap.ideal.times()))

    def shift(self, delta: int) -> None:
        """Move every time forward by ``delta`` (a coalesced jump)."""
        self.dram_free += delta
        self.compute_end = deque(t + delta for t in self.compute_end)
        if self.overlap is not None:
            self.overlap.clock = self.overlap.clock.shifted(delta)

    @property
    def last_end(self) -> int:
        """When the most recent fold finished computing (with overlap: the latest end)."""
        if self.overlap is not None:
            return self.overlap.clock.end
        return self.compute_end[-1] if self.compute_end else 0


def fetch_over_dram(state: PipelineState, read_bits: int) -> tuple[int, int]:
    """Issue the fold's DRAM transaction (its reads plus the carried write-back).

    Returns (when its SRAM slot was free, when its DRAM data has arrived)."""
    channel = state.channel
    full = len(state.compute_end) == channel.slots
    slot_free = state.compute_end[0] if full else 0
    carried = state.pending_write_bits[0] if full else 0
    issue = max(state.dram_free, slot_free)
    state.dram_free = issue + channel.transfer_cycles(read_bits + carried)
    return slot_free, state.dram_free + channel.latency_cycles if read_bits else issue


def commit_fold(state: PipelineState, ready: int | None, array_cycles: int, busy_cycles: int,
                write_bits: int, fold: FoldShape | None = None) -> None:
    """Compute the fold once its data is ``ready`` and the previous fold is done (with
    overlap: as the overlap recurrence allows; ``fold`` is then its shape); record it."""
    if state.overlap is None:
        if ready is None:
            raise ValueError("a fold without overlap needs its ready time")
        end = max(state.last_end, ready) + busy_cycles
    else:
        if fold is None:
            raise ValueError("an overlapped fold needs its shape")
        end, array_cycles = state.overlap.commit(fold, ready, array_cycles, busy_cycles)
    if len(state.compute_end) == state.channel.slots:
        state.compute_end.popleft()
        state.pending_write_bits.popleft()
    state.compute_end.append(end)
    state.pending_write_bits.append(write_bits)
    state.compute_cycles += array_cycles
    state.folds_stepped += 1


def step_fold(state: PipelineState, array_cycles: int, busy_cycles: int,
              read_bits: int, write_bits: int, fold: FoldShape | None = None) -> None:
    """Advance the recurrence by one fold (``busy_cycles >= array_cycles`` when SRAM-limited)."""
    _, ready = fetch_over_dram(state, read_bits)
    commit_fold(state, overlap_ready(state, ready, read_bits), array_cycles, busy_cycles,
                write_bits, fold)


def overlap_ready(state: PipelineState, ready: int, fetched_bits: int) -> int | None:
    """With overlap, a fold that fetches nothing waits for no SRAM slot (None: its data is
    resident); otherwise, and always without overlap, ``ready``."""
    return None if state.overlap is not None and not fetched_bits else ready


MAX_PERIOD = 4  # units; a steady state that cycles through up to this many states is found


def _uniform_delta(before: tuple[int, ...], after: tuple[int, ...]) -> int | None:
    """The one shift taking every time of ``before`` to ``after``, or None."""
    if len(before) != len(after) or not before:
        return None
    delta = after[0] - before[0]
    for a, b in zip(after, before, strict=True):
        if a - b != delta:
            return None
    return delta


def repeat_unit(state: PipelineState, unit: Callable[[], None], repeat: int) -> None:
    """Apply ``unit`` (a function advancing ``state``) ``repeat`` times, coalescing.

    Once the state after unit ``r`` equals the state after unit ``r - p`` shifted uniformly by
    ``d`` cycles (same non-time state; p <= MAX_PERIOD), every later period does the same (the
    recurrence is shift-invariant), so whole periods are applied as one jump and only the
    leftover units are stepped.
    """
    history: list[tuple[tuple[int, ...], tuple[int, ...], int]] = [
        (*state.snapshot(), state.compute_cycles)]
    done = 0
    while done < repeat:
        unit()
        done += 1
        times, other = state.snapshot()
        history.append((times, other, state.compute_cycles))
        remaining = repeat - done
        for period in range(1, min(MAX_PERIOD, len(history) - 1) + 1):
            old_times, old_other, old_cycles = history[-1 - period]
            delta = _uniform_delta(old_times, times) if old_other == other else None
            if delta is None or remaining < period:
                continue
            periods = remaining // period
            state.shift(delta * periods)
            state.compute_cycles += (state.compute_cycles - old_cycles) * periods
            state.jumps += 1
            done += periods * period
            history = [(*state.snapshot(), state.compute_cycles)]
            break


def finish(state: PipelineState) -> int:
    """Write back the outputs still in the buffers; return the layer's total cycles."""
    for end, bits in zip(state.compute_end, state.pending_write_bits, strict=True):
        if bits:
            issue = max(state.dram_free, end)
            state.dram_free = issue + state.channel.transfer_cycles(bits)
    return max(state.last_end, state.dram_free)
