"""``accelsim.sweep``: the frame's shape and values, resuming a store, backends agreeing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

import accelsim
from accelsim import api, config, runner
from accelsim.errors import ConfigError, InputError
from accelsim.report.plots import point_totals
from accelsim.sweep.store import stored_points

GRID = {"system.array.rows": [4, 8], "system.array.dataflow": ["os", "ws"]}
DERIVED = {"system.array.cols": "system.array.rows"}


def _sweep(tiny: Path, **options: object) -> pd.DataFrame:
    options.setdefault("backend", "inprocess")
    return accelsim.sweep(tiny, GRID, derived=DERIVED, **options)  # type: ignore[arg-type]


def test_the_package_and_the_function_are_both_callable(tiny: Path) -> None:
    import accelsim.sweep as package

    assert callable(package) and api.sweep is package.sweep
    pdt.assert_frame_equal(package(tiny, {"system.array.rows": [4]}, backend="inprocess"),
                           api.sweep(tiny, {"system.array.rows": [4]}, backend="inprocess"))


def test_one_row_per_point_and_layer_with_parameters_first(tiny: Path) -> None:
    frame = _sweep(tiny)
    assert len(frame) == 4 * 2
    assert list(frame.columns[:6]) == ["point", "system.array.rows", "system.array.dataflow",
                                       "system.array.cols", "workload_name", "layer_index"]
    assert frame["point"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert frame.attrs["parameters"] == ["system.array.rows", "system.array.dataflow",
                                         "system.array.cols"]
    for column in ("cycles", "stall_cycles", "utilization", "energy_j.array", "area_m2"):
        assert column in frame.columns
    assert frame["cycles"].dtype == "int64" and frame["energy_j"].dtype == "float64"
    assert (frame["cycles"] == frame["compute_cycles"] + frame["stall_cycles"]).all()


def test_each_point_matches_a_single_run_with_the_same_overrides(tiny: Path) -> None:
    frame = _sweep(tiny, per_layer=False)
    row = frame.iloc[3]
    result = accelsim.run(tiny, set={"system.array.rows": 8, "system.array.cols": 8,
                                     "system.array.dataflow": "ws"})
    assert row["cycles"] == result.total_cycles
    assert row["energy_j"] == pytest.approx(result.energy_j, rel=1e-12)
    assert row["area_m2"] == pytest.approx(result.area_m2, rel=1e-12)
    assert row["utilization"] == pytest.approx(result.utilization, rel=1e-12)


def test_per_point_totals_equal_the_sum_of_the_layers(tiny: Path) -> None:
    totals, layers = _sweep(tiny, per_layer=False), point_totals(_sweep(tiny))
    for column in ("cycles", "stall_cycles", "macs"):
        assert totals[column].tolist() == layers[column].tolist()
    assert totals["energy_j"].to_numpy() == pytest.approx(layers["energy_j"].to_numpy())
    assert totals["utilization"].to_numpy() == pytest.approx(layers["utilization"].to_numpy())


def test_the_process_pool_gives_the_same_frame(tiny: Path) -> None:
    pdt.assert_frame_equal(_sweep(tiny), _sweep(tiny, backend="local", workers=2),
                           check_exact=True)


def test_a_shared_input_cache_changes_nothing(tiny: Path) -> None:
    cache = runner.InputCache()
    for rows in (4, 8):
        spec = config.load_run_spec(tiny, {"system.array.rows": rows})
        shared, fresh = runner.run(spec, cache), api.run_spec(spec)
        assert shared.to_dict() == fresh.to_dict()


def test_resuming_a_partial_store_runs_only_the_missing_points(tiny: Path,
                                                               tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    full = _sweep(tiny)
    seen: list[tuple[int, int]] = []
    with pytest.raises(KeyboardInterrupt):
        _sweep(tiny, store=store, progress=lambda done, total: _stop_after(seen, done, total))
    assert sorted(stored_points(store)) == [0, 1]
    resumed_progress: list[tuple[int, int]] = []
    resumed = _sweep(tiny, store=store, resume=True,
                     progress=lambda d, t: resumed_progress.append((d, t)))
    pdt.assert_frame_equal(resumed, full, check_exact=True)
    assert resumed_progress[0] == (2, 4)  # started from the two stored points
    assert sorted(stored_points(store)) == [0, 1, 2, 3]


def _stop_after(seen: list[tuple[int, int]], done: int, total: int) -> None:
    seen.append((done, total))
    if done >= 2:
        raise KeyboardInterrupt


def test_a_completed_store_resumes_without_running_anything(tiny: Path,
                                                            tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    first = _sweep(tiny, store=store)
    again = _sweep(tiny, store=store, resume=True, backend="dask",
                   scheduler="tcp://127.0.0.1:9", connect_timeout_s=0.1)  # never contacted
    pdt.assert_frame_equal(again, first, check_exact=True)


def test_a_runspec_can_be_swept(tiny: Path) -> None:
    spec = config.load_run_spec(tiny)
    pdt.assert_frame_equal(accelsim.sweep(spec, GRID, derived=DERIVED, backend="inprocess"),
                           _sweep(tiny), check_exact=True)


def test_nothing_runs_when_any_point_is_invalid(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^--grid system\.array\.rows=-1: "):
        accelsim.sweep(tiny, {"system.array.rows": [4, -1]}, store=tmp_path / "s.sqlite")
    assert not (tmp_path / "s.sqlite").exists()


def test_a_failed_connection_leaves_no_store_behind(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        accelsim.sweep(tiny, GRID, backend="dask", scheduler="tcp://127.0.0.1:9",
                       connect_timeout_s=0.5, store=tmp_path / "s.sqlite")
    assert list(tmp_path.glob("s.sqlite*")) == []


def test_a_store_from_a_different_grid_is_refused(tiny: Path, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    _sweep(tiny, store=store)
    with pytest.raises(InputError, match="the swept keys or values changed"):
        accelsim.sweep(tiny, {"system.array.rows": [4, 16]}, store=store, resume=True)
    assert len(stored_points(store)) == 4
