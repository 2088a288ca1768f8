"""The base config of a sweep: RunSpec round trip, point validation messages, fingerprint."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim import config
from accelsim.errors import ConfigError, InputError
from accelsim.sweep.base import fingerprint, load_base, spec_tree, validate_points
from accelsim.sweep.grid import build_grid

REPO = Path(__file__).resolve().parents[3]


def test_a_runspec_becomes_a_tree_that_validates_back_to_it() -> None:
    spec = config.load_run_spec(REPO / "configs" / "int8_sa.yaml")
    tree = spec_tree(spec)
    assert tree["system"]["clock"] == "1000000000.0Hz"  # type: ignore[index]
    assert load_base(spec, None).spec() == spec


def test_a_runspec_base_takes_overrides() -> None:
    spec = config.load_run_spec(REPO / "configs" / "int8_sa.yaml")
    grid = build_grid({"system.array.rows": [8]}, fixed={"system.array.cols": 4})
    (point,) = validate_points(load_base(spec, {"system.array.cols": 4}), grid.points(),
                               grid.origins)
    assert (point.system.array.rows, point.system.array.cols) == (8, 4)
    assert point.system.sram == spec.system.sram


@pytest.mark.parametrize(("grid", "message"), [
    ({"system.aray.rows": [8]}, "--grid system.aray.rows=8: system.aray: unknown key 'aray' "
     "(did you mean 'array'?)"),
    ({"system.array.rows": [8, "abc"]}, "--grid system.array.rows=abc: system.array.rows: "
     "input should be a valid integer (got 'abc')"),
    ({"system.sram.ifmap.capacity": ["64KiB", "64KHz"]},
     "--grid system.sram.ifmap.capacity=64KHz: system.sram.ifmap.capacity: expected a capacity "
     "with a unit"),
])
def test_every_point_is_validated_like_set_and_names_its_option(tiny: Path, grid: dict,
                                                                 message: str) -> None:
    definition = build_grid(grid)
    with pytest.raises(ConfigError) as info:
        validate_points(load_base(tiny, None), definition.points(), definition.origins)
    assert info.value.render().startswith(message)


def test_a_bad_fixed_override_is_reported_as_set(tiny: Path) -> None:
    definition = build_grid({"system.array.rows": [8]})
    with pytest.raises(ConfigError, match=r"^--set system\.array\.cols=x: "):
        validate_points(load_base(tiny, {"system.array.cols": "x"}), definition.points(),
                        definition.origins)


def test_a_missing_scalesim_cfg_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="x.cfg: SCALE-Sim config file not found"):
        load_base(tmp_path / "x.cfg", None)


def _digest(config_path: Path, values: list[int]) -> str:
    base = load_base(config_path, None)
    definition = build_grid({"system.array.rows": values})
    points = definition.points()
    return fingerprint(base, points, validate_points(base, points, definition.origins),
                       "1.0")[0]


def test_fingerprint_follows_grid_config_and_input_files(tiny: Path) -> None:
    first = _digest(tiny, [8, 16])
    assert _digest(tiny, [8, 16]) == first
    assert _digest(tiny, [8, 32]) != first
    workload = tiny.parent / "wl.yaml"
    workload.write_text(workload.read_text().replace("m: 16", "m: 17"))
    assert _digest(tiny, [8, 16]) != first


def test_points_read_the_system_file_once_and_never_share_its_tree(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from accelsim.config import loader

    reads: list[Path] = []
    real = loader.read_system_file

    def counting(path: Path) -> object:
        reads.append(path)
        return real(path)

    monkeypatch.setattr("accelsim.sweep.base.read_system_file", counting)
    base = load_base(REPO / "configs" / "int8_sa.yaml", None)
    grid = build_grid({"system.array.rows": [8, 16], "system.sram.ifmap.capacity": ["8KiB"]})
    specs = validate_points(base, grid.points(), grid.origins)
    assert [s.system.array.rows for s in specs] == [8, 16]
    assert len(reads) == 1
    assert base.spec() == config.load_run_spec(REPO / "configs" / "int8_sa.yaml")
