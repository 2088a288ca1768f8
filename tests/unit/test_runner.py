"""The one chain: default tables per component, the notes a run carries, validate's line."""

from __future__ import annotations

from pathlib import Path

import accelsim
from accelsim import config, runner
from accelsim.cost.builtin import resolve_table
from accelsim.hardware.system import build

REPO = Path(__file__).resolve().parents[2]


def _spec(name: str, **overrides: object) -> config.RunSpec:
    return config.load_run_spec(REPO / "configs" / f"{name}.yaml", overrides or None)


def test_default_tables_come_first_and_a_listed_table_overrides_them() -> None:
    spec = _spec("fineq_sa", **{"system.tables": []})
    paths = runner.table_paths(build(spec.system), ())
    assert paths == (resolve_table("builtin:default_45nm", "."),
                     resolve_table("builtin:temporal_pe", "."))
    override = str(REPO / "my_override.yaml")
    assert runner.table_paths(build(spec.system), (override,))[-1] == override


def test_a_run_without_listed_tables_prices_every_component() -> None:
    result = accelsim.run(REPO / "configs" / "apsq_ws.yaml",
                          set={"system.tables": [], "system.psum_buffer.group_size": 1,
                               "workload": str(REPO / "workloads" / "tiny"
                                                                    / "encoder.yaml")})
    energy = result.energy.by_component_j
    assert energy["psum_buffer"] > 0 and energy["apsq"] > 0 and energy["array"] > 0


def test_an_onnx_graph_lists_its_untimed_operators_by_kind() -> None:
    result = accelsim.run(REPO / "configs" / "int8_sa.yaml",
                          workload=REPO / "workloads" / "onnx" / "resnet18.onnx")
    note = next(n for n in result.notes if "non-GEMM operators" in n)
    assert note.startswith("28 non-GEMM operators") and "activation 17 ops" in note
    assert result.stats.macs == 1_814_073_344


def test_validate_describes_every_run_kind() -> None:
    assert "x 4 chips; LLM decode of llama2_7b + llama_160m" in runner.validate(
        _spec("reram_llm"))
    assert "MoE model deepseek_moe_16b" in runner.validate(_spec("moe_chiplet_ep"))
    assert "workload resnet18 with 21 layers" in runner.validate(_spec("int8_sa"))
