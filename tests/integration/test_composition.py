"""The composition matrix of issue 11: every seed system composes with every other.

{multiplier, temporal PE} x {no PSUM buffer, 32-bit PSUM buffer, APSQ INT8 (group_size 2)} x
{SRAM+DRAM, + ReRAM stack} x {1 chip, 2x2 chiplet mesh} x {CNN, encoder, LLM decode, MoE}
= 96 runs. Each one either runs, with every component the case adds priced in
``energy.by_component_j`` (nothing ignored silently), or is refused with an ``InputError``
(exit 2 at the CLI) whose message names both sides of the pair that is not modelled. Only the
cases listed in ``REFUSED`` may be refused, and a listed case that runs fails too, so the table
stays honest. The five combinations the issue names (``NAMED``) also run from the CLI.

How a case is built (one run config per case, written to ``tmp_path``):

- The base system is configs/systems/int8_32x32.yaml shrunk to an 8x8 array with 16 KiB SRAMs,
  so that the whole matrix runs in well under a minute. Its only cost table is
  none (no ``tables:`` at all): issue 11 requires every component to pull in the tables it needs by
  default (temporal PE -> temporal_pe.yaml, APSQ -> apsq.yaml, ReRAM -> reram.yaml, link ->
  d2d_links.yaml), "a user adds tables only to override".
- temporal: ``array.pe`` and ``array.temporal`` of configs/systems/fineq_32x32.yaml (no
  decoder: the workloads are not FineQ-encoded). The workloads carry no weight values, so the
  timing uses the worst-case code.
- psum32 / apsq: a PSUM buffer of 32-bit words / APSQ INT8 words with group_size 2 (every K of
  the tiny workloads spans at least two row folds of the 8x8 array).
- reram: the ``reram`` block of configs/systems/reram_chip_55nm.yaml in every chip.
- 2x2: the run config's ``chiplets:`` section (mesh 2x2, ucie_advanced links), the one topology
  description for every family; the LLM family does not use ``llm.chips``/``llm.link``.
- What "1 chip" means: no ``chiplets:`` section, for every family (design.md: a single chip is
  the 1-chip case of a multi-chip system, so the plain config must be it). Measured on the code
  of h-matrix's base (f5f2b51): cnn/encoder run on the single-chip path; LLM decode is the
  configs/reram_llm.yaml style (``llm:`` with the default chips 1); MoE is refused ("this is a
  MoE model ... runs on a system of chiplets ... with a 'chiplets:' section"), while a
  ``chiplets:`` mesh of rows 1, cols 1 runs it. A 1x1 mesh runs the cnn in fewer cycles than
  the plain config (6,253 vs 7,180: two engines), and the LLM runner ignores a 1x1 mesh.
  The encoder: 58,172 vs 34,000. ``test_one_chip_is_the_1x1_mesh`` pins that both spellings
  of one chip agree.
- Workloads: workloads/tiny/ (cnn.yaml, encoder.yaml, llm_decode.yaml decoded with batch 1,
  kv_len 32, draft_length 0; moe.yaml with the default chiplets.moe: fse_dp, 64 tokens, Zipf 1
  routing from sim.seed). MoE runs with ``chiplets.compute: array`` (the array's exact timing,
  so the PE kind, PSUM buffer and ReRAM can matter); its expert FFN (256) keeps the K of each
  FSE-DP micro-slice of ``down`` at two row folds, so APSQ group_size 2 applies.
- Beyond the added components' energy, a temporal case must count an array pulse action
  (``array.pulse_cycles``), so that a runner that drops ``array.pe`` is caught too.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import accelsim.api as api
from accelsim.errors import InputError
from accelsim.report import Result

pytestmark = pytest.mark.composition

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "workloads" / "tiny"
SYSTEMS = REPO / "configs" / "systems"

# Cases that may be refused (InputError naming both sides of the pair), with why. Issue 11
# starts it empty: every combination runs. Add an entry only with the reason the pair is not
# modelled; an entry whose case runs fails the test.
_MOE_RERAM = ("the MoE schedules (EP, FSE-DP) load expert slices from the DRAM channels; "
              "a ReRAM stack holding experts is not modelled")
_PARTITION_RERAM = ("dense layers partitioned over several chiplets stream each share's "
                    "weights from DRAM; a per-chiplet ReRAM weight home is modelled for LLM "
                    "runs only")
REFUSED: dict[str, str] = {
    **{f"{pe}-{psum}-reram-{chips}-moe": _MOE_RERAM
       for pe in ("multiplier", "temporal") for psum in ("none", "psum32", "apsq")
       for chips in ("1chip", "2x2")},
    **{f"{pe}-{psum}-reram-2x2-{wl}": _PARTITION_RERAM
       for pe in ("multiplier", "temporal") for psum in ("none", "psum32", "apsq")
       for wl in ("cnn", "encoder")},
}

PES = ("multiplier", "temporal")
PSUMS = ("none", "psum32", "apsq")
MEMORIES = ("sram_dram", "reram")
CHIPS = ("1chip", "2x2")
WORKLOADS = ("cnn", "encoder", "llm_decode", "moe")

# The five combinations issue 11 names ("in particular these five must run").
NAMED = {
    "temporal-psum32-sram_dram-1chip-cnn": "temporal PEs + PSUM buffer (CNN)",
    "temporal-psum32-sram_dram-1chip-encoder": "temporal PEs + PSUM buffer (encoder)",
    "multiplier-none-reram-2x2-llm_decode": "LLM decode with its link energy in energy_j "
                                            "(configs/reram_llm.yaml on a chiplet mesh)",
    "multiplier-none-sram_dram-2x2-llm_decode": "LLM decode on a 2x2 chiplet mesh",
    "temporal-none-sram_dram-2x2-moe": "MoE with array timing on temporal PEs",
    "multiplier-apsq-sram_dram-2x2-encoder": "BERT-like encoder with an APSQ PSUM buffer "
                                             "on a 2x2 mesh",
}

# Words by which a refusal names one side of a pair (case-insensitive regexes).
SIDE_WORDS = {
    "multiplier": r"multiplier|conventional", "temporal": r"temporal",
    "none": r"no psum|without a psum", "psum32": r"psum|partial.sum", "apsq": r"apsq|psum",
    "sram_dram": r"sram|dram", "reram": r"reram",
    "1chip": r"single.chip|one chip|1.chip|chiplets", "2x2": r"chiplet|mesh|multi.chip|link",
    "cnn": r"conv|cnn", "encoder": r"attention|encoder|transformer|bert",
    "llm_decode": r"llm|decode", "moe": r"moe|expert",
}


@dataclass(frozen=True)
class Case:
    """One point of the matrix."""

    pe: str
    psum: str
    memory: str
    chips: str
    workload: str

    @property
    def id(self) -> str:
        return f"{self.pe}-{self.psum}-{self.memory}-{self.chips}-{self.workload}"

    def sides(self) -> tuple[str, ...]:
        return (self.pe, self.psum, self.memory, self.chips, self.workload)


CASES = [Case(*values) for values in itertools.product(PES, PSUMS, MEMORIES, CHIPS, WORKLOADS)]
BY_ID = {case.id: case for case in CASES}


def _block(system_file: str, *keys: str) -> dict[str, Any]:
    """Keys of a shipped system file, so the matrix uses the seed systems' own blocks."""
    data = yaml.safe_load((SYSTEMS / system_file).read_text(encoding="utf-8"))
    node = data
    for key in keys[:-1]:
        node = node[key]
    return node[keys[-1]]


