"""Runs MoE FFN schedules (mapping/moe.py) on the chiplet fabric, one SimPy event per DRAM
load, D2D transfer and compute task, and collects cycles, counts, buffers and timeline spans.

A chiplet's share of an expert slice is timed by the single-array model (``plan_layer`` +
``time_layer``): its ``compute_cycles`` (the array alone; the weights are already in the
chiplet's buffer, staged by the explicit DRAM and D2D transfers here).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, replace
from typing import Any

import simpy

from accelsim.config.run_spec import MappingSpec, SimSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.errors import SimulationError
from accelsim.hardware.links import nearest, ring_order
from accelsim.mapping.moe import MoePlan, Placement, SliceTask, Stop, plan_moe_layer
from accelsim.mapping.plan import plan_layer
from accelsim.mapping.run_plan import MoeRunPlan
from accelsim.sim.array_counts import layer_counts
from accelsim.sim.chiplets import Fabric
from accelsim.sim.engine import time_layer
from accelsim.sim.stats import LayerStats, SimStats
from accelsim.workload.layers import GemmLayer
from accelsim.workload.moe import MoeModel


def placement_of(fabric: Fabric) -> Placement:
    """The topology facts the MoE schedules use."""
    topology = fabric.topology
    chips = range(topology.count)
    return Placement(topology.count, fabric.drams,
                     tuple(nearest(topology, c, fabric.drams) for c in chips),
                     ring_order(topology),
                     tuple(tuple(len(topology.hops(a, b)) for b in chips) for a in chips))


@dataclass(frozen=True)
class Task:
    """Cycles and action counts of one (tokens x slice) compute."""

    cycles: int
    counts: dict[str, int]


class ComputeTimer:
    """Times ``tokens`` tokens through ``ffn`` columns of an expert (cached per shape)."""

    def __init__(self, system: SystemSpec, mapping: MappingSpec, model: MoeModel,
                 ideal: bool = False) -> None:
        self._system, self._mapping, self._model = system, mapping, model
        self._ideal = ideal
        self._cache: dict[tuple[int, int], Task] = {}

    def __call__(self, tokens: int, ffn: int) -> Task:
        key = (tokens, ffn)
        if key not in self._cache:
            model = self._model
            layers = [GemmLayer("down", tokens, model.d_model, ffn)]
            if model.matrices > 1:
                layers.append(GemmLayer("up", tokens, ffn, model.d_model,
                                        batch=model.matrices - 1))
            cycles, counts = 0, {}
            for layer in layers:
                plan = plan_layer(layer, self._system, self._mapping)
                timing = time_layer(plan, self._system)
                cycles += timing.compute_cycles
                for name, value in layer_counts(plan, self._system,
                                                timing.compute_cycles).items():
                    if not name.startswith("dram."):  # DRAM traffic is the fabric's own
                        counts[name] = counts.get(name, 0) + value
            if self._ideal:
                pes = self._system.array.rows * self._system.array.cols
                cycles = -(-tokens * ffn * model.weights_per_expert // model.expert_ffn // pes)
            self._cache[key] = Task(cycles, counts)
        return self._cache[key]


@dataclass
class _Layer:
    """What the processes of one MoE layer share."""

    fabric: Fabric
    plan: MoePlan
    timer: ComputeTimer
    token_bits: int
    out_bits: int
    ready: dict[int, simpy.Event]
    tail: list[simpy.Process]


def _after_compute(layer: _Layer, expert: int, chiplet: int) -> None:
    """EP: the expert's dispatched tokens leave the buffer; its outputs go home."""
    fabric = layer.fabric
    for m in layer.plan.dispatch:
        if m.expert == expert and m.dst == chiplet:
            fabric.buffers.add(chiplet, -m.tokens * layer.token_bits)
            layer.tail.append(fabric.env.process(fabric.transfer(
                chiplet, m.src, m.tokens * layer.out_bits, f"outputs e{expert}")))


def _backlog(fabric: Fabric, chiplet: int) -> int:
    """Compute tasks running or waiting on ``chiplet``'s array."""
    array = fabric.arrays[chiplet]
    return array.count + len(array.queue)


