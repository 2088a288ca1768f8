"""The PSUM-energy study of docs/apsq.md: 32-bit PSUMs against INT8 APSQ (gs = 1, 2, 4) under
WS and IS, on the shipped configs (configs/psum32_*.yaml, configs/apsq_*.yaml).
``python -m accelsim.sweep.apsq_study > docs/apsq.md`` regenerates the page;
tests/regression/test_apsq_study.py pins the numbers.

APSQ's group size may not exceed a layer's K tiles (a config error); in the study a layer with
fewer K tiles than gs runs with gs = its K tiles (its whole reduction in one group).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from accelsim import cost, mapping, sim, workload
from accelsim.config import load_run_spec
from accelsim.config.run_spec import RunSpec
from accelsim.mapping.folding import spatial_dims
from accelsim.sweep.apsq_page import page
from accelsim.workload import Workload

ROOT = Path(__file__).resolve().parents[1].parent
WORKLOADS: tuple[tuple[str, str], ...] = (
    ("BERT-base, seq 128", "workloads/bert_base_seq128.yaml"),
    ("BERT-base, seq 512", "workloads/bert_base_seq512.yaml"),
    ("SegFormer-B0-like, 512x512", "workloads/apsq/segformer_b0_like.yaml"),
    ("EfficientViT-B1-like, 224x224", "workloads/apsq/efficientvit_b1_like.yaml"),
    ("LLaMA-2-7B layer, prefill 512", "workloads/llama2_7b_prefill512.yaml"),
)
DATAFLOWS = ("ws", "is")
GROUP_SIZES = (1, 2, 4)
VARIANTS = ("psum32", *(f"apsq_gs{gs}" for gs in GROUP_SIZES))


@dataclass(frozen=True)
class Case:
    """One workload under one dataflow."""

    label: str
    path: str
    dataflow: str

    @property
    def key(self) -> str:
        """The case's name in the golden file."""
        return f"{Path(self.path).stem}/{self.dataflow}"


def cases() -> list[Case]:
    """Every case of the study, in table order."""
    return [Case(label, path, df) for label, path in WORKLOADS for df in DATAFLOWS]


def _spec(case: Case, variant: str) -> RunSpec:
    config = "psum32" if variant == "psum32" else "apsq"
    overrides: dict[str, object] = {"workload": str(ROOT / case.path)}
    if variant != "psum32":
        overrides["system.psum_buffer.group_size"] = int(variant.removeprefix("apsq_gs"))
    return load_run_spec(ROOT / "configs" / f"{config}_{case.dataflow}.yaml", overrides)