def _system(case: Case) -> dict[str, Any]:
    """configs/systems/int8_32x32.yaml at 8x8 with 16 KiB SRAMs, plus what the case adds."""
    array: dict[str, Any] = {
        "rows": 8, "cols": 8, "dataflow": "ws",
        "precision": {"ifmap_bits": 8, "weight_bits": 8, "ofmap_bits": 8, "psum_bits": 32},
    }
    if case.pe == "temporal":
        array["pe"] = _block("fineq_32x32.yaml", "array", "pe")
        array["temporal"] = _block("fineq_32x32.yaml", "array", "temporal")
    system: dict[str, Any] = {
        "name": f"matrix_{case.id}",
        "clock": "1GHz",
        "array": array,
        "sram": {
            "ifmap": {"capacity": "16KiB", "width": "64b", "banks": 1, "double_buffered": True},
            "weight": {"capacity": "16KiB", "width": "64b", "banks": 1, "double_buffered": True},
            "ofmap": {"capacity": "16KiB", "width": "64b", "banks": 4, "double_buffered": True},
        },
        "dram": {"technology": "lpddr4", "bandwidth": "25.6GB/s", "latency": "100ns"},
        "technology": {"node": "45nm", "vdd": "0.9V"},
    }
    if case.psum == "psum32":
        system["psum_buffer"] = {"capacity": "16KiB", "width": "256b", "banks": 1,
                                 "quantization": "none", "word_bits": 32}
    elif case.psum == "apsq":
        system["psum_buffer"] = {"capacity": "16KiB", "width": "256b", "banks": 1,
                                 "quantization": "apsq", "word_bits": 8, "group_size": 2}
    if case.memory == "reram":
        system["reram"] = _block("reram_chip_55nm.yaml", "reram")
    return system


