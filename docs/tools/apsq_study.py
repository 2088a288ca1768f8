"""The PSUM-energy study of docs/apsq.md: 32-bit PSUMs against INT8 APSQ (gs = 1, 2, 4) under
WS and IS, on the shipped configs (configs/psum32_*.yaml, configs/apsq_*.yaml), every run
through ``accelsim.run`` with the searched mapping (the same search for every variant).
``python docs/tools/apsq_study.py > docs/apsq.md`` regenerates the page;
tests/regression/test_apsq_study.py pins the numbers.

The APSQ configs set ``psum_buffer.short_reduction: one_group`` (a layer with fewer K tiles
than gs sums its whole reduction as one group), so one config runs a whole workload at any gs.
The variants ``engine_gs*`` are the alternative reading of where an open group's sum lives
(``psum_buffer.group_sum_home: engine``).
"""
# ruff: noqa: E501  (markdown table rows are kept on one line)

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import accelsim
from accelsim.report import Result

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
ENGINE_SIZES = (2, 4)
VARIANTS = ("psum32", *(f"apsq_gs{gs}" for gs in GROUP_SIZES),
            *(f"engine_gs{gs}" for gs in ENGINE_SIZES), "spill_psum32", "spill_apsq_gs1")
SPILL = {"mapping.search": "off", "mapping.stream_tiling": "none"}  # the unsearched spill regime


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


def _overrides(case: Case, variant: str) -> dict[str, object]:
    overrides: dict[str, object] = {"workload": str(ROOT / case.path)}
    if variant.startswith("spill_"):
        overrides.update(SPILL)
        variant = variant.removeprefix("spill_")
    if variant != "psum32":
        home, gs = variant.split("_gs")
        overrides["system.psum_buffer.group_size"] = int(gs)
        overrides["system.psum_buffer.group_sum_home"] = \
            "engine" if home == "engine" else "psum_buffer"
    return overrides


def run(case: Case, variant: str) -> Result:
    """One variant of one case, through ``accelsim.run``."""
    config = "psum32" if variant.endswith("psum32") else "apsq"
    return accelsim.run(ROOT / "configs" / f"{config}_{case.dataflow}.yaml",
                        set=_overrides(case, variant))


def numbers(result: Result) -> dict[str, float]:
    """Cycles and joules: total; the PSUM attribution (buffer + engine, and its DRAM part:
    spills and PSUM-induced re-fetch); SRAMs; DRAM; the array."""
    energy = result.energy.by_component_j
    psum = result.energy.psum_by_component_j
    on_chip = sum(j for name, j in psum.items() if name in ("psum_buffer", "apsq"))
    return {"cycles": result.total_cycles, "total_j": result.energy_j,
            "psum_j": result.energy.psum_j, "psum_onchip_j": on_chip,
            "psum_dram_j": psum.get("dram", 0.0),
            "sram_j": sum(j for name, j in energy.items() if name.startswith("sram.")),
            "dram_j": energy.get("dram", 0.0), "array_j": energy.get("array", 0.0)}


def measure(case: Case) -> dict[str, dict[str, float]]:
    """Every variant of one case."""
    return {variant: numbers(run(case, variant)) for variant in VARIANTS}


def study() -> dict[str, dict[str, dict[str, float]]]:
    """The whole study, keyed by case."""
    return {case.key: measure(case) for case in cases()}


# derived figures (also what the regression test checks)
def onchip_memory_j(n: dict[str, float]) -> float:
    """On-chip memory energy: the PSUM buffer, the APSQ engine and the SRAMs."""
    return n["psum_onchip_j"] + n["sram_j"]


def onchip_psum_share(n: dict[str, float]) -> float:
    """PSUM share of on-chip memory energy."""
    return n["psum_onchip_j"] / onchip_memory_j(n)


def saving(base: float, new: float) -> float:
    """1 - new / base (0 when the base is 0)."""
    return 1.0 - new / base if base else 0.0


