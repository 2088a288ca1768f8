"""Dask backend: a 2-worker LocalCluster gives the same frame as the local pool, bit for bit; an
unreachable scheduler is a clear error within the stated timeout."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

import accelsim
from accelsim import cli
from accelsim.errors import InputError

distributed = pytest.importorskip("distributed")

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "configs" / "int8_sa.yaml"
GRID = {"system.array.rows": [8, 32, 128], "system.array.dataflow": ["os", "ws"]}
DERIVED = {"system.array.cols": "system.array.rows"}


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """One LocalCluster (2 single-threaded worker processes) for the whole module."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def local_frame() -> pd.DataFrame:
    """The reference: ResNet-18 on the local process pool."""
    return accelsim.sweep(CONFIG, GRID, derived=DERIVED, backend="local", workers=2)


def test_dask_cluster_matches_the_local_pool_bit_for_bit(scheduler: str,
                                                         local_frame: pd.DataFrame) -> None:
    frame = accelsim.sweep(CONFIG, GRID, derived=DERIVED, backend="dask", scheduler=scheduler)
    pdt.assert_frame_equal(frame, local_frame, check_exact=True)
    assert list(frame.dtypes) == list(local_frame.dtypes)
    assert frame["point"].is_monotonic_increasing and frame["point"].nunique() == 6


def test_dask_with_a_store_and_per_point_rows(scheduler: str, local_frame: pd.DataFrame,
                                              tmp_path: Path) -> None:
    store = tmp_path / "dask.sqlite"
    frame = accelsim.sweep(CONFIG, GRID, derived=DERIVED, backend="dask", scheduler=scheduler,
                           store=store, per_layer=False)
    assert frame["cycles"].tolist() == local_frame.groupby("point")["cycles"].sum().tolist()
    resumed = accelsim.sweep(CONFIG, GRID, derived=DERIVED, store=store, resume=True,
                             per_layer=False)
    pdt.assert_frame_equal(resumed, frame, check_exact=True)


def test_cli_dask_backend(scheduler: str, local_frame: pd.DataFrame, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.parquet"
    code = cli.main(["sweep", str(CONFIG), "--grid", "system.array.rows=8,32,128",
                     "--grid", "system.array.dataflow=os,ws",
                     "--derive", "system.array.cols=system.array.rows", "--out", str(out),
                     "--backend", "dask", "--scheduler", scheduler, "--no-progress"])
    assert code == 0, capsys.readouterr().err
    pdt.assert_frame_equal(pd.read_parquet(out), local_frame, check_exact=True)


def test_an_unreachable_scheduler_fails_within_the_timeout(tmp_path: Path) -> None:
    start = time.monotonic()
    with pytest.raises(InputError) as info:
        accelsim.sweep(CONFIG, GRID, backend="dask", scheduler="tcp://127.0.0.1:9",
                       connect_timeout_s=1.0, store=tmp_path / "s.sqlite")
    assert time.monotonic() - start < 10
    assert info.value.render().startswith(
        "--scheduler: cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 1 s")
    assert not (tmp_path / "s.sqlite").exists()


@pytest.mark.slow
def test_without_an_address_a_local_cluster_is_started(local_frame: pd.DataFrame) -> None:
    frame = accelsim.sweep(CONFIG, {"system.array.rows": [8, 32]}, derived=DERIVED,
                           backend="dask", workers=1)
    expected = local_frame[(local_frame["system.array.dataflow"] == "ws")
                           & local_frame["system.array.rows"].isin([8, 32])]
    assert frame["cycles"].tolist() == expected["cycles"].tolist()
