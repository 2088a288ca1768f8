"""SCALE-Sim 3.0.0 compatibility mode: its per-layer numbers, computed in closed form and events.

SCALE-Sim issues one *demand row* per array cycle and, for each row, asks the IFMAP, FILTER and
OFMAP SRAMs how late they can serve it; the row's stall is the largest of the three. Rows that
touch no prefetch and no drain stall by zero, so only *event rows* are visited here: rows whose
reads slide a read window (known in advance, they do not depend on time) and rows whose writes
stall or start a drain (found by prefix sums, given the stalls so far).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from accelsim.compat.scalesim.cfg import BandwidthMode, ScaleSimConfig
from accelsim.compat.scalesim.geometry import (
    FoldPlan,
    ScaleSimLayer,
    compute_metrics,
    fold_plan,
)
from accelsim.compat.scalesim.operands import (
    BlockSpec,
    StackSpec,
    demand_ranges,
    ofmap_row_counts,
    operand_matrix,
    prefetch_stack,
    read_blocks,
    stack_specs,
)
from accelsim.compat.scalesim.read_buffer import (
    NO_EVENTS,
    PrefetchEvents,
    ReadBufferGeometry,
    prefetch_events,
)
from accelsim.compat.scalesim.write_buffer import RowCounts, WriteBuffer
from accelsim.errors import ConfigError, WorkloadError
from accelsim.types import Operand
from accelsim.workload.layers import Conv2dLayer, GemmLayer, Layer, Workload

_WORD_BITS = 8


@dataclass(frozen=True)
class ScaleSimLayerResult:
    """One layer as SCALE-Sim 3.0.0 reports it (USER bandwidth mode).

    SCALE-Sim's names differ from ours: its COMPUTE_REPORT "Total Cycles" (printed as "Compute
    cycles") *includes* stalls and is ``total_cycles`` here; its "Total Cycles (incl. prefetch)"
    (printed as "Total cycles") is ``total_cycles_incl_prefetch``. ``compute_cycles`` is the
    stall-free part, so ``total_cycles == compute_cycles + stall_cycles``.
    """

    name: str
    total_cycles: int
    compute_cycles: int
    stall_cycles: int
    total_cycles_incl_prefetch: int
    overall_util_pct: float
    mapping_efficiency_pct: float
    compute_util_pct: float
    macs: int
    ifmap_sram_reads: int
    filter_sram_reads: int
    ofmap_sram_writes: int
    ifmap_dram_reads: int
    filter_dram_reads: int
    ofmap_dram_writes: int
    ifmap_dram_start: int
    ifmap_dram_stop: int
    filter_dram_start: int
    filter_dram_stop: int
    ofmap_dram_start: int
    ofmap_dram_stop: int

    def counts(self) -> dict[str, int]:
        """Action counts in accelsim's ``component.action`` form (1-byte words -> bits)."""
        return {
            "array.mac": self.macs,
            "sram.ifmap.read_bits": self.ifmap_sram_reads * _WORD_BITS,
            "sram.weight.read_bits": self.filter_sram_reads * _WORD_BITS,
            "sram.ofmap.write_bits": self.ofmap_sram_writes * _WORD_BITS,
            "dram.read_bits": (self.ifmap_dram_reads + self.filter_dram_reads) * _WORD_BITS,
            "dram.write_bits": self.ofmap_dram_writes * _WORD_BITS,
        }


@dataclass(frozen=True)
class _ReadSide:
    """Everything about one read SRAM in one layer that timing needs."""

    geometry: ReadBufferGeometry
    events: PrefetchEvents
    initial_lines: int

    @property
    def dram_reads(self) -> int:
        per_line = self.geometry.bandwidth
        return per_line * (self.initial_lines
                           + self.events.total * self.geometry.lines_per_prefetch)

    def stall(self, row: int, cycle: int) -> int:
        """Stall of ``row`` issued at ``cycle`` (0 unless the row slides the window)."""
        idx = int(np.searchsorted(self.events.rows, row))
        if idx == len(self.events.rows) or self.events.rows[idx] != row:
            return 0
        return self.geometry.row_stall(cycle, int(self.events.k_before[idx]),
                                       int(self.events.k_after[idx]))


# Address matrices are built in memory (int64) as SCALE-Sim builds them: 2**27 entries (1 GiB)
# covers every real layer (LLaMA-7B's largest weight is 2**25.4) and keeps a typo's
# 10**20-filter layer from becoming a MemoryError.
MAX_MATRIX_ENTRIES = 1 << 27


