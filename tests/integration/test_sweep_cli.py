"""`accelsim sweep` and `accelsim plot` end to end: outputs in every format agree with the API,
the progress bar, and bad input as one pinned line with exit code 2 and nothing lost."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

import accelsim
from accelsim import cli
from accelsim.sweep import load_results, stored_points
from tests.unit.sweep.helpers import write_tiny_config

GRID_ARGS = ["--grid", "system.array.rows=4,8", "--grid", "system.array.dataflow=os,ws",
             "--derive", "system.array.cols=system.array.rows", "--backend", "inprocess"]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_tiny_config(tmp_path)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _api(tiny: Path, **options: object) -> pd.DataFrame:
    return accelsim.sweep(tiny, {"system.array.rows": [4, 8],
                                 "system.array.dataflow": ["os", "ws"]},
                          derived={"system.array.cols": "system.array.rows"},
                          backend="inprocess", **options)  # type: ignore[arg-type]


def test_csv_parquet_and_sqlite_hold_the_api_frame(tiny: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    expected = _api(tiny)
    for name in ("r.csv", "r.parquet", "r.sqlite"):
        out = tmp_path / name
        code, stdout, err = _run(capsys, "sweep", str(tiny), *GRID_ARGS[:-2], "--out",
                                 str(out))  # the default backend: the local process pool
        assert code == 0, err
        assert stdout == f"wrote {out} (4 points, 8 rows)\n"
        assert err.splitlines()[-1].startswith("[########################] 4/4 points")
        pdt.assert_frame_equal(load_results(out), expected, check_exact=name != "r.csv",
                               check_dtype=False)
    pdt.assert_frame_equal(pd.read_parquet(tmp_path / "r.parquet"), expected, check_exact=True)
    assert sorted(p.name for p in tmp_path.glob("r.*")) == ["r.csv", "r.parquet", "r.sqlite"]


def test_per_point_rows(tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.parquet"
    code, _, err = _run(capsys, "sweep", str(tiny), *GRID_ARGS, "--per-point", "--out",
                        str(out), "--no-progress")
    assert code == 0 and err == ""
    pdt.assert_frame_equal(pd.read_parquet(out), _api(tiny, per_layer=False), check_exact=True)


def test_plot_command_writes_each_kind(tiny: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "r.csv"
    assert _run(capsys, "sweep", str(tiny), *GRID_ARGS, "--out", str(results))[0] == 0
    code, out, err = _run(capsys, "plot", str(results), "--x", "system.array.rows", "--y",
                          "energy_j")
    assert code == 0, err
    default = tmp_path / "r.energy_j_vs_system.array.rows.png"
    assert out == f"wrote {default}\n" and default.read_bytes()[:4] == b"\x89PNG"
    for kind, extra in (("pareto", []), ("utilization", ["--point", "1"]),
                        ("energy", ["--where", "system.array.dataflow=ws", "--x",
                                    "system.array.rows"])):
        target = tmp_path / f"{kind}.svg"
        code, _, err = _run(capsys, "plot", str(results), "--kind", kind, *extra, "--out",
                            str(target))
        assert code == 0, err
        assert "<svg" in target.read_text()


def test_a_killed_csv_sweep_keeps_its_points_in_a_side_store(tiny: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    out = tmp_path / "r.csv"
    side = tmp_path / "r.csv.sweep.sqlite"
    _api(tiny, store=side, per_layer=True)  # as if a CLI run died after storing every point
    code, _, err = _run(capsys, "sweep", str(tiny), *GRID_ARGS, "--out", str(out))
    assert code == 2
    assert err == (f"accelsim: error: {side}: a results store already exists here; pass "
                   f"--resume (resume=True) to continue it, or choose another file\n")
    code, _, err = _run(capsys, "sweep", str(tiny), *GRID_ARGS, "--out", str(out), "--resume")
    assert code == 0, err
    assert not side.exists()  # its points are all in r.csv now
    assert len(pd.read_csv(out)) == 8


@pytest.mark.parametrize(("argv", "message"), [
    (["--grid", "system.aray.rows=8,16"],
     "--grid system.aray.rows=8: system.aray: unknown key 'aray' (did you mean 'array'?); "
     "valid keys here: name, clock, array, sram, dram, technology"),  # optional keys follow
    (["--grid", "system.array.rows="], "--grid: system.array.rows: empty list of values to "
     "sweep"),
    (["--grid", "system.array.rows=8,big"], "--grid system.array.rows=big: system.array.rows: "
     "input should be a valid integer (got 'big')"),
    (["--grid", "system.sram.ifmap.capacity=64KiB,64KHz"],
     "--grid system.sram.ifmap.capacity=64KHz: system.sram.ifmap.capacity: expected a capacity "
     "with a unit, such as '64KiB', '2MB' or '512b'; 'KHz' is not a unit of capacity (in "
     "'64KHz')"),
    (["--grid", "system.array.rows=8", "--grid", "system.array.rows=16"],
     "--grid: system.array.rows is given twice"),
    (["--zip", "system.array.rows=8,16", "--zip", "system.array.cols=8"],
     "--zip: zipped keys need lists of the same length; system.array.rows has 2, "
     "system.array.cols has 1"),
    (["--grid", "system.array.rows=8", "--backend", "gpu"],
     "--backend: unknown backend 'gpu'; expected one of local, inprocess, dask"),
    (["--grid", "system.array.rows=8", "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9",
      "--connect-timeout", "0.5"],
     "--scheduler: cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 0.5 s"),
])
def test_bad_input_is_one_line_and_exit_2(tiny: Path, tmp_path: Path, argv: list[str],
                                          message: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.csv"
    code, stdout, err = _run(capsys, "sweep", str(tiny), *argv, "--out", str(out),
                             "--no-progress")
    assert code == 2 and stdout == ""
    assert err.startswith(f"accelsim: error: {message}") and err.count("\n") == 1
    assert list(tmp_path.glob("r.*")) == []  # nothing written, no store left behind


def test_resuming_a_different_sweep_is_refused_and_loses_nothing(
        tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "r.sqlite"
    assert _run(capsys, "sweep", str(tiny), *GRID_ARGS, "--out", str(store))[0] == 0
    before = store.read_bytes()
    code, _, err = _run(capsys, "sweep", str(tiny), "--grid", "system.array.rows=4,16",
                        "--out", str(store), "--resume")
    assert code == 2
    assert err.startswith(f"accelsim: error: {store}: cannot resume: this store holds a "
                          f"different sweep (the swept keys or values changed;")
    assert store.read_bytes() == before and len(stored_points(store)) == 4


def test_bad_output_and_plot_input(tiny: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "sweep", str(tiny), *GRID_ARGS, "--out",
                        str(tmp_path / "r.json"))
    assert code == 2 and "unknown results format '.json'; use .csv, .parquet, .sqlite" in err
    results = tmp_path / "r.csv"
    assert _run(capsys, "sweep", str(tiny), *GRID_ARGS, "--out", str(results))[0] == 0
    code, _, err = _run(capsys, "plot", str(results), "--x", "system.array.rows", "--y",
                        "cycels")
    assert code == 2 and "no column 'cycels' in the results (did you mean 'cycles'?)" in err
    code, _, err = _run(capsys, "plot", str(results))
    assert code == 2 and "a metric plot needs --x KEY" in err
    code, _, err = _run(capsys, "plot", str(results), "--kind", "pareto", "--where",
                        "system.array.rows=5")
    assert code == 2 and "--where: no rows where system.array.rows = 5" in err


def test_plot_titles_name_the_config_not_the_results_file(
        tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from accelsim.report import plots

    results = tmp_path / "r.csv"
    assert _run(capsys, "sweep", str(tiny), *GRID_ARGS, "--out", str(results))[0] == 0
    titles: list[str] = []
    real = plots.plot_metric

    def recorded(*args: object, **kwargs: object) -> object:
        figure = real(*args, **kwargs)  # type: ignore[arg-type]
        titles.append(figure.axes[0].get_title())
        return figure

    monkeypatch.setattr(plots, "plot_metric", recorded)
    code, _, err = _run(capsys, "plot", str(results), "--x", "system.array.rows",
                        "--out", str(tmp_path / "m.png"))
    assert code == 0, err
    config_name = str(pd.read_csv(results)["config_name"].iloc[0])
    assert titles and f"— {config_name} on " in titles[0] and "r.csv" not in titles[0]
