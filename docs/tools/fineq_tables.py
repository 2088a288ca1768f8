"""Measure and write the tables of docs/fineq.md: ``python docs/tools/fineq_tables.py``.

Every number comes from ``accelsim.run`` on the checked-in configs and traces (or seeded
synthetic traces from ``workloads/tools/synthetic_fineq.py``), with the searched mapping (the
default, ``mapping.search: on``) for every system alike. ``measure()`` returns the numbers
(``tests/regression/golden/fineq_tables.json`` pins them; ``pytest --update-golden`` rewrites
it), ``render()`` turns them into the markdown between the markers in docs/fineq.md
(``fineq_render.py``).

Comparisons: the same 32x32 array; iso-area (the largest square FineQ array whose PE-array area
does not exceed the baseline's 32x32); iso-throughput (the smallest square FineQ array whose
cycles do not exceed the baseline's). Square, because widening only the columns adds the
columns' skew to every slot of every fold (``T + Sr + Sc - 2`` slots of up to 3 cycles, with
``T`` = 128 tokens), so a 32-row array never catches up; the partial-sum width follows the rows
(``psum_bits: auto``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

import accelsim
from accelsim.workload.trace import read_trace, write_trace

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fineq_render import BEGIN, DOC, END, render  # noqa: E402
from page_block import replace_block  # noqa: E402

TRACES = ROOT / "workloads" / "traces"
POLICIES = ("worst_case", "per_tile", "per_wavefront", "per_row", "per_col")
SIZES = (16, 32, 64)
SHARES = (0.0, 0.001, 0.01, 0.1, 0.54, 1.0)
PUBLISHED = {"system.array.temporal.code": "magnitude", "system.array.temporal.cap": 3,
             "system.array.precision.weight_bits": 3}
BASE2 = {**PUBLISHED, "system.array.temporal.code": "segmented",
         "system.array.temporal.cap": 1}
LOCAL = {"system.array.temporal.accumulate": "local"}
MAX_SIDE = 256

# (key, config, overrides, workload trace or None for the config's); labels: fineq_render
WHOLE = (
    ("int8", "int8_sa", {}, "minilm_int8.npz"),
    ("int4", "int4_sa", {}, None),
    ("fineq", "fineq_sa", {}, None),
    ("fineq_local", "fineq_sa", LOCAL, None),
)
LINEAR = WHOLE + (
    ("fineq_3bit", "fineq_sa", PUBLISHED, None),
    ("fineq_3bit_base2", "fineq_sa", BASE2, None),
    ("fineq_3bit_local", "fineq_sa", {**PUBLISHED, **LOCAL}, None),
)
BASELINES = ("int8", "int4")
SCALED = ("fineq_3bit", "fineq_3bit_base2")  # the published PE's two outlier codes


def _row(result: accelsim.report.Result) -> dict[str, float]:
    """The figures of one run (areas in mm2, energies in mJ)."""
    energy, area = result.energy.by_component_j, result.area.by_component_m2
    sram = sum(v for k, v in energy.items() if k.startswith("sram."))
    return {"cycles": result.total_cycles,
            "compute_cycles": result.stats.compute_cycles,
            "rows": result.spec.system.array.rows,
            "cols": result.spec.system.array.cols,
            "psum_bits": result.spec.system.array.psum_width,
            "array_area_mm2": area["array"] * 1e6,
            "decoder_area_mm2": area.get("decoder", 0.0) * 1e6,
            "chip_area_mm2": result.area_m2 * 1e6,
            "energy_mj": result.energy_j * 1e3,
            "onchip_energy_mj": (result.energy_j - energy["dram"]) * 1e3,
            "array_energy_mj": energy["array"] * 1e3,
            "sram_energy_mj": sram * 1e3,
            "dram_energy_mj": energy["dram"] * 1e3}


def _config(name: str) -> Path:
    return ROOT / "configs" / f"{name}.yaml"


def _linear_only(trace: Path, tmp: Path) -> Path:
    """The trace without its activation x activation GEMMs (what FineQ quantizes)."""
    out = tmp / f"linear_{trace.name}"
    if not out.exists():
        full = read_trace(trace)
        kept = tuple(layer for layer in full.layers if layer.op != "attention")
        write_trace(out, dataclasses.replace(full, layers=kept))
    return out


Runner = Callable[..., dict[str, float]]


def _runner(rows: tuple, tmp: Path | None) -> dict[str, Runner]:
    """One run function per system key (extra overrides allowed)."""
    def make(config: str, overrides: Mapping[str, object], workload: str | None) -> Runner:
        trace = TRACES / workload if workload else Path(accelsim.load(_config(config)).workload)
        if tmp is not None:
            trace = _linear_only(trace, tmp)

        def run(**extra: object) -> dict[str, float]:
            return _row(accelsim.run(_config(config), set={**overrides, **extra},
                                     workload=trace))
        return run
    return {key: make(config, overrides, wl) for key, config, overrides, wl in rows}


def _systems(rows: tuple, tmp: Path | None) -> dict[str, dict[str, float]]:
    runs = _runner(rows, tmp)
    return {key: run() for key, run in runs.items()}


def _square(run: Runner, size: int) -> dict[str, float]:
    return run(**{"system.array.rows": size, "system.array.cols": size})


def _iso_area(run: Runner, same: Mapping[str, float], base: Mapping[str, float]
              ) -> dict[str, float]:
    """The largest square array whose PE-array area fits the baseline's (area grows as the
    side squared; the first guess is checked and stepped down)."""
    size = max(1, int(same["cols"] * (base["array_area_mm2"] / same["array_area_mm2"]) ** 0.5))
    row = _square(run, size)
    while row["array_area_mm2"] > base["array_area_mm2"] and size > 1:
        size -= 1
        row = _square(run, size)
    return row


def _iso_throughput(run: Runner, same: Mapping[str, float], base: Mapping[str, float]
                    ) -> dict[str, float]:
    """The smallest square array found (by doubling, then bisection) whose cycles do not
    exceed the baseline's; ``reached`` is 0 when even MAX_SIDE does not."""
    low, high = int(same["cols"]), int(same["cols"]) * 2
    row = _square(run, high)
    while row["cycles"] > base["cycles"] and high < MAX_SIDE:
        low, high = high, min(MAX_SIDE, high * 2)
        row = _square(run, high)
    if row["cycles"] > base["cycles"]:
        return {**row, "reached": 0}
    while high - low > 1:
        mid = (low + high) // 2
        probe = _square(run, mid)
        if probe["cycles"] <= base["cycles"]:
            high, row = mid, probe
        else:
            low = mid
    return {**row, "reached": 1}


