"""One PE in Amaranth's simulator: the multiplier adds x * y in a cycle; the temporal PE's pulse
train lasts the code's cycles, says ``done`` in its last one and leaves exactly the product."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("amaranth", reason="the [rtl] extra (amaranth) is not installed")

from amaranth.sim import Simulator  # noqa: E402

from accelsim.rtl.pe import PeShape, ProcessingElement  # noqa: E402
from accelsim.timing.codes import pulse_cycles  # noqa: E402
from accelsim.types import Dataflow  # noqa: E402


def _run(pe: ProcessingElement, weight: int, act: int, psum: int) -> tuple[int, int]:
    """Load ``weight`` (ws), then one MAC slot: (slot cycles until done, accumulator)."""
    out: dict[str, int] = {}

    async def bench(ctx: Any) -> None:
        ctx.set(pe.load, 1)
        ctx.set(pe.y_in, weight)
        ctx.set(pe.y_in_ok, 1)
        await ctx.tick()
        ctx.set(pe.load, 0)
        ctx.set(pe.x_in, act)
        ctx.set(pe.x_in_ok, 1)
        ctx.set(pe.psum_in, psum)
        ctx.set(pe.psum_in_ok, 1)
        cycles = 0
        while True:
            ctx.set(pe.first, int(cycles == 0))
            cycles += 1
            done = ctx.get(pe.done)
            await ctx.tick()
            if done:
                break
        out["cycles"], out["acc"] = cycles, ctx.get(pe.acc)

    sim = Simulator(pe)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    return out["cycles"], out["acc"]


@pytest.mark.parametrize(("weight", "act"), [(3, 7), (-3, 7), (0, -5), (1, -128)])
def test_magnitude_code_pulses_the_magnitude(weight: int, act: int) -> None:
    pe = ProcessingElement(PeShape(8, 3, 15, Dataflow.WS, temporal=True, digit_bits=3))
    cycles, acc = _run(pe, weight, act, psum=100)
    assert cycles == max(1, abs(weight))
    assert acc == 100 + weight * act


@pytest.mark.parametrize(("weight", "act"), [(-6, 9), (127, -128), (16, 3), (-1, 1), (0, 4)])
def test_segmented_code_pulses_the_digit_sum(weight: int, act: int) -> None:
    pe = ProcessingElement(PeShape(8, 8, 24, Dataflow.WS, temporal=True, digit_bits=2))
    cycles, acc = _run(pe, weight, act, psum=-7)
    assert cycles == max(1, int(pulse_cycles(abs(weight), "segmented", 3)))
    assert acc == -7 + weight * act


def test_multiplier_pe_adds_the_product_in_one_cycle() -> None:
    pe = ProcessingElement(PeShape(8, 8, 21, Dataflow.WS))
    assert _run(pe, -128, -128, psum=5) == (1, 5 + 128 * 128)
