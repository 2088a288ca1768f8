"""The systolic array and its SRAM buffers as action counters (no energy: that is cost/).

Given a mapped layer, this module says how many cycles each tile really keeps the array busy
(the array's own fold cycles, or longer when an SRAM buffer cannot deliver the tile's bits in
time) and counts the actions the cost layer prices.
"""

from __future__ import annotations

from accelsim.config.system_spec import SramBufferSpec, SystemSpec
from accelsim.mapping.plan import LayerPlan, TileRun
from accelsim.mapping.reuse import FoldTrafficBits
from accelsim.sim.psum_counts import PSUM_KEYS, psum_port_cycles
from accelsim.sim.temporal_counts import decoder_counts, temporal_counts
from accelsim.timing.systolic import fold_cycles
from accelsim.timing.temporal import temporal_fold_cycles
from accelsim.types import Action, Operand, count_key

OPERANDS: tuple[Operand, ...] = (Operand.IFMAP, Operand.WEIGHT, Operand.OFMAP)

# The keys this module counts, built once (the layer walk is the engine's hot loop).
_MAC = count_key("array", Action.MAC)
_PE_BUSY = count_key("array", Action.PE_BUSY_CYCLES)
_REG_WRITES = count_key("array", Action.REG_WRITE_BITS)
_DRAM_READS = count_key("dram", Action.READ_BITS)
_DRAM_WRITES = count_key("dram", Action.WRITE_BITS)
_SRAM_KEYS: tuple[tuple[str, str], ...] = tuple(
    (count_key(f"sram.{operand.value}", Action.READ_BITS),
     count_key(f"sram.{operand.value}", Action.WRITE_BITS)) for operand in OPERANDS)
# What one fold's traffic adds, in the order the counts list them (``_fold_values``).
_FOLD_KEYS: tuple[str, ...] = (_DRAM_READS, _DRAM_WRITES,
                               *(key for pair in _SRAM_KEYS for key in pair), *PSUM_KEYS)


def _ceil_div(num: float, den: float) -> int:
    return int(-(-num // den))


def _port_cycles(buffer: SramBufferSpec, read_bits: int, write_bits: int) -> int:
    read_rate = buffer.width_bits * buffer.banks * buffer.read_ports
    write_rate = buffer.width_bits * buffer.banks * buffer.write_ports
    return max(_ceil_div(read_bits, read_rate), _ceil_div(write_bits, write_rate))


def array_cycles(run: TileRun, system: SystemSpec) -> int:
    """Cycles of one fold of ``run`` on the array alone (timing); a temporal-coded
    fold's MAC slots take its ``mac_phase_cycles``."""
    array = system.array
    if run.mac_phase_cycles is not None:
        return temporal_fold_cycles(array.rows, array.cols, run.fold, array.dataflow,
                                    run.mac_phase_cycles)
    return fold_cycles(array.rows, array.cols, run.fold, array.dataflow,
                       array.preload_rows_per_cycle)


def busy_cycles(run: TileRun, system: SystemSpec) -> int:
    """Cycles one fold of ``run`` occupies the array: its fold cycles, or the SRAM port time.

    Fills from DRAM use the buffers' write ports, the array's operand reads their read ports;
    a PSUM buffer's read-modify-writes use its own ports (sim/psum_counts.py).
    """
    limit = max(array_cycles(run, system), psum_port_cycles(run.traffic, system))
    for index, operand in enumerate(OPERANDS):
        buffer = system.sram.buffer_for(operand)
        limit = max(limit, _port_cycles(buffer, run.traffic.sram_read_bits[index],
                                         run.traffic.sram_write_bits[index]))
    return limit


def _add(counts: dict[str, int], key: str, value: int) -> None:
    if value:
        counts[key] = counts.get(key, 0) + value


def _fold_values(traffic: FoldTrafficBits) -> tuple[int, ...]:
    """One fold's counted bits and operations, in the order of ``_FOLD_KEYS``."""
    reads, writes = traffic.sram_read_bits, traffic.sram_write_bits
    return (traffic.dram_read_bits, traffic.dram_write_bits, reads[0], writes[0], reads[1],
            writes[1], reads[2], writes[2], traffic.psum_read_bits, traffic.psum_write_bits,
            traffic.requant_ops, traffic.engine_read_bits, traffic.engine_write_bits)


def _traffic_counts(plan: LayerPlan, counts: dict[str, int]) -> None:
    """Add every fold's traffic to ``counts``: each key enters at the first fold that moves
    some of it (the order of a fold-by-fold walk), zeros left out."""
    totals = [0] * len(_FOLD_KEYS)
    order: list[int] = []
    for block in plan.blocks:
        for segment in block.segments:
            for run in segment.runs:
                folds = plan.groups * block.repeat * segment.repeat * run.count
                if not folds:
                    continue
                for index, value in enumerate(_fold_values(run.traffic)):
                    if value:  # counts are never negative: a zero total is a first sight
                        if not totals[index]:
                            order.append(index)
                        totals[index] += folds * value
    for index in order:
        counts[_FOLD_KEYS[index]] = totals[index]


def layer_counts(plan: LayerPlan, system: SystemSpec, compute_cycles: int) -> dict[str, int]:
    """Action counts of a whole layer (see sim/stats.py for the keys)."""
    counts: dict[str, int] = {}
    pe_count = system.array.rows * system.array.cols
    _add(counts, _MAC, plan.macs)
    _add(counts, _PE_BUSY, pe_count * compute_cycles)
    _add(counts, _REG_WRITES, plan.reg_write_bits)
    _traffic_counts(plan, counts)
    for key, value in (*temporal_counts(plan, system).items(), *decoder_counts(plan).items()):
        _add(counts, key, value)
    return counts
