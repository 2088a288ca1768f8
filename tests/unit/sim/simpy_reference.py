"""A fine-grained SimPy model of the fetch -> compute -> write-back pipeline: one event per fold
and per transfer, the DRAM channel a real ``simpy.Resource`` and the SRAM halves real tokens.

It is the reference the coalesced recurrence in ``accelsim.sim.pipeline`` is checked against.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass

import simpy

from accelsim.sim.pipeline import Channel


@dataclass(frozen=True)
class Fold:
    array_cycles: int
    busy_cycles: int
    read_bits: int
    write_bits: int


def simulate_folds(folds: Sequence[Fold], channel: Channel) -> tuple[int, int]:
    """(total cycles, compute cycles) of ``folds`` run in order."""
    env = simpy.Environment()
    dram = simpy.Resource(env, capacity=1)
    slots = simpy.Container(env, capacity=channel.slots, init=channel.slots)
    ready = [env.event() for _ in folds]
    done = [env.event() for _ in folds]
    finished: list[int] = []

    def transfer(bits: int,
                 started: simpy.Event | None = None) -> Generator[simpy.Event, None, None]:
        with dram.request() as request:
            yield request
            if started is not None:
                started.succeed()
            yield env.timeout(channel.transfer_cycles(bits))

    def deliver(index: int, delay: int) -> Generator[simpy.Event, None, None]:
        yield env.timeout(delay)
        ready[index].succeed()

    def fetcher() -> Generator[simpy.Event, None, None]:
        for f, fold in enumerate(folds):
            yield slots.get(1)
            carried = folds[f - channel.slots].write_bits if f >= channel.slots else 0
            # A fold that reads nothing may start once the channel took its transaction.
            started = None if fold.read_bits else ready[f]
            yield env.process(transfer(fold.read_bits + carried, started))
            if fold.read_bits:
                env.process(deliver(f, channel.latency_cycles))
        for f in range(max(0, len(folds) - channel.slots), len(folds)):
            yield done[f]
            if folds[f].write_bits:
                yield env.process(transfer(folds[f].write_bits))
        finished.append(int(env.now))

    def array() -> Generator[simpy.Event, None, None]:
        for f, fold in enumerate(folds):
            yield ready[f]
            yield env.timeout(fold.busy_cycles)
            done[f].succeed()
            slots.put(1)
        finished.append(int(env.now))

    env.process(fetcher())
    env.process(array())
    env.run()
    return max(finished), sum(fold.array_cycles for fold in folds)
