"""The markdown of docs/fineq.md's measured block, from the numbers of ``fineq_tables.measure``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "fineq.md"
BEGIN, END = "<!-- fineq-tables:begin -->", "<!-- fineq-tables:end -->"
PAPER_AREA, PAPER_EFFICIENCY, TOLERANCE = 0.612, 1.79, 0.15
POLICIES = ("worst_case", "per_tile", "per_wavefront", "per_row", "per_col")
SIZES = ("16", "32", "64")
SHARES = ("0", "0.001", "0.01", "0.1", "0.54", "1")
LABELS = {
    "int8": "INT8 array: 8b x 8b multipliers",
    "int4": "W4A8 array: 4b x 8b multipliers",
    "fineq": "FineQ temporal array (`fineq_sa`: segmented code, 8-bit pulse register)",
    "fineq_local": "the same, accumulate: local",
    "fineq_3bit": "FineQ as published: 3-bit weights, magnitude code (cap 3)",
    "fineq_3bit_base2": "the same, base-2 digits (segmented, cap 1: \\|w\\| = 3 in 2 cycles)",
    "fineq_3bit_local": "the same as published, accumulate: local",
}
SHORT = {"fineq": "`fineq_sa`", "fineq_3bit": "3-bit magnitude PE",
         "fineq_3bit_base2": "3-bit base-2 PE"}
BASE_NAMES = {"int8": "INT8", "int4": "W4A8"}
Numbers = Mapping[str, Any]


def _system_table(keys: tuple[str, ...], numbers: Numbers) -> list[str]:
    lines = ["| system | psum bits | PE array (mm²) | decoder (mm²) | chip (mm²) | cycles | "
             "energy (mJ) | on-chip (mJ) | array (mJ) | SRAM (mJ) | DRAM (mJ) | inferences / J |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for key in keys:
        n = numbers[key]
        lines.append(
            f"| {LABELS[key]} | {n['psum_bits']} | {n['array_area_mm2']:.3f} | "
            f"{n['decoder_area_mm2']:.3f} | {n['chip_area_mm2']:.3f} | {n['cycles']:,} | "
            f"{n['energy_mj']:.3f} | {n['onchip_energy_mj']:.3f} | {n['array_energy_mj']:.3f} | "
            f"{n['sram_energy_mj']:.3f} | {n['dram_energy_mj']:.3f} | "
            f"{1e3 / n['energy_mj']:.1f} |")
    return lines


def ratios(f: Numbers, b: Numbers) -> dict[str, float]:
    """FineQ ``f`` against baseline ``b``: area reduction, energy-efficiency ratios, slowdown."""
    return {"area": 1 - f["array_area_mm2"] / b["array_area_mm2"],
            "whole": b["energy_mj"] / f["energy_mj"],
            "onchip": b["onchip_energy_mj"] / f["onchip_energy_mj"],
            "array": b["array_energy_mj"] / f["array_energy_mj"],
            "cycles": f["cycles"] / b["cycles"]}


def _ratio_cells(r: Mapping[str, float]) -> str:
    return (f"{r['area']:.1%} | {r['whole']:.2f}x | {r['onchip']:.2f}x | {r['array']:.2f}x | "
            f"{r['cycles']:.2f}x")


RATIO_HEAD = ["| FineQ vs | PE-array area reduction | energy efficiency (whole) | on-chip | "
              "array only | cycles |", "|---|---|---|---|---|---|",
              f"| FineQ paper (baseline not stated) | {PAPER_AREA:.1%} | up to "
              f"{PAPER_EFFICIENCY:.2f}x | | | |"]


def _ratios(numbers: Numbers, variants: tuple[str, ...]) -> list[str]:
    lines = list(RATIO_HEAD)
    for variant in variants:
        for base in BASE_NAMES:
            lines.append(f"| {SHORT[variant]} vs {BASE_NAMES[base]}, same array "
                         f"| {_ratio_cells(ratios(numbers[variant], numbers[base]))} |")
    return lines


def _scaled_table(numbers: Numbers) -> list[str]:
    lines = ["| FineQ PE | vs | comparison | FineQ array | PE array (mm²) | cycles | "
             "energy (mJ) | area reduction | energy efficiency (whole) | on-chip | "
             "array only | throughput |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    linear = numbers["linear"]
    for pair, rows in numbers["scaled"].items():
        variant, base = pair.split("/")
        code = "magnitude" if variant == "fineq_3bit" else "base-2"
        for kind in ("iso_area", "iso_throughput"):
            n = rows[kind]
            r = ratios(n, linear[base])
            lines.append(
                f"| 3-bit, {code} | {BASE_NAMES[base]} | {kind.replace('_', '-')} | "
                f"{n['rows']}x{n['cols']}{_unreached(n)} | {n['array_area_mm2']:.3f} | "
                f"{n['cycles']:,} | "
                f"{n['energy_mj']:.3f} | {r['area']:.1%} | {r['whole']:.2f}x | "
                f"{r['onchip']:.2f}x | {r['array']:.2f}x | {1 / r['cycles']:.2f}x |")
    return lines


def _unreached(row: Numbers) -> str:
    return " (largest tried; not reached)" if row.get("reached") == 0 else ""


def _candidates(numbers: Numbers) -> list[tuple[float, str, dict[str, float]]]:
    """Every (FineQ PE, baseline, comparison) with its distance from the paper's two claims:
    the larger of the relative misses of the area reduction and the array-only efficiency."""
    linear, out = numbers["linear"], []
    for pair, rows in numbers["scaled"].items():
        variant, base = pair.split("/")
        for kind, row in (("same array", linear[variant]), ("iso-area", rows["iso_area"]),
                          ("iso-throughput", rows["iso_throughput"])):
            r = ratios(row, linear[base])
            miss = max(abs(r["area"] / PAPER_AREA - 1), abs(r["array"] / PAPER_EFFICIENCY - 1))
            code = "magnitude" if variant == "fineq_3bit" else "base-2"
            out.append((miss, f"3-bit {code} PE vs {BASE_NAMES[base]}, {kind}", r))
    return sorted(out, key=lambda c: c[0])


def verdict(numbers: Numbers) -> list[str]:
    """Which baseline and comparison comes closest to the paper's claims, in numbers."""
    miss, name, r = _candidates(numbers)[0]
    within = "within" if miss <= TOLERANCE else "outside"
    return [f"**Closest to the paper** (the smallest of the larger relative misses of "
            f"PE-array area reduction and array-only energy efficiency): **{name}**, "
            f"{r['area']:.1%} area reduction (paper {PAPER_AREA:.1%}), {r['array']:.2f}x "
            f"array-only and {r['whole']:.2f}x whole-system energy efficiency (paper up to "
            f"{PAPER_EFFICIENCY:.2f}x), {r['cycles']:.2f}x the cycles: a miss of {miss:.0%}, "
            f"{within} the {TOLERANCE:.0%} target."]


