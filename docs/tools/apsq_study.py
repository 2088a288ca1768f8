"""The PSUM-energy study of docs/apsq.md: 32-bit PSUMs against INT8 APSQ (gs = 1, 2, 4) under
WS and IS, on the shipped configs (configs/psum32_*.yaml, configs/apsq_*.yaml).
``python docs/tools/apsq_study.py > docs/apsq.md`` regenerates the page;
tests/regression/test_apsq_study.py pins the numbers.

APSQ's group size may not exceed a layer's K tiles (a config error); in the study a layer with
fewer K tiles than gs runs with gs = its K tiles (its whole reduction in one group). That split
of a workload by group size is why this study calls the stages (``mapping.plan``,
``sim.simulate``, ``cost.estimate_energy``) itself instead of ``accelsim.run``.
"""
# ruff: noqa: E501  (markdown table rows are kept on one line)

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import accelsim
from accelsim import cost, mapping, sim, workload
from accelsim.config.run_spec import RunSpec
from accelsim.workload import Workload

ROOT = Path(__file__).resolve().parents[2]
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
    return accelsim.load(ROOT / "configs" / f"{config}_{case.dataflow}.yaml", set=overrides)


def _k_tiles(spec: RunSpec, wl: Workload) -> list[int]:
    """K tiles per layer: under WS and IS the reduction (K) runs down the array's rows."""
    array = spec.system.array
    assert array.dataflow in DATAFLOWS, array.dataflow
    return [-(-layer.gemm().k // array.rows) for layer in wl.layers]


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
    return _page([_share_row(case, rows[case.key]) for case in cases()],
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


# ----------------------------------------------------------------------------------------------
# the text of the page around the measured tables
# ----------------------------------------------------------------------------------------------
HEADER = """\
# PSUM buffers and APSQ: what partial sums cost, and what INT8 PSUMs save

Generated by `python docs/tools/apsq_study.py > docs/apsq.md` (about 6 s); the numbers are
pinned by `tests/regression/test_apsq_study.py` (golden file
`tests/regression/golden/apsq_study.json`). Do not edit by hand.

## The model

With `system.psum_buffer` set (docs/config.md), the partial sums of a ws/is tile that spans
several row folds (K tiles of `array.rows`) live in a PSUM buffer instead of the ofmap SRAM.
Per output element and K tile `t` of `T` (`accelsim/mapping/psum.py`):

| case | PSUM-buffer reads | PSUM-buffer writes | requantizations |
|---|---|---|---|
| 32-bit PSUMs (`quantization: none`) | `word` if `t > 0` | `word` unless `t = T-1` | 0 |
| APSQ, tile opens a group of gs and does not close it | 0 | `wide` | 0 |
| APSQ, inside a group | `wide` | `wide` | 0 |
| APSQ, tile closes its group (`t % gs = gs-1` or `t = T-1`) | `wide` if not the group's first tile, `word` if a group came before | `word` unless `t = T-1` | 1 |

`word` is `psum_buffer.word_bits` (32 baseline, 8 with APSQ), `wide` the accumulation width
(`array.precision.psum_bits`, 32). The last K tile's sum goes to the ofmap SRAM at `ofmap_bits`.
So APSQ at gs = 1 stores only INT8 PSUMs; a group of gs > 1 tiles is summed at full precision
first (the numerics of `accelsim.quant.apsq.apsq_matmul`), and its running group sum is held in
the buffer at 32 bits between its tiles. That is why gs = 2 and 4 save less buffer energy than
gs = 1 here: the paper's "gs = 2-4 is best" [S] is an accuracy/cost trade-off, and this is its
cost side. When the PSUM working set (`word` bits per element, plus `wide` while a group is
open) does not fit the buffer, the stream is cut into chunks that fit (`mapping.stream_tiling:
auto`; the stationary operand is fetched again per chunk), or with `stream_tiling: none` every
stored PSUM is spilled to DRAM and refilled before it is read. The buffer's ports (`width x banks
x ports` bits per cycle, reads and writes on separate ports) lengthen a fold whose PSUM traffic
needs more cycles than the array (the `busy_cycles` seam). `tests/properties/test_psum_reference.py`
checks the read/write/requantization counts, for random shapes, arrays, dataflows, fold orders,
gs and buffer sizes (chunking and spills), against a reference buffer
(`accelsim/reference/psum_replay.py`) replaying the stepper's fold outputs;
`tests/unit/hardware/test_psum_buffer.py` checks the port stall cycles against a per-fold
reference and the spill stalls of a DRAM-bound layer.

Counts: `psum_buffer.read_bits`, `psum_buffer.write_bits`, `apsq.requant_ops`. Cost: the buffer is
priced from the CACTI 7.0 rows (`accelsim/data/tables/cacti7_sram.yaml`) at its bank size and access
width, per bit; a requantization is one shift and one 32-bit add (Aladdin shifter, Horowitz
adder; `accelsim/data/tables/apsq.yaml`); the reconfigurable APSQ engine adds its published area,
86,410 um2 at 28 nm (+3.21%; papers.md section 2 [S]), scaled to 45 nm. The paper gives no engine
energy or leakage.

## Setup

`configs/psum32_ws.yaml`, `configs/psum32_is.yaml` (32-bit PSUMs) and `configs/apsq_ws.yaml`,
`configs/apsq_is.yaml` (INT8 APSQ; gs set per column below): a 32x32 INT8 array at 45 nm, 1 GHz,
3 x 64 KiB SRAMs, a 64 KiB PSUM buffer (4 banks, 256-bit accesses; the same macro for 32- and
8-bit PSUMs, so only the bits moved differ), LPDDR4 at 25.6 GB/s. K tile = 32 rows. A layer
with fewer K tiles than gs runs with gs = its K tiles. Energies include leakage.

## PSUM share of energy with 32-bit PSUMs

"PSUM" = the PSUM buffer (dynamic + leakage); "on-chip" = all but DRAM; "memory" = PSUM buffer
+ SRAMs + DRAM.

| workload | dataflow | energy (mJ) | PSUM / total | PSUM / on-chip | PSUM / memory | DRAM / total |
|---|---|---|---|---|---|---|
"""

SAVING_HEAD = """
## Saving with INT8 APSQ

Energy saved against the 32-bit PSUM run of the same dataflow: of the PSUM buffer plus the APSQ
engine ("PSUM"), of on-chip memory (PSUM buffer + APSQ engine + SRAMs), and in total. The last
column is the largest cycle ratio APSQ/baseline over gs.

| workload | dataflow | PSUM gs1 | PSUM gs2 | PSUM gs4 | on-chip mem. gs1 | gs2 | gs4 | total gs1 | gs2 | gs4 | cycles |
|---|---|---|---|---|---|---|---|---|---|---|---|
"""

TAIL = """
## Against APSQ's published figures

APSQ (DAC 2025; papers.md section 2) reports that PSUM accesses "may account for 69% of power" [P],
memory-access energy savings of 28-42% under IS and up to 87% under WS for CV models [S], up to
31.7x for LLaMA2-7B under WS [S], and 28-87% overall [P]. {summary} Differences from stated
assumptions:

- **DRAM dominates here.** Our systems fetch weights and activations from LPDDR4 at 8 pJ/bit
  (Accelergy's figure, costs.md section 6) and the 64 KiB SRAMs force re-fetches; the PSUM
  buffer is on chip at 0.07 pJ/bit read and 0.14 pJ/bit write (CACTI, 16 KiB banks, 256-bit
  accesses, scaled to 45 nm), so a 32-bit read-modify-write costs 6.8 pJ, about 0.21 pJ per MAC
  next to 0.3 pJ for the MAC itself, and an APSQ requantization 0.58 pJ. APSQ's energy model is a
  memory-access model corrected by a PSUM-bit-width ratio β [S], whose equation, buffer sizes and
  per-access constants are not available (papers.md section 2 [NF]); a model in which every
  access costs the same per bit and DRAM traffic is not counted puts far more weight on PSUMs.
- **One RMW per 32 MACs.** With K tiles of 32 rows, each PSUM is read and written once per 32
  MACs; a smaller array (or K tile) raises the PSUM share in proportion.
- **gs > 1 holds 32-bit group sums.** Our reading of the grouping (the table above) keeps
  within-group sums at 32 bits in the buffer; if the engine held them in its own registers
  (inside its 86,410 um2), gs = 2 and 4 would save as much as gs = 1 or more. The larger PSUM
  working set at gs > 1 also cuts the stream into shorter chunks, so the stationary operand is
  fetched from DRAM more often: that is why some totals rise.
- **A smaller working set helps DRAM too.** At gs = 1 an INT8 PSUM takes a quarter of the
  buffer, so stream chunks are up to 4x longer and the stationary operand is re-fetched less:
  under IS the total can fall by more than the PSUM energy itself, and the run gets faster.
- **Short reductions.** Depthwise convs (K = 9 or 25) fit one K tile and move no PSUMs, and
  EfficientViT's pointwise layers have short K, so PSUMs matter less there and gs = 4 often spans
  a layer's whole reduction (one group: all its partial sums stay at 32 bits).
- **Same buffer for both.** The INT8 buffer could be 4x smaller for the same PSUM count (cheaper
  per bit and less leakage); the study keeps the macro fixed so that only the bits moved change.
- **The PSUM-only saving** (first three columns) is the figure closest to the paper's
  memory-access saving restricted to PSUMs: 1 - 8/32 = 75% of the bits at gs = 1, less the
  requantization energy and the (unchanged) leakage.

## Accuracy at the same settings (docs/quantization.md)

What the INT8 PSUMs cost in accuracy, measured by accelsim's front-end (post-training, scale =
smallest power of two holding the exact running sum; APSQ itself learns it with QAT [S]):

| setting | measure | 32-bit PSUMs | APSQ INT8 gs 1 | gs 2 | gs 4 |
|---|---|---|---|---|---|
| all-MiniLM-L6-v2, INT8 weights per channel + INT8 activations, K tile 32, scale per column | mean / min cosine to fp32 over 60 sentences | 0.9833 / 0.9740 | - | 0.9779 / 0.9522 | - |
| Gaussian INT8 GEMM 128x768x768, K tile 32, scale per tensor | relative RMSE of the PSUM | 0 | 7.01% | 4.94% | 3.50% |
| the same, scale per output column | relative RMSE of the PSUM | 0 | 4.63% | 3.19% | 2.21% |

Read together: gs = 1 saves the most PSUM energy and loses the most accuracy; each doubling of
gs cuts the PSUM error by about sqrt(2) and, in this model, gives back part of the energy saving.

## Not modelled

PSUM buffers on temporal-coded arrays (a config error for now); OS (partial sums stay in the
PEs, so the buffer is unused); the APSQ engine's own energy beyond one shift + add per
requantization and its leakage; a PSUM buffer sized differently from the baseline's in the study.
"""


def _page(share_rows: list[str], saving_rows: list[str], summary: str) -> str:
    """The whole page: fixed text around the two measured tables and the measured summary."""
    return HEADER + "\n".join(share_rows) + "\n" + SAVING_HEAD + "\n".join(saving_rows) + \
        "\n" + TAIL.replace("{summary}", summary)


if __name__ == "__main__":
    print(render(study()), end="")
