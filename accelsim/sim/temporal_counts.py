"""Activity of temporal-coded PEs (FineQ) and of the weight decoder, as action counts.

A PE in a MAC slot is either adding (its pulse is high: one add and one counter step per cycle)
or holding (its pulse ended, or it has none, while the slot lasts for a longer pulse elsewhere):
``array.pulse_cycles`` and ``array.hold_cycles`` count the two, in PE-cycles of the used PEs
over the fold's MAC phase. ``array.pulsed_macs`` counts the MACs with a pulse at all (a zero
weight lets the partial sum pass), ``array.pulse_rewrites`` the pulse cycles after a MAC's
first (each rewrites the register the first one wrote). Decoupled lanes (per_row/per_col) move the
operand that crosses a lane boundary through a FIFO: ``array.fifo_read_bits``. The FineQ
decoder splits every container read from the weight SRAM: ``decoder.container_bits``.
"""

from __future__ import annotations

from accelsim.config.system_spec import SystemSpec
from accelsim.mapping.plan import LayerPlan, TileRun
from accelsim.types import Action, Dataflow, count_key

__all__ = ["decoder_counts", "runs_of", "temporal_counts"]


def runs_of(plan: LayerPlan) -> list[tuple[int, TileRun]]:
    """Every run of the layer with how many folds it stands for."""
    return [(plan.groups * block.repeat * segment.repeat * run.count, run)
            for block in plan.blocks for segment in block.segments for run in segment.runs]


def _fifo_bits(plan: LayerPlan, system: SystemSpec, run: TileRun) -> int:
    """Bits one fold pushes through the lane FIFOs (each boundary of the physical array)."""
    array, bits = system.array, plan.bits
    fold = run.fold
    if array.temporal.policy == "per_row":  # vertical operand: psum (ws/is) or B (os)
        width = bits.weight if plan.dataflow is Dataflow.OS else bits.register_psum
        return fold.stream_len * fold.cols_used * (array.rows - 1) * width
    if array.temporal.policy == "per_col":  # horizontal operand: A (ws/os) or B (is)
        width = bits.weight if plan.dataflow is Dataflow.IS else bits.ifmap
        return fold.stream_len * fold.rows_used * (array.cols - 1) * width
    return 0


def temporal_counts(plan: LayerPlan, system: SystemSpec) -> dict[str, int]:
    """Pulse, hold and FIFO activity of one layer; which MACs had no values to time them."""
    use = plan.temporal
    if use is None:
        return {}
    slot_pe_cycles = fifo = 0
    for folds, run in runs_of(plan):
        fold = run.fold
        phase = run.mac_phase_cycles or 0
        slot_pe_cycles += folds * fold.rows_used * fold.cols_used * phase
        fifo += folds * _fifo_bits(plan, system, run)
    counts = {count_key("array", Action.PULSE_CYCLES): use.pulse_cycles,
              count_key("array", Action.PULSED_MACS): use.pulsed_macs,
              count_key("array", Action.PULSE_REWRITES): use.pulse_cycles - use.pulsed_macs,
              count_key("array", Action.HOLD_CYCLES): slot_pe_cycles - use.pulse_cycles,
              count_key("array", Action.FIFO_READ_BITS): fifo}
    if use.source == "bit_width":
        counts[count_key("array", Action.MACS_WITHOUT_VALUES)] = plan.macs
    elif use.source == "tile_stats":
        counts[count_key("array", Action.MACS_FROM_STATS)] = plan.macs
    return counts


def decoder_counts(plan: LayerPlan) -> dict[str, int]:
    """Container bits the decoder splits: every weight bit read from SRAM into the array."""
    if plan.bits.weight_storage is None:
        return {}
    return {count_key("decoder", Action.CONTAINER_BITS): sum(folds * run.traffic.sram_read_bits[1]
                                          for folds, run in runs_of(plan))}