def heaviest(rows: dict[str, dict[str, dict[str, float]]]) -> str:
    """The PSUM-heavy setting: the case whose baseline spends the largest share on PSUMs."""
    return max(rows, key=lambda key: rows[key]["psum32"]["psum_j"] / rows[key]["psum32"]["total_j"])


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _share_row(case: Case, rows: dict[str, dict[str, dict[str, float]]]) -> str:
    b = rows[case.key]["psum32"]
    memory = onchip_memory_j(b) + b["dram_j"]
    return (f"| {case.label} | {case.dataflow.upper()} | {b['total_j'] * 1e3:.3f} | "
            f"{_pct(b['psum_j'] / b['total_j'])} | {_pct(onchip_psum_share(b))} | "
            f"{_pct(b['psum_j'] / memory)} | {_pct(b['psum_dram_j'] / b['dram_j'])} | "
            f"{_pct(b['dram_j'] / b['total_j'])} |")


def _cells(case: Case, rows: dict[str, dict[str, dict[str, float]]], prefix: str,
           sizes: tuple[int, ...]) -> list[str]:
    base = rows[case.key]["psum32"]
    new = [rows[case.key][f"{prefix}_gs{gs}"] for gs in sizes]
    return ([_pct(saving(base["psum_j"], n["psum_j"])) for n in new]
            + [_pct(saving(onchip_memory_j(base), onchip_memory_j(n))) for n in new]
            + [_pct(saving(base["total_j"], n["total_j"])) for n in new]
            + [f"{max(n['cycles'] for n in new) / base['cycles']:.3f}"])


def _saving_row(case: Case, rows: dict[str, dict[str, dict[str, float]]], prefix: str,
                sizes: tuple[int, ...]) -> str:
    return (f"| {case.label} | {case.dataflow.upper()} | "
            + " | ".join(_cells(case, rows, prefix, sizes)) + " |")


def _spill_row(case: Case, rows: dict[str, dict[str, dict[str, float]]]) -> str:
    n = rows[case.key]
    base, new, searched = n["spill_psum32"], n["spill_apsq_gs1"], n["psum32"]
    return (f"| {case.label} | {case.dataflow.upper()} | {base['total_j'] * 1e3:.3f} | "
            f"{base['total_j'] / searched['total_j']:.2f}x | {_pct(base['psum_j'] / base['total_j'])} | "
            f"{_pct(saving(base['total_j'], new['total_j']))} | "
            f"{new['cycles'] / base['cycles']:.3f} |")


def _span(values: list[float]) -> str:
    return f"{_pct(min(values))} to {_pct(max(values))}"


def _label(key: str) -> str:
    case = next(c for c in cases() if c.key == key)
    return f"{case.label}, {case.dataflow.upper()}"


def summary(rows: dict[str, dict[str, dict[str, float]]]) -> str:
    """The measured sentences compared with the paper's figures."""
    base = [n["psum32"] for n in rows.values()]
    best_onchip = max(rows, key=lambda key: onchip_psum_share(rows[key]["psum32"]))
    heavy = heaviest(rows)
    h = rows[heavy]
    totals = {gs: saving(h["psum32"]["total_j"], h[f"apsq_gs{gs}"]["total_j"])
              for gs in GROUP_SIZES}
    dram_saved = h["psum32"]["dram_j"] - h["apsq_gs1"]["dram_j"]
    attributed = h["psum32"]["psum_dram_j"] - h["apsq_gs1"]["psum_dram_j"]
    return (
        f"With 32-bit PSUMs the PSUM buffer takes {_span([onchip_psum_share(b) for b in base])} "
        f"of on-chip memory energy (largest: {_label(best_onchip)}, "
        f"{_pct(onchip_psum_share(rows[best_onchip]['psum32']))}), and PSUMs (buffer, spills and "
        f"PSUM-induced re-fetch) {_span([b['psum_j'] / b['total_j'] for b in base])} of all "
        f"energy. The PSUM-heavy setting (the largest PSUM share of the total) is "
        f"{_label(heavy)}: there INT8 APSQ saves "
        + ", ".join(f"{_pct(v)} at gs = {gs}" for gs, v in totals.items())
        + " of the total energy, against the paper's 28-87%. Of the DRAM energy gs = 1 saves "
        f"there ({dram_saved * 1e3:.3f} mJ), the drop of the DRAM energy attributed to PSUMs "
        f"is {attributed * 1e3:.3f} mJ; the difference is re-reads of the other operands that "
        "the INT8 PSUMs' smaller working set lets the search avoid (not attributed to PSUMs). "
        + _spill_summary(rows))


