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
    assert totals["tokens_per_round"] == pytest.approx((1 - 0.9 ** 7) / 0.1)


@pytest.mark.parametrize(("override", "needle"), [
    ("llm.acceptance_rate=1.5", "acceptance_rate"),
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
                                  "llm.chips": 1})
    assert result.stats.llm is not None and not result.stats.llm.endurance_ok
    assert any("endurance" in note for note in result.notes)