def _k_tiles(spec: RunSpec, wl: Workload) -> list[int]:
    array = spec.system.array
    tiles = []
    for layer in wl.layers:
        gemm = layer.gemm()
        tiles.append(-(-spatial_dims(array.dataflow, gemm.m, gemm.n, gemm.k)[0] // array.rows))
    return tiles


def _energy(spec: RunSpec, wl: Workload) -> tuple[dict[str, float], int]:
    """Joules per component and cycles of ``wl``; layers with fewer K tiles than gs run with
    gs = their K tiles."""
    buffer = spec.system.psum_buffer
    assert buffer is not None
    groups: dict[int, list[int]] = {}
    for index, tiles in enumerate(_k_tiles(spec, wl)):
        groups.setdefault(min(buffer.group_size, tiles), []).append(index)
    tables = cost.load_tables(tuple(spec.system.tables))
    total: dict[str, float] = {}
    cycles = 0
    for gs, indices in sorted(groups.items()):
        system = spec.system.model_copy(update={
            "psum_buffer": buffer.model_copy(update={"group_size": gs})})
        part = Workload(wl.name, wl.source, tuple(wl.layers[i] for i in indices))
        stats = sim.simulate(mapping.plan(part, system, spec.mapping), system, spec.sim)
        cycles += stats.cycles
        for name, joules in cost.estimate_energy(stats, system, tables).by_component_j.items():
            total[name] = total.get(name, 0.0) + joules
    return total, cycles


def _numbers(energy: dict[str, float], cycles: int) -> dict[str, float]:
    psum = energy.get("psum_buffer", 0.0) + energy.get("apsq", 0.0)
    dram = energy.get("dram", 0.0)
    sram = sum(j for name, j in energy.items() if name.startswith("sram."))
    return {"cycles": cycles, "total_j": sum(energy.values()), "psum_j": psum,
            "sram_j": sram, "dram_j": dram, "array_j": energy.get("array", 0.0)}


def measure(case: Case) -> dict[str, dict[str, float]]:
    """Cycles and joules (total, PSUM buffer + APSQ engine, SRAM, DRAM, array) per variant."""
    out: dict[str, dict[str, float]] = {}
    wl: Workload | None = None
    for variant in VARIANTS:
        spec = _spec(case, variant)
        wl = wl or workload.load(spec.workload, spec.workload_format)
        out[variant] = _numbers(*_energy(spec, wl))
    return out


def study() -> dict[str, dict[str, dict[str, float]]]:
    """The whole study, keyed by case."""
    return {case.key: measure(case) for case in cases()}


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _saving(base: float, new: float) -> float:
    return 1.0 - new / base if base else 0.0


def _share_row(case: Case, numbers: dict[str, dict[str, float]]) -> str:
    base = numbers["psum32"]
    on_chip = base["total_j"] - base["dram_j"]
    memory = base["psum_j"] + base["sram_j"] + base["dram_j"]
    return (f"| {case.label} | {case.dataflow.upper()} | {base['total_j'] * 1e3:.3f} | "
            f"{_pct(base['psum_j'] / base['total_j'])} | {_pct(base['psum_j'] / on_chip)} | "
            f"{_pct(base['psum_j'] / memory)} | {_pct(base['dram_j'] / base['total_j'])} |")


def _saving_row(case: Case, numbers: dict[str, dict[str, float]]) -> str:
    base = numbers["psum32"]
    cells = []
    for what in ("psum", "onchip_memory", "total"):
        for gs in GROUP_SIZES:
            new = numbers[f"apsq_gs{gs}"]
            if what == "psum":
                cells.append(_pct(_saving(base["psum_j"], new["psum_j"])))
            elif what == "onchip_memory":
                cells.append(_pct(_saving(base["psum_j"] + base["sram_j"],
                                          new["psum_j"] + new["sram_j"])))
            else:
                cells.append(_pct(_saving(base["total_j"], new["total_j"])))
    slow = max(numbers[f"apsq_gs{gs}"]["cycles"] / base["cycles"] for gs in GROUP_SIZES)
    return (f"| {case.label} | {case.dataflow.upper()} | " + " | ".join(cells)
            + f" | {slow:.3f} |")


def render(rows: dict[str, dict[str, dict[str, float]]]) -> str:
    """docs/apsq.md from the study's numbers."""
    return page([_share_row(case, rows[case.key]) for case in cases()],
                [_saving_row(case, rows[case.key]) for case in cases()], _summary(rows))


def _span(values: list[float]) -> str:
    return f"{_pct(min(values))} to {_pct(max(values))}"


def _summary(rows: dict[str, dict[str, dict[str, float]]]) -> str:
    """One measured sentence for the comparison with the paper."""
    base = [numbers["psum32"] for numbers in rows.values()]
    share = [b["psum_j"] / b["total_j"] for b in base]
    on_chip = [b["psum_j"] / (b["total_j"] - b["dram_j"]) for b in base]
    memory_gs1 = [_saving(n["psum32"]["psum_j"] + n["psum32"]["sram_j"],
                          n["apsq_gs1"]["psum_j"] + n["apsq_gs1"]["sram_j"])
                  for n in rows.values()]
    total_gs1 = [_saving(n["psum32"]["total_j"], n["apsq_gs1"]["total_j"]) for n in rows.values()]
    return (f"accelsim measures a much smaller PSUM share, {_span(share)} of all energy "
            f"({_span(on_chip)} of on-chip energy), so INT8 APSQ at gs = 1 saves "
            f"{_span(memory_gs1)} of on-chip memory energy but only {_span(total_gs1)} of the "
            "total.")


if __name__ == "__main__":
    print(render(study()), end="")