def _spill_summary(rows: dict[str, dict[str, dict[str, float]]]) -> str:
    """The unsearched spill regime in one sentence."""
    share = {key: n["spill_psum32"]["psum_j"] / n["spill_psum32"]["total_j"]
             for key, n in rows.items()}
    saved = {key: saving(n["spill_psum32"]["total_j"], n["spill_apsq_gs1"]["total_j"])
             for key, n in rows.items()}
    top = max(share, key=lambda key: share[key])
    return (f"Without the search and with the stream not cut (last table), PSUMs reach "
            f"{_pct(share[top])} of the total ({_label(top)}) and INT8 APSQ at gs = 1 saves "
            f"{_span(list(saved.values()))} of it, the paper's regime; but that baseline costs "
            f"up to {max(n['spill_psum32']['total_j'] / n['psum32']['total_j'] for n in rows.values()):.2f}x "
            "the searched one, so it is not the fair comparison.")


def render(rows: dict[str, dict[str, dict[str, float]]]) -> str:
    """docs/apsq.md from the study's numbers: fixed text around the measured tables."""
    return (HEADER + "\n".join(_share_row(c, rows) for c in cases()) + "\n" + BUFFER_HEAD
            + "\n".join(_saving_row(c, rows, "apsq", GROUP_SIZES) for c in cases()) + "\n"
            + ENGINE_HEAD
            + "\n".join(_saving_row(c, rows, "engine", ENGINE_SIZES) for c in cases()) + "\n"
            + SPILL_HEAD + "\n".join(_spill_row(c, rows) for c in cases()) + "\n"
            + TAIL.replace("{summary}", summary(rows)))