def _grid(numbers: Numbers, columns: tuple[str, ...], labels: Mapping[str, str],
          base: Mapping[str, int]) -> list[str]:
    """Policies down, ``columns`` across; each cell with its ratio to ``base[column]``."""
    lines = ["| policy | " + " | ".join(labels[c] for c in columns) + " |",
             "|---" * (len(columns) + 1) + "|"]
    for policy in POLICIES:
        cells = [f"{numbers[c][policy]:,} ({numbers[c][policy] / base[c]:.2f}x)"
                 for c in columns]
        lines.append(f"| `{policy}` | " + " | ".join(cells) + " |")
    return lines


def render(numbers: Numbers) -> str:
    """The markdown between the markers of docs/fineq.md."""
    policies, outliers = numbers["policies"], numbers["outliers"]
    plain = {s: outliers["0"]["per_tile"] for s in SHARES}  # |q| <= 1: one-cycle slots
    worst = {s: policies[s]["worst_case"] for s in SIZES}
    linear_keys = ("int8", "int4", "fineq", "fineq_local", "fineq_3bit", "fineq_3bit_base2",
                   "fineq_3bit_local")
    parts = [
        "**Whole MiniLM** (48 GEMMs: 36 weight GEMMs + 12 attention GEMMs, 128 tokens; "
        "32x32 arrays):", "",
        *_system_table(("int8", "int4", "fineq", "fineq_local"), numbers["headline"]), "",
        *_ratios(numbers["headline"], ("fineq",)), "",
        "**Weight GEMMs only** (the 36 GEMMs FineQ quantizes; attention left out of every "
        "system; 32x32 arrays):", "",
        *_system_table(linear_keys, numbers["linear"]), "",
        *_ratios(numbers["linear"], ("fineq_3bit", "fineq_3bit_base2")), "",
        "**Iso-area and iso-throughput** (weight GEMMs; the largest square FineQ array whose "
        "PE-array area fits the baseline's 32x32 array, or the smallest whose cycles do not "
        "exceed the baseline's; throughput = baseline cycles / FineQ cycles):", "",
        *_scaled_table(numbers), "",
        *verdict(numbers), "",
        "**Slot policy x array size** (`fineq_sa` on the MiniLM trace, total cycles, one "
        "fixed mapping (`mapping.search: off`) for every policy so that only the slots "
        "differ; in brackets relative to `worst_case`):", "",
        *_grid(policies, SIZES, {s: f"{s}x{s}" for s in SIZES}, worst), "",
        f"**Outlier share x policy** (one MiniLM-shaped block of synthetic FineQ weights, the "
        f"published PE on 32x32, compute cycles, one fixed mapping for every policy; in "
        f"brackets relative to one-cycle slots, the "
        f"conventional array's time). The MiniLM trace has "
        f"{numbers['minilm_outlier_share']:.1%} of its clusters with an outlier.", "",
        *_grid(outliers, SHARES, {s: f"share {s}" for s in SHARES}, plain),
    ]
    return "\n".join(parts)
