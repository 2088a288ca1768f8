"""Plain, request-by-request statements of SCALE-Sim 3.0.0's SRAM rules (slow, obvious).

They restate the rules documented in `accelsim.compat.scalesim.read_buffer` / `write_buffer` one
request at a time, so the fast event models can be checked on inputs far too large for
SCALE-Sim itself (which the parity tests cover on small ones).
"""

from __future__ import annotations

import math


def read_windows(values: list[int], size_words: int, rows: list[list[int]]) -> list[int]:
    """Prefetches done after each demand row; ``rows`` holds positions into ``values``."""
    set_words = math.ceil(size_words / 100)
    half = math.ceil(size_words / 2)
    n_sets = len(values) // set_words + 1
    sets = [set(values[i * set_words:(i + 1) * set_words]) for i in range(n_sets)]
    active = min(math.ceil(half / set_words), n_sets)
    step = min(math.ceil((size_words - half) / set_words), n_sets - active)
    k, done = 0, []
    for row in rows:
        for position in row:
            address = values[position]
            while not any(address in sets[(k * step + j) % n_sets] for j in range(active)):
                assert step > 0, "address outside a window that never moves"
                k += 1
        done.append(k)
    return done


def row_stall(cycle: int, k_before: int, k_after: int, lines_per_prefetch: int) -> int:
    """The per-prefetch offset update of one demand row, one prefetch at a time."""
    time = cycle + 1  # hit latency
    for k in range(k_before + 1, k_after + 1):
        done = -1 + k * (lines_per_prefetch + 1)
        late = done - time
        time += late
        if late > 0:
            time += late
    return time - cycle - 1


def ofmap_writes(per_row: list[int], size_words: int, bandwidth: int) -> dict[str, int]:
    """Stall cycles, last write cycle and DRAM traffic of the OFMAP SRAM, write by write."""
    half = math.ceil(size_words / 2)
    per_drain = math.ceil((size_words - half) / bandwidth)
    free, pending, lines, drained, drain_end, stall = size_words, 0, [], 0, 0, 0
    drains: list[tuple[int, int]] = []
    dram_words, out = 0, 0

    def drain(start: int) -> int:
        nonlocal drained, free, dram_words
        count = min(per_drain, len(lines) - drained)
        words = count * bandwidth - (bandwidth - lines[drained + count - 1])
        free += words
        dram_words += words
        drained += count
        drains.append((start, start + count - 1))
        return start + count - 1

    for row, words in enumerate(per_row):
        issued = cycle = row + stall
        for _ in range(words):
            free -= 1
            pending += 1
            if pending == bandwidth:
                lines.append(bandwidth)
                pending = 0
            if cycle < drain_end:
                if free <= 0:
                    cycle = drain_end
            elif free < half:
                if pending:
                    lines.append(pending)
                    pending = 0
                drain_end = drain(cycle)
        stall += cycle - issued
        out = cycle
    if pending:
        lines.append(pending)
    cycle = out
    while drained < len(lines):
        cycle = drain(cycle) + 1
    return {"stall": stall, "last": out, "dram_words": dram_words,
            "first_drain": drains[0][0], "last_drain": max(end for _, end in drains)}
