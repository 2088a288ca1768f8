"""`accelsim run configs/reram_llm.yaml`: tokens/s and mJ/token printed and in the JSON totals;
bad input (acceptance rate, ReRAM geometry, a model that fits nowhere) exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelsim import api
from accelsim.cli import main

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "configs" / "reram_llm.yaml")


def test_run_prints_and_reports_tokens_per_s(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.json"
    assert main(["run", CONFIG, "--json", str(out)]) == 0
    assert "tokens/s" in capsys.readouterr().out
    totals = json.loads(out.read_text())["totals"]
    assert totals["tokens_per_s"] > 0 and totals["energy_per_token_j"] > 0
    assert totals["tokens_per_round"] == pytest.approx((1 - 0.8 ** 12) / 0.2)


def test_timeline_draws_the_round_pass_by_pass(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    assert main(["run", CONFIG, "--timeline", str(out)]) == 0
    events = json.loads(out.read_text())["traceEvents"]
    tracks = {e["args"]["name"] for e in events if e["ph"] == "M"}
    assert {"passes", "dram0", "dram1", "chiplet0.array", "chiplet0.reram", "link.c0-c1",
            "chiplet0.nonlinear"} <= tracks
    passes = [e["name"] for e in events if e.get("cat") == "passes"]
    assert passes == [*(f"draft pass {i}" for i in range(1, 12)), "target pass"]


@pytest.mark.parametrize(("override", "needle"), [
    ("llm.acceptance_rate=1.5", "acceptance_rate"),
    ("chiplets.dram_sharing=private", "every chip needs a DRAM channel"),
    ("llm.bvq.vector=2", "BVQ indices of 4 bits per weight"),
    ("system.reram.bandwidth=30GB/s", "inconsistent"),
    ("llm.dram_capacity=64MiB", "does not fit"),
])
def test_bad_input_exits_2(override: str, needle: str,
                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", CONFIG, "--set", override]) == 2
    assert needle in capsys.readouterr().err


def test_speculation_trend_and_reram_bytes() -> None:
    base = api.run(CONFIG, set={"llm.draft_length": 0, "system.dram.bandwidth": "3.2GB/s"})
    spec = api.run(CONFIG, set={"system.dram.bandwidth": "3.2GB/s"})
    assert base.stats.llm is not None and spec.stats.llm is not None
    # one target pass per token without a draft; ~5 tokens per pass with it
    assert spec.stats.llm.tokens_per_s > 3 * base.stats.llm.tokens_per_s
    assert spec.stats.llm.reram_bytes_per_token > 0
    # without a draft, the target's first decoder layers take the ReRAM
    assert 0 < base.stats.llm.reram_weight_fraction < 0.05
    assert spec.stats.llm.reram_weight_fraction == 0


def test_kv_in_reram_warns_about_endurance() -> None:
    result = api.run(CONFIG, set={"llm.kv_placement": "reram", "llm.kv_len": 16,
                                  "llm.draft_length": 0, "workload":
                                  str(ROOT / "workloads" / "llm" / "llama_160m.yaml"),
                                  "chiplets": None})
    assert result.stats.llm is not None and not result.stats.llm.endurance_ok
    assert any("endurance" in note for note in result.notes)


def test_sweep_over_acceptance_rate_shows_the_trend() -> None:
    frame = api.sweep(CONFIG, {"llm.acceptance_rate": [0.5, 0.9]}, backend="inprocess",
                      per_layer=False)
    tokens = list(frame["tokens_per_s"])
    energy = list(frame["energy_per_token_j"])
    assert tokens[0] < tokens[1] and energy[0] > energy[1]


def test_kv_cache_in_sram_removes_its_dram_traffic_and_must_fit(
        capsys: pytest.CaptureFixture[str]) -> None:
    small = {"llm.draft_length": 0, "llm.kv_len": 64, "chiplets": None,
             "workload": str(ROOT / "workloads" / "llm" / "vicuna_1b.yaml")}
    dram = api.run(CONFIG, set=small)
    sram = api.run(CONFIG, set={**small, "llm.kv_placement": "sram"})
    assert dram.stats.llm is not None and sram.stats.llm is not None
    # K and V of 22 layers x 4 KV heads x 64 dims x 65 keys, INT8, read once and one entry written
    kv_read = 2 * 22 * 4 * 64 * 65
    kv_write = 2 * 22 * 4 * 64
    saved = dram.stats.llm.dram_bytes_per_token - sram.stats.llm.dram_bytes_per_token
    assert saved == kv_read + kv_write
    assert main(["run", CONFIG, "--set", "llm.kv_placement=sram", "--set", "llm.kv_len=4096",
                 "--set", "llm.draft_length=0"]) == 2
    assert "does not fit in the weight SRAM" in capsys.readouterr().err


def test_prefill_reports_prompt_tokens_per_second() -> None:
    result = api.run(CONFIG, set={"llm.phase": "prefill", "llm.draft_length": 0,
                                  "llm.prompt_len": 32})
    assert result.stats.llm is not None and result.stats.llm.tokens_per_round == 32
    assert result.stats.llm.tokens_per_s == pytest.approx(32 / result.stats.seconds)