def _check_matrix_size(entries: int, what: str, file: str, layer: str) -> None:
    if entries > MAX_MATRIX_ENTRIES:
        raise WorkloadError(f"the {what} would have {entries:,} entries; compatibility mode "
                            f"builds it in memory and expected at most {MAX_MATRIX_ENTRIES:,} "
                            "(a smaller layer or array)", file=file, key_path=layer)


def _check_supported(cfg: ScaleSimConfig) -> None:
    unsupported = [
        (cfg.bandwidth_mode is not BandwidthMode.USER, "run_presets.InterfaceBandwidth",
         "compatibility mode reproduces InterfaceBandwidth: USER only"),
        (cfg.use_ramulator_trace, "run_presets.UseRamulatorTrace",
         "Ramulator DRAM traces are not supported in compatibility mode"),
        (cfg.sparsity_support, "sparsity.SparsitySupport",
         "sparsity is not supported in compatibility mode"),
        (cfg.ifmap_custom_layout, "layout.IfmapCustomLayout",
         "custom SRAM layouts are not supported in compatibility mode"),
        (cfg.filter_custom_layout, "layout.FilterCustomLayout",
         "custom SRAM layouts are not supported in compatibility mode"),
    ]
    for bad, key, message in unsupported:
        if bad:
            raise ConfigError(message, file=cfg.source, key_path=key)


def scalesim_layers(layer: Layer) -> Iterator[ScaleSimLayer]:
    """The SCALE-Sim topology rows a layer stands for (padding folded into the IFMAP, one row
    per group as SCALE-Sim's ``DP`` layers, one per GEMM batch)."""
    if isinstance(layer, GemmLayer):
        for index in range(layer.batch):
            name = layer.name if layer.batch == 1 else f"{layer.name}_{index}"
            yield ScaleSimLayer(name, layer.m, layer.k, 1, layer.k, 1, layer.n, 1, 1)
        return
    if not isinstance(layer, Conv2dLayer):
        raise WorkloadError(f"SCALE-Sim compatibility mode runs conv and GEMM layers only, not "
                            f"'{layer.op}'", key_path=layer.name)
    for group in range(layer.groups):
        name = layer.name if layer.groups == 1 else f"{layer.name}Channel_{group}"
        yield ScaleSimLayer(name, layer.ifmap_h + 2 * layer.pad_h,
                            layer.ifmap_w + 2 * layer.pad_w, layer.filter_h, layer.filter_w,
                            layer.channels // layer.groups, layer.num_filters // layer.groups,
                            layer.stride_h, layer.stride_w)


def _read_side(cfg: ScaleSimConfig, layer: ScaleSimLayer, plan: FoldPlan, block: BlockSpec,
               stack: StackSpec) -> _ReadSide:
    """Prefetch events of one read SRAM; the address streams are only built when the
    operand overflows the SRAM's active half (otherwise nothing is ever fetched again)."""
    if block.operand is Operand.IFMAP:
        size, bandwidth = cfg.sram_words(cfg.ifmap_sram_kb), cfg.ifmap_sram_bank_bandwidth
        entries, offset, may_repeat = layer.ifmap_entries, cfg.ifmap_offset, layer.ifmap_repeats
    else:
        size, bandwidth = cfg.sram_words(cfg.filter_sram_kb), cfg.filter_sram_bank_bandwidth
        entries, offset, may_repeat = layer.k * layer.n, cfg.filter_offset, False
    geometry = ReadBufferGeometry(size, bandwidth)
    events = NO_EVENTS
    if entries and geometry.may_slide(entries):
        pad = max(cfg.array_rows, cfg.array_cols)
        rows, cols = (layer.k, layer.n) if stack.operand is Operand.WEIGHT else (layer.m, layer.k)
        _check_matrix_size((rows + pad) * (cols + pad), f"{stack.operand.value} address matrix "
                           f"(padded by {pad} for the array)", cfg.source, layer.name)
        sequence = prefetch_stack(stack, operand_matrix(layer, stack.operand, offset, pad))
        events = prefetch_events(sequence, demand_ranges(block, plan, sequence), geometry,
                                 may_repeat)
    return _ReadSide(geometry, events, geometry.initial_lines(stack.words))


def _run_rows(reads: tuple[_ReadSide, _ReadSide], writes: WriteBuffer,
              counts: RowCounts) -> tuple[int, int]:
    """Walk the event rows; return (stall cycles, cycle of the last OFMAP write)."""
    rows = counts.rows
    read_rows = np.union1d(reads[0].events.rows, reads[1].events.rows)
    row, stall, last_out, next_read = 0, 0, rows - 1, 0
    while row < rows:
        while next_read < len(read_rows) and read_rows[next_read] < row:
            next_read += 1
        read_row = int(read_rows[next_read]) if next_read < len(read_rows) else rows
        event = min(read_row, writes.next_event_row(counts, row, stall))
        if event >= rows:
            writes.write_quietly(counts.total - counts.before(row))
            last_out = rows - 1 + stall
            break
        writes.write_quietly(counts.before(event) - counts.before(row))
        cycle = event + stall
        out = writes.write_row(cycle, counts.count(event))
        stall += max(reads[0].stall(event, cycle), reads[1].stall(event, cycle), out - cycle)
        last_out = out
        row = event + 1
    return stall, last_out


