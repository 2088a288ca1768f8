"""The text summary says what its totals cover: one chip, or a system of chips (and for an LLM
run, one round), with one chip's share beside the system's."""

from __future__ import annotations

from pathlib import Path

import pytest

import accelsim
from accelsim.report import Result, summary_text

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def reram() -> Result:
    return accelsim.run(REPO / "configs" / "reram_llm.yaml")


def _line(text: str, head: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(head))


def test_an_llm_summary_labels_system_totals_and_gives_the_per_chip_share(reram: Result) -> None:
    text = summary_text(reram)
    assert reram.stats.llm is not None and reram.stats.llm.chips == 4
    assert _line(text, "energy ").endswith("system: one round (4.66 tokens), 4 chips + links")
    chip = sum(v for k, v in reram.area.by_component_m2.items() if k.startswith("chiplet0."))
    assert 3.9 * chip < reram.area_m2 < 4.1 * chip  # four alike chips and area-free links
    assert f"system: 4 chips, {chip * 1e6:.4g} mm2 per chip" in _line(text, "area ")
    llm = _line(text, "LLM decode")
    assert "(system of 4 chip(s) + links; per chip" in llm
    per_chip = float(llm.split("per chip ")[1].split(" mJ/token")[0])
    assert per_chip == pytest.approx(1e3 * (reram.energy_per_token_j or 0) / 4, rel=0.05)
    assert _line(text, "per token").endswith("(all chips)")


def test_a_single_chip_summary_has_no_scope_labels() -> None:
    text = summary_text(accelsim.run(REPO / "configs" / "int8_sa.yaml"))
    assert "system:" not in _line(text, "energy ") and "system:" not in _line(text, "area ")
