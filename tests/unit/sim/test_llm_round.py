"""One LLM round (sim/llm.py): a shared DRAM pool, APSD's hidden draft time, the LRU rows and
the efficiency factor."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from accelsim import api
from accelsim.errors import ConfigError
from accelsim.hardware.system import build
from accelsim.report import Result
from accelsim.sim.llm import apsd_exposed, timed_chip

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "configs" / "reram_llm.yaml"


def test_a_shared_pool_gives_each_chip_an_equal_share() -> None:
    spec = api.load(CONFIG)
    assert spec.chiplets is not None
    system = build(spec.system, spec.chiplets)
    assert system.dram_at == (0, 1)
    assert timed_chip(system).dram.bandwidth_bits_per_s == pytest.approx(6.4e9 * 8 / 2)


def test_pool_traffic_is_spread_over_its_channels_and_conserved() -> None:
    shared = api.run(CONFIG)
    counts = shared.stats.total_counts()
    reads = {k: v for k, v in counts.items() if k.startswith("dram") and "read" in k}
    assert set(reads) == {"dram0.read_bits", "dram1.read_bits"}
    assert abs(reads["dram0.read_bits"] - reads["dram1.read_bits"]) <= len(shared.stats.layers)
    assert shared.stats.llm is not None
    assert shared.stats.llm.dram_bytes_per_token == pytest.approx(
        sum(v for k, v in counts.items() if k.startswith("dram")) / 8
        / shared.stats.llm.tokens_per_round)


def test_apsd_hides_the_draft_time_of_parallel_rounds() -> None:
    apsd = api.run(CONFIG)
    plain = api.run(CONFIG, set={"llm.speculation": "sequential"})
    assert apsd.spec.llm is not None and plain.spec.llm is not None
    assert apsd_exposed(apsd.spec.llm) == 1 - Fraction(4, 5) ** 12
    assert apsd_exposed(plain.spec.llm) == 1
    draft = [(a, p) for a, p in zip(apsd.stats.layers, plain.stats.layers, strict=True)
             if p.name.startswith("draft.") and p.op != "link"]
    assert draft and all(a.cycles < p.cycles and a.counts == p.counts for a, p in draft)
    assert apsd.total_cycles < plain.total_cycles


def test_rs_pnm_beats_the_array_for_the_draft() -> None:
    pnm = api.run(CONFIG, set={"llm.speculation": "sequential"})
    array = api.run(CONFIG, set={"llm.speculation": "sequential", "llm.draft_engine": "array"})

    def draft(result: Result) -> int:
        return sum(r.cycles for r in result.stats.layers
                   if r.name.startswith("draft.") and "@" in r.name and r.op == "gemm")
    assert draft(pnm) < draft(array) / 4


def test_lower_efficiency_slows_a_dram_bound_round() -> None:
    full = api.run(CONFIG).stats.llm
    half = api.run(CONFIG, set={"system.dram.efficiency": 0.5}).stats.llm
    assert full is not None and half is not None
    assert half.tokens_per_s < 0.6 * full.tokens_per_s


def test_rotation_rows_once_per_distinct_input() -> None:
    rows = [r.name for r in api.run(CONFIG).stats.layers if r.op == "rotation"]
    assert rows == ["target.self_attn.q_proj.rotate", "target.self_attn.o_proj.rotate",
                    "target.mlp.gate_proj.rotate", "target.mlp.down_proj.rotate"]


def test_a_shared_pool_is_refused_outside_llm_runs() -> None:
    config = ROOT / "configs" / "moe_chiplet_ep.yaml"
    with pytest.raises(ConfigError, match="dram_sharing 'shared'.*LLM runs only"):
        api.run(config, set={"chiplets.dram_sharing": "shared"})