def _scaled(tmp: Path, linear: Mapping[str, Mapping[str, float]]) -> dict[str, object]:
    """Iso-area and iso-throughput rows of the published PE's codes against each baseline."""
    runs = _runner(LINEAR, tmp)
    out: dict[str, object] = {}
    for variant in SCALED:
        for base in BASELINES:
            same, ref = linear[variant], linear[base]
            out[f"{variant}/{base}"] = {
                "iso_area": _iso_area(runs[variant], same, ref),
                "iso_throughput": _iso_throughput(runs[variant], same, ref)}
    return out


SAME_MAPPING = {"mapping.search": "off"}


def _policies() -> dict[str, dict[str, int]]:
    """Cycles of fineq_sa on the MiniLM trace per array size and slot policy, under one fixed
    mapping for every policy (``SAME_MAPPING``: a searched mapping may differ per policy, and
    these tables compare the slot policies' timing, not mappings)."""
    return {str(size): {policy: accelsim.run(_config("fineq_sa"), set={
        **SAME_MAPPING, "system.array.rows": size, "system.array.cols": size,
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
    weights) on the published FineQ PE, per outlier share and policy (one fixed mapping for
    every policy, as in ``_policies``)."""
    gen = _synthetic()
    out = {}
    for share in SHARES:
        trace = write_trace(tmp / f"p{share:g}.npz", gen.synthetic_fineq_trace(share, seed=0))
        out[f"{share:g}"] = {policy: accelsim.run(
            _config("fineq_sa"), set={**PUBLISHED, **SAME_MAPPING,
                                      "system.array.temporal.policy": policy},
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
    """Every number of the tables (about a minute)."""
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        linear = _systems(LINEAR, tmp)
        return {"headline": _systems(WHOLE, None), "linear": linear,
                "scaled": _scaled(tmp, linear),
                "policies": _policies(), "outliers": _outliers(tmp),
                "minilm_outlier_share": round(minilm_outlier_share(), 4)}


def write_doc(numbers: Mapping[str, object]) -> None:
    """Replace the block between the markers of the page."""
    replace_block(DOC, BEGIN, END, render(numbers))


if __name__ == "__main__":
    write_doc(measure())
    print(f"wrote {DOC}")
