"""The README's sample output is what ``accelsim run configs/fineq_sa.yaml`` prints today
(``python docs/tools/readme_sample.py`` rewrites it)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tool():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("readme_sample",
                                                  ROOT / "docs" / "tools" / "readme_sample.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_sample_is_a_real_run() -> None:
    tool = _tool()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = tool.readme_block(text)
    assert text[start:end].rstrip("\n") == tool.sample(), (
        "README.md's sample output is stale: run python docs/tools/readme_sample.py")
    assert "total cycles" in text[start:end] and tool.ELIDED in text[start:end]