# ----------------------------------------------------------------------------------------------
# the text of the page around the measured tables
# ----------------------------------------------------------------------------------------------
HEADER = """\
# PSUM buffers and APSQ: what partial sums cost, and what INT8 PSUMs save

Generated by `python docs/tools/apsq_study.py > docs/apsq.md` (about 45 s); the numbers are
pinned by `tests/regression/test_apsq_study.py` (golden file
`tests/regression/golden/apsq_study.json`). Do not edit by hand. Every run goes through
`accelsim.run` on a shipped config with overrides (workload, `psum_buffer.group_size`,
`psum_buffer.group_sum_home`), with the searched mapping.

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
APSQ at gs = 1 stores only INT8 PSUMs; a group of gs > 1 tiles is summed at full precision first
(the numerics of `accelsim.quant.apsq.apsq_matmul`). **Where the open group's sum lives** is not
stated by the sources (papers.md section 2: the RAE has "several PSUM buffers" [S]); it is
`psum_buffer.group_sum_home`:

- `psum_buffer` (the reading of the shipped configs): the open group's 32-bit sum is held in
  the PSUM buffer beside the stored INT8 PSUM: the `wide` accesses of the table go to the
  buffer, and its working set is `word + wide` = 40 bits per element, more than the baseline's 32.
- `engine` (the alternative, shown as its own table): the open group's sum is held in
  accumulator registers of the APSQ engine; the `wide` accesses are counted on the engine
  (`apsq.read_bits` / `apsq.write_bits`) and priced as register bits (Aladdin, 0.009 pJ/bit at
  40 nm), the buffer holds only the 8-bit PSUMs. The registers get no area of their own (inside
  the engine's cited 86,410 um2) and their capacity is not checked: an optimistic bound. That
  area would hold at most about 29,500 register bits (Aladdin's 5.98 um2/bit at 40 nm, scaled
  by (28/40)^2 to 2.93 um2/bit at 28 nm, with nothing else in the engine), about 920 32-bit sums,
  while one 32-column fold of a 128-row stream chunk opens 4,096.

`psum_buffer.short_reduction: one_group` (set in the APSQ configs) lets a layer with fewer K
tiles than gs sum its whole reduction as one group (the group closes at its last K tile), so one
config runs a whole workload at each gs. When the PSUM working set does not fit the buffer, the
mapping either cuts the stream into chunks that fit (the stationary operand is fetched again per
chunk) or spills every stored PSUM to DRAM and refills it before it is read; the mapping search
(`mapping.search: on`, objective `energy`, the same for baseline and APSQ) picks per layer among
those, the loop order and the SRAM residencies. The buffer's ports lengthen a fold whose PSUM
traffic needs more cycles than the array. `tests/properties/test_psum_reference.py` checks the
read/write/requantization counts (both group homes, short reductions) against a reference buffer
(`accelsim/reference/psum_replay.py`) replaying the stepper's fold outputs.

**PSUM energy** (`psum_energy_j` in the JSON report, per layer and per component; "PSUM energy"
in the text summary): the PSUM buffer and the APSQ engine whole (dynamic and leakage), plus the
DRAM energy of PSUM spills and of the PSUM-induced re-fetch (the stationary operand's re-reads
beyond the compulsory ones when the stream is cut into chunks: `accelsim/mapping/psum_traffic.py`);
without a PSUM buffer, the ofmap SRAM's partial-sum traffic.

Cost: the buffer is priced from the CACTI 7.0 rows (`accelsim/data/tables/cacti7_sram.yaml`) at
its bank size and access width, per bit (0.07 pJ/bit read and 0.14 pJ/bit write for 16 KiB banks
and 256-bit accesses at 45 nm); a requantization is one shift and one 32-bit add (Aladdin
shifter, Horowitz adder; `accelsim/data/tables/apsq.yaml`); the engine adds its published area,
86,410 um2 at 28 nm (+3.21%; papers.md section 2 [S]), scaled to 45 nm. The paper gives no
engine energy or leakage.

## Setup

`configs/psum32_ws.yaml`, `configs/psum32_is.yaml` (32-bit PSUMs) and `configs/apsq_ws.yaml`,
`configs/apsq_is.yaml` (INT8 APSQ; gs set per column below). From the paper: IS and WS, INT8
operands, INT8 PSUMs, gs. Not in the paper [NF], stated in the configs as placeholders, the same
for both: a 32x32 INT8 array at 45 nm, 1 GHz, 3 x 64 KiB SRAMs, a 64 KiB PSUM buffer (4 banks,
256-bit accesses; the same macro for 32- and 8-bit PSUMs, so only the bits moved differ), LPDDR4
at 25.6 GB/s (8 pJ/bit). K tile = 32 rows. Energies include leakage.

## PSUM share of energy with 32-bit PSUMs

"PSUM / total": PSUM energy as defined above over all energy. "PSUM / on-chip memory": the PSUM
buffer over the PSUM buffer plus the SRAMs. "PSUM / memory": PSUM energy over the PSUM buffer,
SRAMs and DRAM. "PSUM / DRAM": the DRAM energy of spills and PSUM-induced re-fetch over all DRAM
energy.

| workload | dataflow | energy (mJ) | PSUM / total | PSUM / on-chip memory | PSUM / memory | PSUM / DRAM | DRAM / total |
|---|---|---|---|---|---|---|---|
"""

BUFFER_HEAD = """
## Saving with INT8 APSQ (open group sums in the PSUM buffer)

Energy saved against the 32-bit PSUM run of the same dataflow: of PSUM energy ("PSUM", as above,
DRAM spills and re-fetch included), of on-chip memory (PSUM buffer + APSQ engine + SRAMs), and
in total. The last column is the largest cycle ratio APSQ/baseline over gs. A negative PSUM
saving with a positive total saving is the search trading: INT8 PSUMs make spilling cheap, so
it spills more and re-reads the other operands less.

| workload | dataflow | PSUM gs1 | PSUM gs2 | PSUM gs4 | on-chip mem. gs1 | gs2 | gs4 | total gs1 | gs2 | gs4 | cycles |
|---|---|---|---|---|---|---|---|---|---|---|---|
"""

ENGINE_HEAD = """
## The alternative: open group sums in the APSQ engine (`group_sum_home: engine`)

The same columns for gs = 2 and 4 (gs = 1 has no open group, so it equals the table above).

| workload | dataflow | PSUM gs2 | PSUM gs4 | on-chip mem. gs2 | gs4 | total gs2 | gs4 | cycles |
|---|---|---|---|---|---|---|---|---|
"""

