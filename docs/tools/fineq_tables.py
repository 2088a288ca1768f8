"""Measure and write the tables of docs/fineq.md: ``python docs/tools/fineq_tables.py``.

Every number comes from ``accelsim.run`` on the checked-in configs and traces (or seeded
synthetic traces from ``workloads/tools/synthetic_fineq.py``). ``measure()`` returns the numbers
(``tests/regression/golden/fineq_tables.json`` pins them; ``pytest --update-golden`` rewrites
it), ``render()`` turns them into the markdown between the markers in docs/fineq.md.

Every run keeps the fixed mapping (``mapping.search: off``, ``FIXED``): the tables compare the
PEs under the same mapping, as they were measured before the mapping search (issue 12).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

import accelsim
from accelsim.workload.trace import read_trace, write_trace

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "fineq.md"
BEGIN, END = "<!-- fineq-tables:begin -->", "<!-- fineq-tables:end -->"
TRACES = ROOT / "workloads" / "traces"
POLICIES = ("worst_case", "per_tile", "per_wavefront", "per_row", "per_col")
SIZES = (16, 32, 64)
SHARES = (0.0, 0.001, 0.01, 0.1, 0.54, 1.0)
PAPER_AREA, PAPER_EFFICIENCY = 0.612, 1.79
FIXED = {"mapping.search": "off"}
PUBLISHED = {"system.array.temporal.code": "magnitude", "system.array.temporal.cap": 3,
             "system.array.precision.weight_bits": 3}
LOCAL = {"system.array.temporal.accumulate": "local"}

# (key, label, config, overrides, workload trace or None for the config's)
SYSTEMS = (
    ("int8", "INT8 array: 8b x 8b multipliers", "int8_sa", {}, "minilm_int8.npz"),
    ("int4", "INT4 array: 4b x 8b multipliers (W4A8)", "int4_sa", {}, None),
    ("fineq", "FineQ temporal array (`fineq_sa`: segmented code, 8-bit pulse register)",
     "fineq_sa", {}, None),
    ("fineq_local", "the same, accumulate: local", "fineq_sa", LOCAL, None),
)
LINEAR_EXTRA = (
    ("fineq_3bit", "FineQ temporal array as published: 3-bit weights, magnitude code",
     "fineq_sa", PUBLISHED, None),
    ("fineq_3bit_local", "the same, accumulate: local", "fineq_sa", {**PUBLISHED, **LOCAL},
     None),
)


def _row(result: accelsim.report.Result) -> dict[str, float]:
    """The figures of one run (areas in mm2, energies in mJ)."""
    energy = result.energy.by_component_j
    return {"cycles": result.total_cycles,
            "compute_cycles": result.stats.compute_cycles,
            "array_area_mm2": result.area.by_component_m2["array"] * 1e6,
            "chip_area_mm2": result.area_m2 * 1e6,
            "energy_mj": result.energy_j * 1e3,
            "onchip_energy_mj": (result.energy_j - energy["dram"]) * 1e3,
            "array_energy_mj": energy["array"] * 1e3}


def _config(name: str) -> Path:
    return ROOT / "configs" / f"{name}.yaml"


def _linear_only(trace: Path, tmp: Path) -> Path:
    """The trace without its activation x activation GEMMs (what FineQ quantizes)."""
    full = read_trace(trace)
    kept = tuple(layer for layer in full.layers if layer.op != "attention")
    return write_trace(tmp / f"linear_{trace.name}", dataclasses.replace(full, layers=kept))


def _systems(rows: tuple, tmp: Path | None) -> dict[str, dict[str, float]]:
    out = {}
    for key, _, config, overrides, workload in rows:
        trace = TRACES / workload if workload else Path(accelsim.load(_config(config)).workload)
        if tmp is not None:
            trace = _linear_only(trace, tmp)
        out[key] = _row(accelsim.run(_config(config), set={**FIXED, **overrides},
                                     workload=trace))
    return out


def _policies() -> dict[str, dict[str, int]]:
    """Cycles of fineq_sa on the MiniLM trace per array size and slot policy."""
    return {str(size): {policy: accelsim.run(_config("fineq_sa"), set={
        **FIXED, "system.array.rows": size, "system.array.cols": size,
        "system.array.temporal.policy": policy}).total_cycles for policy in POLICIES}
        for size in SIZES}


def _synthetic():  # noqa: ANN202 - the generator module
    path = ROOT / "workloads" / "tools" / "synthetic_fineq.py"
    spec = importlib.util.spec_from_file_location("synthetic_fineq", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("synthetic_fineq", module)
    spec.loader.exec_module(module)
    return module


def _outliers(tmp: Path) -> dict[str, dict[str, int]]:
    """Compute cycles of one MiniLM-shaped block (6 weight GEMMs, seeded synthetic FineQ
    weights) on the published FineQ PE, per outlier share and policy."""
    gen = _synthetic()
    out = {}
    for share in SHARES:
        trace = write_trace(tmp / f"p{share:g}.npz", gen.synthetic_fineq_trace(share, seed=0))
        out[f"{share:g}"] = {policy: accelsim.run(
            _config("fineq_sa"), set={**FIXED, **PUBLISHED, "system.array.temporal.policy": policy},
            workload=trace).stats.compute_cycles for policy in POLICIES}
    return out


def minilm_outlier_share() -> float:
    """Share of clusters (3 along K) holding an outlier (|q| >= 2) in the MiniLM trace's
    layers with integer weights."""
    hits = total = 0
    for layer in read_trace(TRACES / "minilm_fineq.npz").layers:
        if layer.weights_int is None:
            continue
        q = np.abs(layer.weights_int)
        clusters = q.reshape(q.shape[0] // 3, 3, q.shape[1]).max(axis=1)
        hits, total = hits + int((clusters >= 2).sum()), total + clusters.size
    return hits / total


def measure() -> dict[str, object]:
    """Every number of the tables (about 30 s)."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        return {"headline": _systems(SYSTEMS, None),
                "linear": _systems(SYSTEMS + LINEAR_EXTRA, tmp),
                "policies": _policies(), "outliers": _outliers(tmp),
                "minilm_outlier_share": round(minilm_outlier_share(), 4)}


