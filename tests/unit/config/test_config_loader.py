"""A valid config loads into SI/bits, resolves paths, applies overrides and stays frozen."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from accelsim.config import RunSpec, load_run_spec
from accelsim.data import builtin_table_path
from accelsim.errors import ConfigError
from accelsim.types import Dataflow, Operand

from .conftest import RUN, SYSTEM, ConfigTree


def test_valid_tree_loads_with_units_converted(tree: ConfigTree) -> None:
    spec = tree.load()
    system = spec.system
    assert (spec.name, system.name) == ("run", "sys")
    assert system.clock_hz == 1e9
    assert (system.array.rows, system.array.cols, system.array.dataflow) == (4, 4, Dataflow.WS)
    assert system.sram.ifmap is not None
    assert system.sram.ifmap.capacity_bits == 8 * 1024 * 8  # capacities are binary
    assert system.sram.ifmap.width_bits == 64
    assert system.dram.bandwidth_bits_per_s == 6.4e9 * 8  # rates are decimal
    assert system.dram.latency_s == pytest.approx(100e-9)
    assert spec.sim.seed == 1


def test_defaults_fill_what_the_file_omits(tree: ConfigTree) -> None:
    spec = tree.load()
    precision = spec.system.array.precision
    assert (precision.ifmap_bits, precision.weight_bits, precision.psum_bits) == (8, 8, "auto")
    assert precision.accumulation_bits == "auto" and precision.accumulation_width == 32
    assert spec.system.technology.node_m == pytest.approx(45e-9)
    assert spec.system.technology.vdd_v == pytest.approx(0.9)
    assert spec.system.dram.energy_per_bit_j is None
    assert spec.workload_format == "auto"
    assert spec.mapping.stream_tiling == "auto"
    assert spec.sim.timeline is False


def test_paths_resolve_against_the_file_that_names_them(tree: ConfigTree) -> None:
    spec = tree.load()
    assert spec.workload == str(tree.root / "wl.yaml")
    # tables are named in systems/sys.yaml as ../tables/t.yaml
    assert spec.system.tables == (str(tree.root / "tables" / "t.yaml"),)


def test_inline_system_resolves_tables_against_the_run_config(tree: ConfigTree) -> None:
    inline = "system:\n" + "".join(f"  {line}\n" for line in SYSTEM.splitlines())
    inline = inline.replace("../tables/t.yaml", "tables/t.yaml")
    spec = tree.load(RUN.replace("system: systems/sys.yaml\n", inline))
    assert spec.system.tables == (str(tree.root / "tables" / "t.yaml"),)


def test_builtin_tables_resolve_to_the_packaged_files(tree: ConfigTree) -> None:
    spec = tree.load(system=SYSTEM.replace("../tables/t.yaml", "builtin:default_45nm"))
    assert spec.system.tables == (str(builtin_table_path("default_45nm")),)
    assert Path(spec.system.tables[0]).is_file()


def test_builtin_tables_given_with_set_resolve_too(tree: ConfigTree) -> None:
    spec = tree.load(overrides={"system.tables": ["builtin:temporal_pe"]})
    assert spec.system.tables == (str(builtin_table_path("temporal_pe")),)


def test_spec_is_frozen(tree: ConfigTree) -> None:
    spec = tree.load()
    with pytest.raises(pydantic.ValidationError):
        spec.system.array.rows = 8  # type: ignore[misc]


def test_overrides_replace_values_and_create_sections(tree: ConfigTree) -> None:
    spec = tree.load(overrides={
        "system.array.rows": 16,
        "system.clock": "500MHz",
        "system.array.precision.weight_bits": 4,
        "system.dram.energy_per_bit": "8pJ/bit",
        "sim.timeline": True,
    })
    assert spec.system.array.rows == 16
    assert spec.system.clock_hz == 5e8
    assert spec.system.array.precision.weight_bits == 4
    assert spec.system.dram.energy_per_bit_j == pytest.approx(8e-12)
    assert spec.sim.timeline is True


def test_override_switches_sram_to_one_shared_buffer(tree: ConfigTree) -> None:
    spec = tree.load(overrides={"system.sram": {"shared": {"capacity": "96KiB"}}})
    assert spec.system.sram.shared is not None
    third = spec.system.sram.buffer_for(Operand.WEIGHT)
    assert third.capacity_bits == 32 * 1024 * 8


def test_workload_override_resolves_against_cwd(tree: ConfigTree,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tree.root / "other.yaml").write_text((tree.root / "wl.yaml").read_text())
    monkeypatch.chdir(tree.root)
    spec = tree.load(overrides={"workload": "other.yaml"})
    assert spec.workload == str(tree.root / "other.yaml")


def test_later_override_wins(tree: ConfigTree) -> None:
    spec = tree.load(overrides={"system.array": {"rows": 2, "cols": 2, "dataflow": "os"},
                                "system.array.rows": 8})
    assert (spec.system.array.rows, spec.system.array.dataflow) == (8, Dataflow.OS)


def test_override_error_points_at_the_override_not_the_file(tree: ConfigTree) -> None:
    message = tree.error(overrides={"system.sram.ifmap.capacity": "0KiB"})
    assert message.startswith("--set system.sram.ifmap.capacity=0KiB: ")


def test_error_in_the_file_is_still_reported_with_overrides(tree: ConfigTree) -> None:
    system = SYSTEM.replace("latency: 100ns", "latency: 100")
    message = tree.error(system=system, overrides={"system.array.rows": 8})
    assert message.startswith("TMP/systems/sys.yaml:13: system.dram.latency: ")


def test_repository_configs_load() -> None:
    root = Path(__file__).resolve().parents[3] / "configs"
    for path in (root / "int8_sa.yaml", root / "fineq_sa.yaml"):
        spec = load_run_spec(path)
        assert isinstance(spec, RunSpec)
        assert Path(spec.workload).is_file()
        assert all(Path(table).is_file() for table in spec.system.tables)


def test_missing_config_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_run_spec(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: config file not found"


def test_config_that_is_a_directory_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_run_spec(tmp_path)
    assert str(info.value).startswith(f"{tmp_path}: cannot read config file: ")


def test_config_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(ConfigError) as info:
        load_run_spec(path)
    assert str(info.value).startswith(f"{path}: cannot read config file: 'utf-8' codec")


@pytest.mark.parametrize("value", [0, 7, -3, 10**30, True, False, None, 1.5, 1e-5, [1, 2],
                                   {"a": 1}])
def test_an_override_label_shows_the_value_as_yaml_flow_style(value: object) -> None:
    import yaml

    from accelsim.config.loader import override_label

    shown = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, sort_keys=False)
    assert override_label("k", value) == f"--set k={shown.strip().removesuffix('...').strip()}"
