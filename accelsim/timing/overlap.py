"""Exact cycles of consecutive ws/is folds with double-buffered stationary registers
(``system.array.fold_overlap: weights``), proved against ``accelsim.reference.overlap``.

Hardware (docs/models.md, "Fold overlap"): every PE holds two stationary registers, buffer 0 and
buffer 1; fold ``g`` uses buffer ``g % 2``. Each streamed operand carries its fold's buffer-select
bit, so a PE multiplies by the buffer its operand names: the swap travels through the array
with the wavefront, and the next fold streams right behind the current one (no drain between
folds). One top-edge weight port per column: preloads are serial. The control signals:

* the preload of fold ``g`` (``Sr_g`` shifts into buffer ``g % 2``) starts in the cycle after the
  previous preload finished **and** after buffer ``g % 2`` is released: fold ``g - 2``'s PEs have
  all done their MACs (MAC counters full), which is observed one cycle later;
* the stream of fold ``g`` starts in the cycle after its preload finished **and** after the
  previous fold's stream has left the feeder (lane 0 presented its last word).

With ``P_g`` the preload start, ``s_g`` the stream start, ``L_g`` the cycle of the last MAC and
``E_g`` the cycle count through the last output capture (``R`` = physical rows)::

    P_g = max(P_{g-1} + F_{g-1},  L_{g-B} + 1,  ready_g)
    s_g = max(P_g + F_g,  s_{g-1} + T_{g-1})
    L_g = s_g + T_g + Sr_g + Sc_g - 3
    E_g = s_g + T_g + Sc_g + R - 1
    cycles = max_g E_g

(terms with a negative index are 0), where ``F_g = ceil(Sr_g / k)`` is the preload of a tile
shifted in ``k`` rows per cycle (``array.preload_rows_per_cycle``: ``k`` weight ports per column,
the array's weight intake). A first fold gives ``F + T + Sc + R - 1`` (``k = 1``: the ``none``
fold). ``B`` is the number of stationary registers per PE (``array.stationary_buffers``; 2 is
double buffering): a buffer is reused by the fold ``B`` later, once every MAC of its fold is done.
In steady state a fold costs ``max(F, T, (T + Sr + Sc - 2) / B)`` roughly: at a few tokens (GEMV,
T = 1..8) the skew of the wavefront through the array (Sr + Sc cycles) exceeds ``B x F`` with two
buffers, so a GEMV-friendly array has more (``B >= (Sr + Sc + T) / F``) and then runs at its
weight intake, ``cols x k`` weights per cycle. ``OverlapClock`` is this recurrence as
shift-invariant max-plus state, so the engine can coalesce runs of identical folds exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from accelsim.errors import SimulationError
from accelsim.timing.folding import FoldShape, check_dataflow
from accelsim.types import Dataflow

__all__ = ["OverlapClock", "fold_sequence_cycles"]


@dataclass(frozen=True)
class OverlapClock:
    """The array's state between folds, in cycles (all shift together).

    ``preload_free``: when the weight port is free (P + F of the last fold);
    ``feed_free``: when the streaming feeder is free (s + T of the last fold);
    ``release``: when the B stationary buffers are free for the next B folds (L + 1 of the
    folds B back .. the last one); ``end``: the latest output capture so far (max E).
    """

    preload_free: int = 0
    feed_free: int = 0
    release: tuple[int, ...] = (0, 0)
    end: int = 0

    @staticmethod
    def empty_at(time: int, buffers: int = 2) -> OverlapClock:
        """An idle array whose next fold pays the full fill (first fold, dependency break)."""
        return OverlapClock(time, time, (time,) * buffers, time)

    def times(self) -> tuple[int, ...]:
        return (self.preload_free, self.feed_free, *self.release, self.end)

    def shifted(self, delta: int) -> OverlapClock:
        return OverlapClock(self.preload_free + delta, self.feed_free + delta,
                            tuple(t + delta for t in self.release), self.end + delta)

    def step(self, rows: int, fold: FoldShape, ready: int | None = None,
             preload_rows: int = 1) -> tuple[OverlapClock, int]:
        """Run one fold whose data is in SRAM at ``ready`` (None: already there), its
        stationary tile shifted in ``preload_rows`` rows per cycle: the new state and the
        fold's E."""
        sr, sc, t = fold.rows_used, fold.cols_used, fold.stream_len
        fill = -(-sr // preload_rows)
        preload = max(self.preload_free, self.release[0])
        if ready is not None:
            preload = max(preload, ready)
        stream = max(preload + fill, self.feed_free)
        last_mac = stream + t + sr + sc - 3
        end = stream + t + sc + rows - 1
        return OverlapClock(preload + fill, stream + t, (*self.release[1:], last_mac + 1),
                            max(self.end, end)), end


def fold_sequence_cycles(
    rows: int, cols: int, folds: Iterable[FoldShape], dataflow: Dataflow,
    preload_rows: int = 1, buffers: int = 2,
) -> int:
    """Cycles of ``folds`` (each shape run ``count`` times, in order) back to back on one array
    with ``buffers`` stationary registers per PE (2: double buffering), from an idle array
    (ws/is only), preloading ``preload_rows`` stationary rows per cycle."""
    if check_dataflow(dataflow) is Dataflow.OS:
        raise SimulationError("fold overlap needs a stationary operand (ws or is), not os")
    clock = OverlapClock.empty_at(0, buffers)
    for fold in folds:
        if fold.rows_used > rows or fold.cols_used > cols or min(
                fold.rows_used, fold.cols_used, fold.stream_len) < 1:
            raise SimulationError(
                f"fold {fold.rows_used}x{fold.cols_used}x{fold.stream_len} does not fit "
                f"a {rows}x{cols} array")
        for _ in range(fold.count):
            clock, _ = clock.step(rows, fold, preload_rows=preload_rows)
    return clock.end
