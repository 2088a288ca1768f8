"""SCALE-Sim 3.0.0 compatibility mode: its per-layer numbers, computed in closed form and events.

SCALE-Sim issues one *demand row* per array cycle and, for each row, asks the IFMAP, FILTER and
OFMAP SRAMs how late they can serve it; the row's stall is the largest of the three. Rows that
touch no prefetch and no drain stall by zero, so only *event rows* are visited here: rows whose
reads slide a read window (known in advance, they do not depend on time) and rows whose writes
stall or start a drain (found by prefix sums, given the stalls so far).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from accelsim.compat.scalesim.calc_bandwidth import ReadTraffic, calc_traffic, epoch_plan
from accelsim.compat.scalesim.cfg import BandwidthMode, ScaleSimConfig
from accelsim.compat.scalesim.geometry import (
    FoldPlan,
    ScaleSimLayer,
    compute_metrics,
    fold_plan,
)
from accelsim.compat.scalesim.operands import (
    BlockSpec,
    PrefetchStack,
    StackSpec,
    demand_pass,
    demand_ranges,
    dense_layout,
    ofmap_row_counts,
    ofmap_writes,
    operand_matrix,
    prefetch_stack,
    read_blocks,
    stack_specs,
)
from accelsim.compat.scalesim.read_buffer import (
    NO_EVENTS,
    Duplicates,
    Occurrences,
    PrefetchEvents,
    ReadBufferGeometry,
)
from accelsim.compat.scalesim.read_scan import Repeats, prefetch_events
from accelsim.compat.scalesim.repeats import IfmapOccurrences, repeat_gap
from accelsim.compat.scalesim.result import ScaleSimLayerResult
from accelsim.compat.scalesim.write_buffer import RowCounts, WriteBuffer
from accelsim.errors import ConfigError, WorkloadError
from accelsim.types import Operand
from accelsim.workload.layers import Conv2dLayer, GemmLayer, Layer, Workload


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

    def traffic(self) -> ReadTraffic:
        """DRAM reads and their window in USER mode: chained prefetches at the bank bandwidth."""
        return ReadTraffic(self.dram_reads, -self.initial_lines,
                           self.geometry.prefetch_done(self.events.total), self.geometry.bandwidth)


# Address matrices are built in memory (int64) as SCALE-Sim builds them: 2**27 entries (1 GiB)
# covers every real layer (LLaMA-7B's largest weight is 2**25.4) and keeps a typo's
# 10**20-filter layer from becoming a MemoryError.
MAX_MATRIX_ENTRIES = 1 << 27


def _check_matrix_size(entries: int, what: str, file: str, layer: str) -> None:
    if entries > MAX_MATRIX_ENTRIES:
        raise WorkloadError(f"the {what} would have {entries:,} entries; compatibility mode "
                            f"builds it in memory and expected at most {MAX_MATRIX_ENTRIES:,} "
                            "(a smaller layer or array)", file=file, key_path=layer)


def check_supported(cfg: ScaleSimConfig) -> None:
    """Refuse what compatibility mode does not model (sparsity, custom layouts, Ramulator)."""
    unsupported = [
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
    operand overflows the SRAM's active half (otherwise nothing is ever fetched again), and
    only their layout when the stack has no nulls and repeated addresses provably do not
    matter (`repeats.repeat_gap`)."""
    size, bandwidth, entries, offset, may_repeat = _operand_sram(cfg, layer, block.operand)
    geometry = ReadBufferGeometry(size, bandwidth)
    events = NO_EVENTS
    if entries and geometry.may_slide(entries):
        built: list[PrefetchStack] = []

        def values() -> np.ndarray:
            if not built:
                built.append(_prefetch_sequence(cfg, layer, stack, offset))
            return built[0].values

        dense = entries == stack.words
        if dense:
            _prefetch_sequence_size(cfg, layer, stack)
            layout = dense_layout(stack)
        else:
            values()
            layout = built[0].layout
        repeats = None
        if may_repeat:
            occurrences: Callable[[], Occurrences] = (
                (lambda: IfmapOccurrences(layer, plan.dataflow, stack, layout)) if dense
                else (lambda: Duplicates(values())))
            repeats = Repeats(occurrences, repeat_gap(layer, plan.dataflow, stack, entries))
        once = demand_pass(block, plan, layout)
        events = prefetch_events(layout, once.ranges, geometry, repeats, once.passes,
                                 once.pass_rows)
    return _ReadSide(geometry, events, geometry.initial_lines(stack.words))


