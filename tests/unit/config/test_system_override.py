"""``--set system=FILE``: swap the whole system file (in run, validate and sweep grids)."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.config import input_files, load_run_spec
from accelsim.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
INT8 = REPO / "configs" / "int8_sa.yaml"
INT4 = REPO / "configs" / "systems" / "int4_32x32.yaml"


def test_a_system_file_replaces_the_configs_system() -> None:
    spec = load_run_spec(INT8, {"system": str(INT4)})
    assert spec.system.name == "int4_32x32"
    assert spec.system.array.precision.weight_bits == 4


def test_keys_set_beside_it_apply_on_top_of_the_new_file() -> None:
    spec = load_run_spec(INT8, {"system.array.rows": 64, "system": str(INT4)})
    assert (spec.system.name, spec.system.array.rows) == ("int4_32x32", 64)


def test_a_relative_path_is_from_the_working_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    spec = load_run_spec(INT8, {"system": "configs/systems/int4_32x32.yaml"})
    assert spec.system.name == "int4_32x32"


def test_the_swapped_file_is_an_input_of_the_run() -> None:
    files = [p.resolve() for p in input_files(INT8, {"system": str(INT4)})]
    assert INT4.resolve() in files
    assert (REPO / "configs" / "systems" / "int8_32x32.yaml").resolve() not in files


@pytest.mark.parametrize(("value", "expected"), [
    ("nope/missing.yaml", "system file 'nope/missing.yaml' not found"),
    ("", "expected a system file path or a mapping of keys; got ''"),
    (3, "expected a mapping of keys; got 3"),
])
def test_a_bad_system_file_is_one_error_naming_the_override(value: object,
                                                             expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_run_spec(INT8, {"system": value})
    text = caught.value.render()
    assert text.startswith("--set system=") and expected in text


def test_a_run_config_given_as_the_system_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown key 'system'"):
        load_run_spec(INT8, {"system": str(INT8)})