SPILL_HEAD = """
## For comparison: the unsearched spill regime

The fixed mapping with the stream not cut (`mapping.search: off`, `mapping.stream_tiling: none`):
32-bit PSUMs that do not fit spill to DRAM, the regime of the large savings measured before the
mapping search (issue 13). Energy of the baseline there, as a multiple of the searched
baseline's; its PSUM share; what INT8 APSQ at gs = 1 saves under the same fixed mapping; and
the cycle ratio. The searched mapping avoids most of this cost for 32-bit PSUMs already, which is
why the searched savings above are smaller.

| workload | dataflow | energy (mJ) | vs searched | PSUM / total | total saving gs1 | cycles |
|---|---|---|---|---|---|---|
"""

TAIL = """
## Against APSQ's published figures

APSQ (DAC 2025; papers.md section 2) reports that PSUM accesses "may account for 69% of power"
[P], memory-access energy savings of 28-42% under IS and up to 87% under WS for CV models [S],
up to 31.7x for LLaMA2-7B under WS [S], and 28-87% overall [P]. {summary}

Why the figures differ, from stated assumptions (nothing is tuned to the paper's numbers):

- **DRAM sits in the denominator.** Operands come from LPDDR4 at 8 pJ/bit (Accelergy's figure,
  costs.md section 6), 57-114x the PSUM buffer's per-bit cost, and the 64 KiB SRAMs force
  re-fetches. Against on-chip memory alone the PSUM buffer's share is close to the paper's 69%
  (first table), except on EfficientViT's short reductions; against the total it is small
  unless PSUMs move DRAM traffic. APSQ's energy model is a memory-access model
  corrected by a bit-width ratio β [S], whose equation, buffer sizes and constants are not
  available (papers.md section 2 [NF]).
- **Where PSUMs move DRAM traffic, APSQ saves most.** An INT8 PSUM takes a quarter of the buffer,
  so longer stream chunks fit (less re-fetch of the stationary operand), spills cost a quarter,
  and loop orders that need more PSUMs on chip become possible (less re-fetch of the streamed
  operand). That is where the total savings above reach the paper's range.
- **One RMW per 32 MACs.** With K tiles of 32 rows, each PSUM is read and written once per 32
  MACs; a smaller array (or K tile) raises the PSUM share in proportion.
- **gs > 1 with the group sums in the buffer** needs 40 bits per element, more than the baseline's
  32: chunks get shorter and totals can rise. With the group sums in the engine's registers
  (second table) gs = 2 and 4 save as much as gs = 1 or more, within the capacity caveat above.
- **Short reductions.** Depthwise convs (K = 9 or 25) fit one K tile and move no PSUMs, and
  EfficientViT's pointwise layers have short K, so PSUMs matter less there and gs = 4 often spans
  a layer's whole reduction (one group).
- **Same buffer for both.** The INT8 buffer could be 4x smaller for the same PSUM count (cheaper
  per bit and less leakage); the study keeps the macro fixed so that only the bits moved change.
- **Not attributed to PSUMs:** the streamed operand's re-reads that a loop order keeping PSUMs on
  chip causes; the summary above says how much of the DRAM saving that leaves out.

## Accuracy at the same settings (docs/quantization.md)

What the INT8 PSUMs cost in accuracy, measured by accelsim's front-end (post-training, scale =
smallest power of two holding the exact running sum; APSQ itself learns it with QAT [S]):

| setting | measure | 32-bit PSUMs | APSQ INT8 gs 1 | gs 2 | gs 4 |
|---|---|---|---|---|---|
| all-MiniLM-L6-v2, INT8 weights per channel + INT8 activations, K tile 32, scale per column | mean / min cosine to fp32 over 60 sentences | 0.9833 / 0.9740 | - | 0.9779 / 0.9522 | - |
| Gaussian INT8 GEMM 128x768x768, K tile 32, scale per tensor | relative RMSE of the PSUM | 0 | 7.01% | 4.94% | 3.50% |
| the same, scale per output column | relative RMSE of the PSUM | 0 | 4.63% | 3.19% | 2.21% |

Read together: gs = 1 saves the most PSUM energy when group sums live in the buffer and loses
the most accuracy; each doubling of gs cuts the PSUM error by about sqrt(2).

## Not modelled

PSUM buffers on temporal-coded arrays (a config error for now); OS (partial sums stay in the
PEs, so the buffer is unused); the APSQ engine's own energy beyond one shift + add per
requantization and its group registers, and its leakage; the capacity of the engine's group
registers; a PSUM buffer sized differently from the baseline's in the study.
"""


if __name__ == "__main__":
    print(render(study()), end="")