def _run_rows(reads: tuple[_ReadSide, _ReadSide], writes: WriteBuffer, counts: RowCounts,
              trajectory: list[tuple[int, int]] | None = None) -> tuple[int, int]:
    """Walk the event rows; return (stall cycles, cycle of the last OFMAP write).

    ``trajectory``, if given, receives ``(row, stall after it)`` for every event row."""
    rows = counts.rows
    ifmap, filt = reads[0].events.by_row, reads[1].events.by_row
    ifmap_stall, filt_stall = reads[0].geometry.row_stall, reads[1].geometry.row_stall
    read_rows: list[int] = sorted(ifmap.keys() | filt.keys())
    read_rows.append(rows)
    row, stall, written, last_out, next_read = 0, 0, 0, rows - 1, 0
    while row < rows:
        while read_rows[next_read] < row:
            next_read += 1
        event = min(read_rows[next_read], writes.next_event_row(counts, row, stall, written))
        if event >= rows:
            writes.write_quietly(counts.total - written)
            last_out = rows - 1 + stall
            break
        before, words = counts.before_and_count(event)
        writes.write_quietly(before - written)
        cycle = event + stall
        out = writes.write_row(cycle, words)
        late = out - cycle
        if (moves := ifmap.get(event)) is not None:
            late = max(late, ifmap_stall(cycle, moves[0], moves[1]))
        if (moves := filt.get(event)) is not None:
            late = max(late, filt_stall(cycle, moves[0], moves[1]))
        stall += late
        if trajectory is not None:
            trajectory.append((event, stall))
        last_out, row, written = out, event + 1, before + words
    return stall, last_out


def _operand_sram(cfg: ScaleSimConfig, layer: ScaleSimLayer,
                  operand: Operand) -> tuple[int, int, int, int, bool]:
    """(SRAM words, bank bandwidth, operand entries, address offset, may repeat) of a read SRAM."""
    if operand is Operand.IFMAP:
        return (cfg.sram_words(cfg.ifmap_sram_kb), cfg.ifmap_sram_bank_bandwidth,
                layer.ifmap_entries, cfg.ifmap_offset, layer.ifmap_repeats)
    return (cfg.sram_words(cfg.filter_sram_kb), cfg.filter_sram_bank_bandwidth,
            layer.k * layer.n, cfg.filter_offset, False)


def _prefetch_sequence_size(cfg: ScaleSimConfig, layer: ScaleSimLayer, stack: StackSpec) -> int:
    """Padding of the operand matrix; refuses a matrix too large to build."""
    pad = max(cfg.array_rows, cfg.array_cols)
    rows, cols = (layer.k, layer.n) if stack.operand is Operand.WEIGHT else (layer.m, layer.k)
    _check_matrix_size((rows + pad) * (cols + pad), f"{stack.operand.value} address matrix "
                       f"(padded by {pad} for the array)", cfg.source, layer.name)
    return pad


def _prefetch_sequence(cfg: ScaleSimConfig, layer: ScaleSimLayer, stack: StackSpec,
                       offset: int) -> PrefetchStack:
    pad = _prefetch_sequence_size(cfg, layer, stack)
    return prefetch_stack(stack, operand_matrix(layer, stack.operand, offset, pad))


def _calc_read(cfg: ScaleSimConfig, layer: ScaleSimLayer, plan: FoldPlan, block: BlockSpec,
               stack: StackSpec, trajectory: list[tuple[int, int]]) -> ReadTraffic:
    """CALC mode: the DRAM traffic SCALE-Sim estimates for one read SRAM, given the stall
    trajectory ``(row, stall after it)`` of the event rows."""
    size, _, _, offset, _ = _operand_sram(cfg, layer, block.operand)
    sequence = _prefetch_sequence(cfg, layer, stack, offset)
    epochs = epoch_plan(sequence.values, demand_ranges(block, plan, sequence.layout), size)
    event_rows = np.asarray([row for row, _ in trajectory], dtype=np.int64)
    stalls = np.asarray([0] + [stall for _, stall in trajectory], dtype=np.int64)

    def cycle(rows: np.ndarray) -> np.ndarray:
        return rows + stalls[np.searchsorted(event_rows, rows, side="left")]

    first = int(cycle(np.asarray([epochs.first_row], np.int64))[0])
    return calc_traffic(epochs, cycle(epochs.rows), first, block.operand.value, layer.name)


def simulate_layer(cfg: ScaleSimConfig, layer: ScaleSimLayer) -> ScaleSimLayerResult:
    """SCALE-Sim 3.0.0's report for one topology row under ``cfg`` (USER or CALC mode).

    In CALC mode reads never stall; the OFMAP drains at ``ArrayWidth`` words/cycle and the
    read SRAMs' DRAM traffic is estimated afterwards from the stall trajectory."""
    check_supported(cfg)
    calc = cfg.bandwidth_mode is BandwidthMode.CALC
    plan = fold_plan(layer, cfg.dataflow, cfg.array_rows, cfg.array_cols)
    pairs = tuple(zip(read_blocks(layer, plan), stack_specs(layer, plan), strict=True))
    reads = tuple(_quiet_side(cfg, layer, stack) if calc
                  else _read_side(cfg, layer, plan, block, stack) for block, stack in pairs)
    writes = WriteBuffer(cfg.sram_words(cfg.ofmap_sram_kb), cfg.ofmap_write_bandwidth)
    trajectory: list[tuple[int, int]] | None = [] if calc else None
    total_writes = ofmap_writes(layer, plan)
    if _nothing_stalls(reads, writes, total_writes):  # no row walk, no per-row counts
        writes.write_quietly(total_writes)
        stall, last_out = 0, plan.demand_rows - 1
    else:
        stall, last_out = _run_rows((reads[0], reads[1]), writes, ofmap_row_counts(layer, plan),
                                    trajectory)
    if last_out == 0:
        raise WorkloadError("a one-cycle layer: SCALE-Sim 3.0.0 divides by its zero 'Total "
                            "Cycles' here and reports nothing", key_path=layer.name)
    writes.finish(last_out)
    if trajectory is not None:
        traffic = tuple(_calc_read(cfg, layer, plan, block, stack, trajectory)
                        for block, stack in pairs)
    else:
        traffic = tuple(side.traffic() for side in reads)
    return _result(cfg, layer, plan, (traffic[0], traffic[1]), writes, stall, last_out)