def next_stop(fabric: Fabric, here: int, left: list[Stop]) -> Stop:
    """The dynamic trajectory's next stop: the chiplet with the least work queued on its
    array (fewest hops from ``here``, then lowest id, on a tie)."""
    topology = fabric.topology
    return min(left, key=lambda s: (_backlog(fabric, s.chiplet),
                                    len(topology.hops(here, s.chiplet)), s.chiplet))


def _stops(layer: _Layer, task: SliceTask, here: int) -> Generator[Stop, None, None]:
    """The slice's stops: in plan order, or (dynamic) each chosen when the slice is ready."""
    if not layer.plan.dynamic:
        yield from task.stops
        return
    left = list(task.stops)
    while left:
        stop = next_stop(layer.fabric, here, left)
        left.remove(stop)
        here = stop.chiplet
        yield stop


def _slice(layer: _Layer, task: SliceTask, slot: simpy.Resource,
           request: simpy.Event) -> Generator[simpy.Event, None, None]:
    fabric = layer.fabric
    label = f"e{task.expert}.s{task.index}"
    # The buffer is allocated where the slice is first used, when the DRAM starts loading it
    # (dynamic: on the DRAM chiplet, the first stop is chosen when the data is there); a DRAM
    # chiplet that is not a stop forwards the slice.
    here = task.dram if layer.plan.dynamic else task.stops[0].chiplet
    yield from fabric.dram_load(task.dram, task.bits, f"load {label}",
                                lambda: fabric.buffers.add(here, task.bits))
    if task.dram != here:
        yield from fabric.transfer(task.dram, here, task.bits, f"fetch {label}")
    for stop in _stops(layer, task, here):
        if stop.chiplet != here:
            yield from fabric.transfer(here, stop.chiplet, task.bits, f"move {label}")
            fabric.buffers.add(here, -task.bits)
            fabric.buffers.add(stop.chiplet, task.bits)
            here = stop.chiplet
        if task.expert in layer.ready:
            yield layer.ready[task.expert]
        work = layer.timer(stop.tokens, task.ffn)
        yield from fabric.compute(stop.chiplet, work.cycles, work.counts,
                                  f"{label} x{stop.tokens}")
        _after_compute(layer, task.expert, stop.chiplet)
    fabric.buffers.add(here, -task.bits)
    slot.release(request)


def _queue(layer: _Layer, queue: tuple[SliceTask, ...]) -> Generator[simpy.Event, None, None]:
    env = layer.fabric.env
    slot = simpy.Resource(env, capacity=layer.plan.slots)
    running = []
    for task in queue:
        request = slot.request()
        yield request
        running.append(env.process(_slice(layer, task, slot, request)))
    yield env.all_of(running)


def _dispatch(layer: _Layer) -> list[simpy.Process]:
    """EP: every token group moves at once; an expert is ready when all of its arrived."""
    fabric = layer.fabric
    by_expert: dict[int, list[simpy.Process]] = {}

    def move(src: int, dst: int, size: int, label: str):  # noqa: ANN202
        yield from fabric.transfer(src, dst, size, label)
        fabric.buffers.add(dst, size)

    for m in layer.plan.dispatch:
        by_expert.setdefault(m.expert, []).append(fabric.env.process(
            move(m.src, m.dst, m.tokens * layer.token_bits, f"tokens e{m.expert} c{m.src}")))
    for expert, processes in by_expert.items():
        layer.ready[expert] = fabric.env.all_of(processes)
    return [p for ps in by_expert.values() for p in ps]


def run_moe_layer(fabric: Fabric, plan: MoePlan, model: MoeModel,
                  timer: ComputeTimer) -> Generator[simpy.Event, None, None]:
    """One MoE layer: home tokens resident, EP dispatch, slice queues, EP combine."""
    precision = fabric.system.array.precision
    layer = _Layer(fabric, plan, timer, model.d_model * precision.ifmap_bits,
                   model.d_model * precision.ofmap_bits, {}, [])
    for chiplet, tokens in enumerate(plan.home_tokens):
        fabric.buffers.add(chiplet, tokens * layer.token_bits)
    moves = _dispatch(layer)
    queues = [fabric.env.process(_queue(layer, q)) for q in plan.queues]
    yield fabric.env.all_of(queues + moves)
    yield fabric.env.all_of(layer.tail)
    for chiplet, tokens in enumerate(plan.home_tokens):
        fabric.buffers.add(chiplet, -tokens * layer.token_bits)


