"""`accelsim run` with a Hugging Face config.json as the workload of LLM and MoE runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from accelsim import cli

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, config: str, workload: Path) -> dict[str, object]:
    report = tmp_path / "r.json"
    assert cli.main(["run", str(ROOT / "configs" / config), "--workload", str(workload),
                     "--json", str(report)]) == 0
    body: dict[str, object] = json.loads(report.read_text())
    return body


def test_llm_run_from_config_json_equals_the_model_file(tmp_path: Path) -> None:
    folder = tmp_path / "Llama-2-7b-hf"
    shutil.copytree(ROOT / "workloads" / "hf" / "Llama-2-7b-hf", folder)
    shutil.copy(ROOT / "workloads" / "llm" / "llama_160m.yaml", folder)  # the run's draft
    ours = _run(tmp_path, "reram_llm.yaml", folder / "config.json")
    theirs = _run(tmp_path, "reram_llm.yaml", ROOT / "workloads" / "llm" / "llama2_7b.yaml")
    assert ours["totals"] == theirs["totals"]


def test_moe_run_from_config_json(tmp_path: Path) -> None:
    body = _run(tmp_path, "moe_chiplet_ep.yaml",
                ROOT / "workloads" / "hf" / "Qwen3-30B-A3B" / "config.json")
    assert body["totals"]["cycles"] > 0  # type: ignore[index]
    assert body["workload"]["name"] == "Qwen3-30B-A3B"  # type: ignore[index]
