"""Backend choice and its bad input; chunking."""

from __future__ import annotations

import pytest

from accelsim.errors import InputError
from accelsim.sweep.executors import (
    MAX_CHUNK,
    Dask,
    InProcess,
    LocalPool,
    check_scheduler_address,
    make_chunks,
    make_executor,
)


def _make(backend: str = "local", **options: object) -> object:
    settings: dict[str, object] = {"workers": None, "scheduler": None, "connect_timeout_s": 10.0}
    settings.update(options)
    return make_executor(backend, **settings)  # type: ignore[arg-type]


def test_backends() -> None:
    assert isinstance(_make("inprocess"), InProcess)
    assert _make("local", workers=3) == LocalPool(3)
    assert _make("dask", scheduler="10.0.0.5:8786", workers=2) == Dask("10.0.0.5:8786", 2)


@pytest.mark.parametrize(("backend", "options", "message"), [
    ("threads", {}, "--backend: unknown backend 'threads'; expected one of local, inprocess, "
     "dask"),
    ("local", {"scheduler": "tcp://h:1"}, "--scheduler: a scheduler address goes with the dask "
     "backend"),
    ("local", {"workers": 0}, "--workers: workers must be a whole number >= 1; got 0"),
    ("dask", {"connect_timeout_s": 0}, "--connect-timeout: the connect timeout must be > 0 s"),
    ("dask", {"scheduler": "tcp://h"}, "--scheduler: bad Dask scheduler address 'tcp://h': "
     "missing port number"),
    ("dask", {"scheduler": "foo://h:1"}, "--scheduler: bad Dask scheduler address 'foo://h:1': "
     "unknown scheme 'foo'"),
])
def test_bad_backend_options(backend: str, options: dict[str, object], message: str) -> None:
    with pytest.raises(InputError) as info:
        _make(backend, **options)
    assert info.value.render().startswith(message)


def test_a_bare_host_port_means_tcp() -> None:
    assert check_scheduler_address("10.0.0.5:8786") == "tcp://10.0.0.5:8786"


def test_chunks_cover_every_item_once_in_order() -> None:
    items = [(i, None) for i in range(1000)]
    chunks = make_chunks(items, workers=2)  # type: ignore[arg-type]
    assert [i for chunk in chunks for i, _ in chunk] == list(range(1000))
    assert max(len(c) for c in chunks) == MAX_CHUNK
    assert [len(c) for c in make_chunks(items[:6], workers=2)] == [1] * 6  # type: ignore[arg-type]
    assert make_chunks([], workers=2) == []
