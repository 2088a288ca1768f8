"""Telling workload families apart by their first lines, without importing their readers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from accelsim.workload.kinds import declares_schema, is_llm_file, is_moe_file, is_onnx_ref

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("text", "llm", "moe", "onnx"), [
    ("schema: accelsim.llm/1\nname: x\n", True, False, False),
    ("# a comment\nschema: accelsim.moe/1\n", False, True, False),
    ("schema: accelsim.onnx/1  # trailing comment\n", False, False, True),
    ("schema: accelsim.workload/1\n", False, False, False),
    ("name: x\n", False, False, False),
])
def test_the_schema_line_names_the_family(tmp_path: Path, text: str, llm: bool, moe: bool,
                                          onnx: bool) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(text)
    assert (is_llm_file(path), is_moe_file(path), is_onnx_ref(path)) == (llm, moe, onnx)


def test_only_yaml_files_declare_a_schema(tmp_path: Path) -> None:
    path = tmp_path / "model.txt"
    path.write_text("schema: accelsim.llm/1\n")
    assert not declares_schema(path, "accelsim.llm/1")
    assert not declares_schema(tmp_path / "missing.yaml", "accelsim.llm/1")


def test_a_layer_model_run_never_imports_the_llm_moe_or_onnx_readers() -> None:
    code = ("import sys; from accelsim.workload.loader import load; "
            "load('workloads/resnet18.yaml', 'auto'); "
            "print(sorted(m for m in ('accelsim.workload.moe', 'accelsim.workload.onnx_ref', "
            "'accelsim.workload.onnx_import') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"