def _layer_stats(fabric: Fabric, model: MoeModel, layer_id: int, tokens: int, start: int,
                 before: tuple[dict[str, int], dict[str, int]], macs: int) -> LayerStats:
    counts = {k: v - before[0].get(k, 0) for k, v in fabric.counts.items()
              if v != before[0].get(k, 0)}
    busy = [fabric.busy.get(f"chiplet{c}.array", 0) -
            before[1].get(f"chiplet{c}.array", 0) for c in range(fabric.topology.count)]
    cycles = int(fabric.env.now) - start
    compute = min(max(busy, default=0), cycles)
    array = fabric.system.array
    return LayerStats(
        name=f"moe.layer{layer_id}", op="moe_ffn",
        shape={"tokens": tokens, "experts": model.experts, "top_k": model.top_k,
               "shared_experts": model.shared_experts, "d_model": model.d_model,
               "expert_ffn": model.expert_ffn},
        cycles=cycles, compute_cycles=compute, stall_cycles=cycles - compute, macs=macs,
        pe_count=fabric.topology.count * array.rows * array.cols, counts=counts)


def simulate_moe(plan: MoeRunPlan, sim: SimSpec) -> SimStats:
    """Every MoE layer of the plan's routing on the chiplet system, one after the other."""
    model, routing = plan.work.model, plan.work.routing
    system, chiplets, mapping = plan.system, plan.chiplets, plan.mapping
    env = simpy.Environment()
    fabric = Fabric(env, system, chiplets, record_buffers=True)
    placement = placement_of(fabric)
    copies = fabric.topology.count if chiplets.moe.token_count == "per_chip" else 1
    timer = ComputeTimer(system, mapping, model, ideal=chiplets.compute == "ideal")
    weight_bits = system.array.precision.weight_bits
    layers: list[LayerStats] = []
    timeline: list[tuple[str, int, int]] = []

    def run_all():  # noqa: ANN202
        for layer_id, tokens in zip(routing.layer_ids, routing.layers, strict=True):
            schedule = plan_moe_layer(model, tokens, chiplets.moe, placement, weight_bits)
            start, before = int(env.now), (dict(fabric.counts), dict(fabric.busy))
            yield from run_moe_layer(fabric, schedule, model, timer)
            macs = model.macs_per_token * len(tokens) * copies * (
                model.top_k + model.shared_experts)
            layers.append(_layer_stats(fabric, model, layer_id, len(tokens) * copies, start,
                                       before, macs))
            timeline.append((layers[-1].name, start, int(env.now)))

    env.process(run_all())
    env.run()
    if len(layers) != len(routing.layers):  # a process still waits: a bug
        raise SimulationError(f"the chiplet simulation stalled at cycle {int(env.now)} after "
                              f"{len(layers)} of {len(routing.layers)} layers")
    cycles = int(env.now)
    totals = replace(fabric.totals(chiplets.moe.strategy, cycles),
                     **feeds(system, len(fabric.drams), layers))
    return SimStats(tuple(layers), system.clock_hz, events=len(fabric.spans),
                    timeline=tuple(timeline) if sim.timeline else (),
                    spans=tuple(fabric.spans), counters=fabric.buffers.counters(),
                    chiplets=totals)


def feeds(system: SystemSpec, channels: int, layers: list[LayerStats]) -> dict[str, Any]:
    """The array's weight intake against the DRAM feed: peaks, and per layer what the arrays
    took in (weight SRAM reads) and the DRAMs delivered, in bytes/s over the layer."""
    array, clock = system.array, system.clock_hz
    intake = array.weight_intake_per_cycle * array.precision.weight_bits / 8 * clock
    rows = []
    for layer in layers:
        seconds = layer.cycles / clock if layer.cycles else 1.0
        taken = sum(v for k, v in layer.counts.items() if k.endswith("sram.weight.read_bits"))
        delivered = sum(v for k, v in layer.counts.items()
                        if k.startswith("dram") and k.endswith(".read_bits"))
        rows.append((layer.name, taken / 8 / seconds, delivered / 8 / seconds))
    return {"intake_bytes_per_s": intake,
            "dram_feed_bytes_per_s": channels * system.dram.bandwidth_bits_per_s / 8,
            "layer_feeds": tuple(rows)}