def _nothing_stalls(reads: tuple[_ReadSide, ...], writes: WriteBuffer, total_writes: int) -> bool:
    """Whether no row can stall: no read window slides and the (still empty) OFMAP SRAM holds
    every write without starting a drain. Then `_run_rows` would find no event row: the writes
    can be stored at once and the layer ends at its last demand row."""
    return not any(len(side.events.rows) for side in reads) and writes.holds(total_writes)


def _quiet_side(cfg: ScaleSimConfig, layer: ScaleSimLayer, stack: StackSpec) -> _ReadSide:
    """A read SRAM that never stalls (CALC mode)."""
    size, bandwidth, _, _, _ = _operand_sram(cfg, layer, stack.operand)
    geometry = ReadBufferGeometry(size, bandwidth)
    return _ReadSide(geometry, NO_EVENTS, geometry.initial_lines(stack.words))


def _result(cfg: ScaleSimConfig, layer: ScaleSimLayer, plan: FoldPlan,
            reads: tuple[ReadTraffic, ReadTraffic], writes: WriteBuffer, stall: int,
            total: int) -> ScaleSimLayerResult:
    metrics = compute_metrics(layer, plan)
    ifmap, filt = reads
    ofmap_stop = writes.last_drain_end if writes.last_drain_end is not None else total
    ofmap_start = writes.first_drain_start if writes.first_drain_start is not None else total
    macs_units = cfg.array_rows * cfg.array_cols
    return ScaleSimLayerResult(
        name=layer.name, total_cycles=total, compute_cycles=total - stall, stall_cycles=stall,
        total_cycles_incl_prefetch=ofmap_stop - min(ifmap.dram_start, filt.dram_start),
        overall_util_pct=(layer.macs * 100) / (total * macs_units),
        mapping_efficiency_pct=metrics.mapping_efficiency_pct,
        compute_util_pct=metrics.compute_util_pct, macs=layer.macs,
        ifmap_sram_reads=metrics.ifmap_sram_reads, filter_sram_reads=metrics.filter_sram_reads,
        ofmap_sram_writes=metrics.ofmap_sram_writes, ifmap_dram_reads=ifmap.dram_reads,
        filter_dram_reads=filt.dram_reads, ofmap_dram_writes=writes.dram_writes,
        ifmap_dram_start=ifmap.dram_start, ifmap_dram_stop=ifmap.dram_stop,
        filter_dram_start=filt.dram_start, filter_dram_stop=filt.dram_stop,
        ofmap_dram_start=ofmap_start, ofmap_dram_stop=ofmap_stop,
        ifmap_dram_peak_bw=ifmap.peak_words_per_cycle,
        filter_dram_peak_bw=filt.peak_words_per_cycle,
        ofmap_dram_peak_bw=cfg.ofmap_write_bandwidth)


def _layer_key(layer: ScaleSimLayer) -> tuple[int, ...]:
    return (layer.ifmap_h, layer.ifmap_w, layer.filter_h, layer.filter_w, layer.channels,
            layer.num_filters, layer.stride_h, layer.stride_w)


def check_layers(cfg: ScaleSimConfig, workload: Workload) -> None:
    """Every layer is one compatibility mode runs, with operand matrices it can build."""
    for layer in workload.layers:
        for ss_layer in scalesim_layers(layer):
            for what, entries in (("IFMAP operand matrix", ss_layer.m * ss_layer.k),
                                  ("FILTER operand matrix", ss_layer.k * ss_layer.n),
                                  ("OFMAP operand matrix", ss_layer.m * ss_layer.n)):
                _check_matrix_size(entries, what, workload.source, ss_layer.name)


def simulate_scalesim(cfg: ScaleSimConfig, workload: Workload) -> tuple[ScaleSimLayerResult, ...]:
    """Per-layer results SCALE-Sim 3.0.0 reports for ``workload`` on ``cfg`` -- same cycles,
    stall cycles and access counts -- without its per-cycle simulation."""
    check_supported(cfg)
    check_layers(cfg, workload)
    results: list[ScaleSimLayerResult] = []
    cache: dict[tuple[int, ...], ScaleSimLayerResult] = {}
    for layer in workload.layers:
        for ss_layer in scalesim_layers(layer):
            key = _layer_key(ss_layer)
            if key not in cache:
                cache[key] = simulate_layer(cfg, ss_layer)
            result = cache[key]
            results.append(result if result.name == ss_layer.name
                           else replace(result, name=ss_layer.name))
    return tuple(results)