def simulate_layer(cfg: ScaleSimConfig, layer: ScaleSimLayer) -> ScaleSimLayerResult:
    """SCALE-Sim 3.0.0's report for one topology row under ``cfg`` (USER bandwidth mode)."""
    _check_supported(cfg)
    plan = fold_plan(layer, cfg.dataflow, cfg.array_rows, cfg.array_cols)
    reads = [_read_side(cfg, layer, plan, block, stack)
             for block, stack in zip(read_blocks(layer, plan), stack_specs(layer, plan),
                                     strict=True)]
    writes = WriteBuffer(cfg.sram_words(cfg.ofmap_sram_kb), cfg.ofmap_write_bandwidth)
    stall, last_out = _run_rows((reads[0], reads[1]), writes, ofmap_row_counts(layer, plan))
    if last_out == 0:
        raise WorkloadError("a one-cycle layer: SCALE-Sim 3.0.0 divides by its zero 'Total "
                            "Cycles' here and reports nothing", key_path=layer.name)
    writes.finish(last_out)
    return _result(cfg, layer, plan, (reads[0], reads[1]), writes, stall, last_out)


def _result(cfg: ScaleSimConfig, layer: ScaleSimLayer, plan: FoldPlan,
            reads: tuple[_ReadSide, _ReadSide], writes: WriteBuffer, stall: int,
            total: int) -> ScaleSimLayerResult:
    metrics = compute_metrics(layer, plan)
    ifmap, filt = reads
    ofmap_stop = writes.last_drain_end if writes.last_drain_end is not None else total
    ofmap_start = writes.first_drain_start if writes.first_drain_start is not None else total
    macs_units = cfg.array_rows * cfg.array_cols
    return ScaleSimLayerResult(
        name=layer.name, total_cycles=total, compute_cycles=total - stall, stall_cycles=stall,
        total_cycles_incl_prefetch=ofmap_stop + max(ifmap.initial_lines, filt.initial_lines),
        overall_util_pct=(layer.macs * 100) / (total * macs_units),
        mapping_efficiency_pct=metrics.mapping_efficiency_pct,
        compute_util_pct=metrics.compute_util_pct, macs=layer.macs,
        ifmap_sram_reads=metrics.ifmap_sram_reads, filter_sram_reads=metrics.filter_sram_reads,
        ofmap_sram_writes=metrics.ofmap_sram_writes, ifmap_dram_reads=ifmap.dram_reads,
        filter_dram_reads=filt.dram_reads, ofmap_dram_writes=writes.dram_writes,
        ifmap_dram_start=-ifmap.initial_lines,
        ifmap_dram_stop=ifmap.geometry.prefetch_done(ifmap.events.total),
        filter_dram_start=-filt.initial_lines,
        filter_dram_stop=filt.geometry.prefetch_done(filt.events.total),
        ofmap_dram_start=ofmap_start, ofmap_dram_stop=ofmap_stop)


def simulate_scalesim(cfg: ScaleSimConfig, workload: Workload) -> tuple[ScaleSimLayerResult, ...]:
    """Per-layer results SCALE-Sim 3.0.0 reports for ``workload`` on ``cfg`` -- same cycles,
    stall cycles and access counts -- without its per-cycle simulation."""
    _check_supported(cfg)
    results: list[ScaleSimLayerResult] = []
    cache: dict[tuple[int, ...], ScaleSimLayerResult] = {}
    for layer in workload.layers:
        for ss_layer in scalesim_layers(layer):
            key = (ss_layer.ifmap_h, ss_layer.ifmap_w, ss_layer.filter_h, ss_layer.filter_w,
                   ss_layer.channels, ss_layer.num_filters, ss_layer.stride_h, ss_layer.stride_w)
            if key not in cache:
                for what, entries in (("IFMAP operand matrix", ss_layer.m * ss_layer.k),
                                      ("FILTER operand matrix", ss_layer.k * ss_layer.n),
                                      ("OFMAP operand matrix", ss_layer.m * ss_layer.n)):
                    _check_matrix_size(entries, what, workload.source, ss_layer.name)
                cache[key] = simulate_layer(cfg, ss_layer)
            results.append(replace(cache[key], name=ss_layer.name))
    return tuple(results)