# ----------------------------------------------------------------------------------------------
# rendering
# ----------------------------------------------------------------------------------------------
def _system_table(rows: tuple, numbers: Mapping[str, Mapping[str, float]]) -> list[str]:
    lines = ["| system | array area (mm²) | chip area (mm²) | cycles | energy / inference "
             "(mJ) | on-chip (mJ) | array (mJ) | inferences / J | on-chip inferences / J |",
             "|---|---|---|---|---|---|---|---|---|"]
    for key, label, *_ in rows:
        n = numbers[key]
        lines.append(
            f"| {label} | {n['array_area_mm2']:.3f} | {n['chip_area_mm2']:.3f} | "
            f"{n['cycles']:,} | {n['energy_mj']:.3f} | {n['onchip_energy_mj']:.3f} | "
            f"{n['array_energy_mj']:.3f} | {1e3 / n['energy_mj']:.1f} | "
            f"{1e3 / n['onchip_energy_mj']:.1f} |")
    return lines


def _ratios(numbers: Mapping[str, Mapping[str, float]], fineq: str) -> list[str]:
    lines = ["| FineQ vs | array area reduction | energy efficiency (whole) | on-chip | "
             "array only | cycles |", "|---|---|---|---|---|---|",
             f"| FineQ paper (baseline not stated) | {PAPER_AREA:.1%} | up to "
             f"{PAPER_EFFICIENCY:.2f}x | | | |"]
    f = numbers[fineq]
    for base in ("int8", "int4"):
        b = numbers[base]
        area = 1 - f["array_area_mm2"] / b["array_area_mm2"]
        lines.append(
            f"| accelsim, {base.upper()} array | {area:.1%} | "
            f"{b['energy_mj'] / f['energy_mj']:.2f}x | "
            f"{b['onchip_energy_mj'] / f['onchip_energy_mj']:.2f}x | "
            f"{b['array_energy_mj'] / f['array_energy_mj']:.2f}x | "
            f"{f['cycles'] / b['cycles']:.2f}x |")
    return lines


def _grid(numbers: Mapping[str, Mapping[str, int]], columns: tuple[str, ...],
          labels: Mapping[str, str], base: Mapping[str, int]) -> list[str]:
    """Policies down, ``columns`` across; each cell with its ratio to ``base[column]``."""
    lines = ["| policy | " + " | ".join(labels[c] for c in columns) + " |",
             "|---" * (len(columns) + 1) + "|"]
    for policy in POLICIES:
        cells = [f"{numbers[c][policy]:,} ({numbers[c][policy] / base[c]:.2f}x)"
                 for c in columns]
        lines.append(f"| `{policy}` | " + " | ".join(cells) + " |")
    return lines


def render(numbers: Mapping[str, object]) -> str:
    """The markdown between the markers of docs/fineq.md."""
    policies, outliers = numbers["policies"], numbers["outliers"]
    sizes = tuple(str(s) for s in SIZES)
    shares = tuple(f"{s:g}" for s in SHARES)
    plain = {s: outliers["0"]["per_tile"] for s in shares}  # |q| <= 1: one-cycle slots
    worst = {s: policies[s]["worst_case"] for s in sizes}
    parts = [
        "**Whole MiniLM** (48 GEMMs: 36 weight GEMMs + 12 attention GEMMs, 128 tokens):", "",
        *_system_table(SYSTEMS, numbers["headline"]), "",
        *_ratios(numbers["headline"], "fineq"), "",
        "**Weight GEMMs only** (the 36 GEMMs FineQ quantizes; attention left out of every "
        "system):", "",
        *_system_table(SYSTEMS + LINEAR_EXTRA, numbers["linear"]), "",
        *_ratios(numbers["linear"], "fineq_3bit"), "",
        "**Slot policy x array size** (`fineq_sa` on the MiniLM trace, total cycles; in "
        "brackets relative to `worst_case`):", "",
        *_grid(policies, sizes, {s: f"{s}x{s}" for s in sizes}, worst), "",
        f"**Outlier share x policy** (one MiniLM-shaped block of synthetic FineQ weights, the "
        f"published PE on 32x32, compute cycles; in brackets relative to one-cycle slots, the "
        f"conventional array's time). The MiniLM trace has "
        f"{numbers['minilm_outlier_share']:.1%} of its clusters with an outlier.", "",
        *_grid(outliers, shares, {s: f"share {s}" for s in shares}, plain),
    ]
    return "\n".join(parts)


def write_doc(numbers: Mapping[str, object]) -> None:
    """Replace the block between the markers of docs/fineq.md."""
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{BEGIN}\n{render(numbers)}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    write_doc(measure())
    print(f"wrote {DOC}")
