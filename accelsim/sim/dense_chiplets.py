"""Dense layers on chiplets: each GEMM partitioned (mapping/partition.py), every share's
activations sent from chiplet 0 and its weights loaded from the nearest DRAM channel at once,
then computed on the share's array (single-array timing), then its outputs sent to chiplet 0.
Layers run one after the other.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from accelsim.config.run_spec import MappingSpec, SimSpec
from accelsim.errors import SimulationError
from accelsim.hardware.links import nearest
from accelsim.mapping.partition import Share
from accelsim.mapping.plan import plan_layer
from accelsim.mapping.run_plan import PartitionPlan
from accelsim.sim.array_counts import layer_counts
from accelsim.sim.chiplets import Fabric
from accelsim.sim.engine import time_layer
from accelsim.sim.stats import LayerStats, SimStats
from accelsim.workload.layers import GemmLayer


def _share(fabric: Fabric, share: Share, mapping: MappingSpec,
           label: str) -> Generator[simpy.Event, None, None]:
    env, c = fabric.env, share.chiplet
    dram = nearest(fabric.topology, c, fabric.drams)

    def weights():  # noqa: ANN202
        yield from fabric.dram_load(dram, share.weight_bits, f"{label} weights")
        yield from fabric.transfer(dram, c, share.weight_bits, f"{label} weights")

    inputs = env.process(fabric.transfer(0, c, share.ifmap_bits, f"{label} inputs"))
    yield env.all_of([inputs, env.process(weights())])
    gemm = share.gemm
    plan = plan_layer(GemmLayer(label, gemm.m, gemm.n, gemm.k, batch=gemm.count),
                      fabric.system, mapping)
    cycles = time_layer(plan, fabric.system).compute_cycles
    counts = {k: v for k, v in layer_counts(plan, fabric.system, cycles).items()
              if not k.startswith("dram.")}
    if fabric.spec.compute == "ideal":
        array = fabric.system.array
        cycles = -(-share.macs // (array.rows * array.cols))
    yield from fabric.compute(c, cycles, counts, label)
    yield from fabric.transfer(c, 0, share.out_bits, f"{label} outputs")


def simulate_dense(plan: PartitionPlan, sim: SimSpec) -> SimStats:
    """Every layer of ``plan`` partitioned over the chiplets, one layer after another."""
    system, chiplets, mapping = plan.system, plan.chiplets, plan.mapping
    env = simpy.Environment()
    fabric = Fabric(env, system, chiplets)
    array = system.array
    layers: list[LayerStats] = []
    timeline: list[tuple[str, int, int]] = []

    def run_all():  # noqa: ANN202
        for layer, part in plan.layers:
            start, before = int(env.now), dict(fabric.counts)
            busy_before = dict(fabric.busy)
            yield env.all_of([env.process(_share(fabric, s, mapping, layer.name))
                              for s in part.shares])
            cycles = int(env.now) - start
            busy = max(fabric.busy.get(f"chiplet{s.chiplet}.array", 0) -
                       busy_before.get(f"chiplet{s.chiplet}.array", 0) for s in part.shares)
            layers.append(LayerStats(
                name=layer.name, op=layer.op, shape=layer.shape(), cycles=cycles,
                compute_cycles=min(busy, cycles), stall_cycles=cycles - min(busy, cycles),
                macs=sum(s.macs for s in part.shares),
                pe_count=fabric.topology.count * array.rows * array.cols,
                counts={k: v - before.get(k, 0) for k, v in fabric.counts.items()
                        if v != before.get(k, 0)}))
            timeline.append((layer.name, start, int(env.now)))

    env.process(run_all())
    env.run()
    if len(layers) != len(plan.layers):  # a process still waits: a bug
        raise SimulationError(f"the chiplet simulation stalled at cycle {int(env.now)} after "
                              f"{len(layers)} of {len(plan.layers)} layers")
    cycles = int(env.now)
    totals = fabric.totals(f"partition_{chiplets.partition}", cycles, buffers=False)
    return SimStats(tuple(layers), system.clock_hz, events=len(fabric.spans),
                    timeline=tuple(timeline) if sim.timeline else (),
                    spans=tuple(fabric.spans), chiplets=totals)