WORKLOAD_FILES = {"cnn": "cnn.yaml", "encoder": "encoder.yaml",
                  "llm_decode": "llm_decode.yaml", "moe": "moe.yaml"}


def _run_config(case: Case) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": f"matrix_{case.id}",
        "system": _system(case),
        "workload": str(TINY / WORKLOAD_FILES[case.workload]),
    }
    if case.workload == "llm_decode":
        config["llm"] = {"phase": "decode", "batch": 1, "kv_len": 32, "draft_length": 0}
    if case.chips == "2x2":
        config["chiplets"] = _mesh(2, 2)
    return config


def _mesh(rows: int, cols: int) -> dict[str, Any]:
    return {"topology": "mesh", "rows": rows, "cols": cols,
            "link": {"preset": "ucie_advanced", "bandwidth": "64GB/s"}, "compute": "array"}


def _write(config: dict[str, Any], tmp_path: Path, stem: str) -> Path:
    path = tmp_path / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _matches(component: str, tag: str) -> bool:
    """``tag`` names ``component`` when a dotted segment is the tag (``chiplet0.psum_buffer``,
    ``reram``, ``chip1.reram0``); ``link`` matches ``link.c0-c1``."""
    if tag == "link":
        return component.startswith("link.")
    return any(re.fullmatch(rf"{tag}\d*", segment) for segment in component.split("."))


def _added_components(case: Case) -> tuple[str, ...]:
    tags = ["array"]
    if case.psum in ("psum32", "apsq"):
        tags.append("psum_buffer")
    if case.psum == "apsq":
        tags.append("apsq")
    if case.memory == "reram":
        tags.append("reram")
    if case.chips == "2x2":
        tags.append("link")
    return tuple(tags)


def _missing_energy(energy_j: dict[str, float], case: Case) -> list[str]:
    """The components the case adds that have no positive energy (empty: all priced)."""
    missing = []
    for tag in _added_components(case):
        joules = [value for name, value in energy_j.items() if _matches(name, tag)]
        if not joules or sum(joules) <= 0:
            missing.append(f"{tag} ({'absent' if not joules else f'{sum(joules):g} J'})")
    return missing


def _check_ran(result: Result, case: Case) -> None:
    missing = _missing_energy(dict(result.energy.by_component_j), case)
    assert not missing, (f"{case.id}: ran, but the energy breakdown does not price "
                         f"{', '.join(missing)}; components: "
                         f"{sorted(result.energy.by_component_j)}")
    assert result.total_cycles > 0, f"{case.id}: total_cycles {result.total_cycles}"
    for layer in result.stats.layers:
        assert layer.cycles == layer.compute_cycles + layer.stall_cycles, (
            f"{case.id}: layer {layer.name}: cycles {layer.cycles} != compute "
            f"{layer.compute_cycles} + stall {layer.stall_cycles}")
    if case.pe == "temporal":  # not ignored silently: the array counts pulse cycles
        pulses = sum(count for layer in result.stats.layers
                     for action, count in layer.counts.items()
                     if action.split(".")[-2:-1] == ["array"] and "pulse" in action)
        assert pulses > 0, (f"{case.id}: temporal PEs asked for, but no layer counts an "
                            "array pulse action (array.pulse_cycles): the PE kind was ignored")


