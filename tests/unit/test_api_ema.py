"""``accelsim.api.ema_saving``: an LLM run's DRAM bytes per token against a named baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim import api
from accelsim.errors import ConfigError

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "reram_llm.yaml"


def test_both_baselines_read_more_dram_than_the_reram_chip() -> None:
    for name in api.EMA_BASELINES:
        ema = api.ema_saving(CONFIG, name)
        assert ema.baseline == name and ema.saving > 3
        assert ema.saving == ema.baseline_dram_bytes_per_token / ema.dram_bytes_per_token


def test_an_unknown_baseline_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="expected one of bf16_sd, w4_no_spec"):
        api.ema_saving(CONFIG, "fp32")
