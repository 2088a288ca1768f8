"""docs/config.md is generated from the specs; these tests keep it from rotting."""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

import pytest
from pydantic import BaseModel

from accelsim.config import RunSpec, load_run_spec
from accelsim.config.docs import (
    EXAMPLE_ERROR,
    EXAMPLE_RUN,
    EXAMPLE_SYSTEM,
    config_reference_markdown,
)
from accelsim.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
DOC = REPO / "docs" / "config.md"


def test_checked_in_reference_is_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == config_reference_markdown(), (
        "docs/config.md is stale: run `python -m accelsim.config.docs > docs/config.md`")


@pytest.mark.filterwarnings("ignore:'accelsim.config.docs' found in sys.modules")
def test_module_main_prints_the_reference(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_module("accelsim.config.docs", run_name="__main__")
    assert capsys.readouterr().out == config_reference_markdown()


def _fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str]]:
    """(key path as documented, description) of every field, nested specs included."""
    found = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{field.alias or name}"
        found.append((path, field.description or ""))
        for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                found += _fields(arg, f"{path}.")
                break
    return found


def test_every_key_is_documented_with_its_description() -> None:
    text = config_reference_markdown()
    fields = _fields(RunSpec)
    assert len(fields) > 40
    for path, description in fields:
        assert description, f"{path} has no description"
        for buffer in ("ifmap", "weight", "ofmap", "shared"):  # documented once as <name>
            path = path.replace(f"sram.{buffer}.", "sram.<name>.")
        assert f"| `{path}` |" in text, path
        assert " ".join(description.split()).replace("|", "\\|") in text, path


@pytest.mark.parametrize("row", [
    "| `system.array.rows` | integer > 0, <= 65536 | *required* | PE rows. |",
    "| `system.clock` | frequency >= 1Hz, <= 100THz (held in Hz) | *required* |",
    "| `system.sram.<name>.width` | capacity > 0, whole bits, <= 1024TiB (held in bits) | `64b` |",
    "| `system.dram.energy_per_bit` | energy per bit >= 0, <= 1uJ/bit (held in J/bit), or null "
    "| null |",
    "| `system.array.dataflow` | one of `os`, `ws`, `is` | *required* |",
    "| `sim.timeline` | boolean | `false` |",
    "| `system.tables` | list of strings | `()` |",
])
def test_rows_show_type_unit_range_and_default(row: str) -> None:
    assert row in config_reference_markdown()


@pytest.fixture
def example_tree(tmp_path: Path) -> Path:
    """The documented example files, laid out as in the repository."""
    configs = tmp_path / "configs"
    (configs / "systems").mkdir(parents=True)
    shutil.copytree(REPO / "workloads", tmp_path / "workloads")
    (configs / "systems" / "int8_32x32.yaml").write_text(EXAMPLE_SYSTEM)
    (configs / "my_run.yaml").write_text(EXAMPLE_RUN)
    return configs / "my_run.yaml"


def test_documented_example_is_a_valid_config(example_tree: Path) -> None:
    spec = load_run_spec(example_tree)
    assert (spec.name, spec.system.name, spec.system.array.rows) == ("my_run", "int8_32x32", 32)


def test_documented_error_is_what_a_typo_in_the_example_gives(example_tree: Path) -> None:
    example_tree.write_text(EXAMPLE_RUN.replace("seed:", "sed:"))
    with pytest.raises(ConfigError) as info:
        load_run_spec(example_tree)
    assert str(info.value) == f"{example_tree.parent}/{EXAMPLE_ERROR}"