def _check_refusal(message: str, case: Case) -> None:
    named = [side for side in case.sides() if re.search(SIDE_WORDS[side], message, re.I)]
    axes = {("pe", "psum", "memory", "chips", "workload")[case.sides().index(side)]
            for side in named}
    assert len(axes) >= 2, (f"{case.id}: refused, but the message does not name both sides "
                            f"of the pair (names {named or 'none'}): {message}")


def test_refusal_table_names_real_cases() -> None:
    unknown = sorted(set(REFUSED) - set(BY_ID))
    assert not unknown, f"REFUSED lists cases that are not in the matrix: {unknown}"
    named_refused = sorted(set(REFUSED) & set(NAMED))
    assert not named_refused, f"issue 11 requires these to run: {named_refused}"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_composition(case: Case, tmp_path: Path) -> None:
    path = _write(_run_config(case), tmp_path, case.id)
    try:
        result = api.run(path)
    except InputError as exc:
        if case.id not in REFUSED:
            pytest.fail(f"{case.id}: refused but not listed in REFUSED: "
                        f"{type(exc).__name__}: {exc}", pytrace=False)
        _check_refusal(str(exc), case)
        _check_cli_exit_2(path, tmp_path, case)
        return
    if case.id in REFUSED:
        pytest.fail(f"{case.id}: listed in REFUSED ({REFUSED[case.id]!r}) but it runs; "
                    "remove the entry", pytrace=False)
    _check_ran(result, case)


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "accelsim.cli", "run", str(config), *args],
                          capture_output=True, text=True, env=env, cwd=str(REPO), timeout=120,
                          check=False)


def _check_cli_exit_2(config: Path, tmp_path: Path, case: Case) -> None:
    done = _cli(config, "--json", str(tmp_path / "refused.json"))
    assert done.returncode == 2, (f"{case.id}: refused in-process, but the CLI exits "
                                  f"{done.returncode}: {done.stderr[-2000:]}")
    _check_refusal(done.stderr, case)


@pytest.mark.parametrize("case_id", sorted(NAMED), ids=sorted(NAMED))
def test_named_combination_runs_from_the_cli(case_id: str, tmp_path: Path) -> None:
    case = BY_ID[case_id]
    config = _write(_run_config(case), tmp_path, case_id)
    out = tmp_path / "out.json"
    done = _cli(config, "--json", str(out))
    assert done.returncode == 0, (f"{case_id} ({NAMED[case_id]}): `accelsim run` exits "
                                  f"{done.returncode}: {done.stderr.strip()[-2000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    missing = _missing_energy(report["energy_j"], case)
    assert not missing, (f"{case_id} ({NAMED[case_id]}): the JSON's energy_j does not price "
                         f"{', '.join(missing)}; components: {sorted(report['energy_j'])}")
    assert report["totals"]["cycles"] > 0


@pytest.mark.parametrize("workload", WORKLOADS)
def test_one_chip_is_the_1x1_mesh(workload: str, tmp_path: Path) -> None:
    """design.md: a single chip is the 1-chip case of a multi-chip system, so a run config
    without ``chiplets:`` and one with a 1x1 mesh are the same system and give the same run."""
    case = Case("multiplier", "none", "sram_dram", "1chip", workload)
    plain = _run_config(case)
    mesh = {**plain, "chiplets": _mesh(1, 1)}
    results = {}
    for stem, config in (("plain", plain), ("mesh1x1", mesh)):
        try:
            results[stem] = api.run(_write(config, tmp_path, stem))
        except InputError as exc:
            pytest.fail(f"{workload}, 1 chip written as {stem}: {type(exc).__name__}: {exc}",
                        pytrace=False)
    assert results["plain"].total_cycles == results["mesh1x1"].total_cycles, (
        f"{workload}: 1 chip takes {results['plain'].total_cycles} cycles without a chiplets "
        f"section and {results['mesh1x1'].total_cycles} as a 1x1 mesh")
    assert results["plain"].energy_j == pytest.approx(results["mesh1x1"].energy_j, rel=1e-9)
