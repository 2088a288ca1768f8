"""Where sweep points run: in this process, a local process pool, or a Dask cluster.

Every backend runs the same function, ``run_chunk``, on the same chunks of validated specs and
yields records as chunks finish (in any order); the driver stores and orders them. Workers get
only specs (plain, picklable) and rebuild everything else per point, so results do not depend on
the backend. A Dask worker must see the config's workload and table files at the same absolute
paths (a shared file system), like any cluster job.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from accelsim.errors import InputError
from accelsim.runner import InputCache
from accelsim.sweep.base import PointSpec, run_point
from accelsim.sweep.records import PointRecord, record_of

Item = tuple[int, PointSpec]
Chunk = tuple[Item, ...]

BACKENDS = ("local", "inprocess", "dask")
DEFAULT_CONNECT_TIMEOUT_S = 10.0
MAX_CHUNK = 16
"""Points per task at most: big enough to amortise a task's overhead and its cached inputs,
small enough that progress moves and a killed sweep loses little work."""


def run_chunk(chunk: Chunk, cache: InputCache | None = None) -> list[PointRecord]:
    """Run the points of one chunk (they share only their parsed, immutable inputs)."""
    cache = InputCache() if cache is None else cache
    return [record_of(point, run_point(spec, cache)) for point, spec in chunk]


def default_workers() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def make_chunks(items: Sequence[Item], workers: int) -> list[Chunk]:
    """About four chunks per worker (for balance), at most MAX_CHUNK points each."""
    if not items:
        return []
    size = max(1, min(MAX_CHUNK, math.ceil(len(items) / (4 * max(1, workers)))))
    return [tuple(items[i:i + size]) for i in range(0, len(items), size)]


@dataclass(frozen=True)
class InProcess:
    """Run chunks one after the other in this process (no start-up cost; one core)."""

    @contextmanager
    def connect(self) -> Iterator[InProcess]:
        """Nothing to start."""
        yield self

    def run(self, items: Sequence[Item]) -> Iterator[list[PointRecord]]:
        """Records point by point, in order."""
        cache = InputCache()  # lives for this one sweep only
        for item in items:
            yield run_chunk((item,), cache)


def _context() -> multiprocessing.context.BaseContext:
    """fork when this process runs a single thread: fast, and it works from any script (a
    script without a ``__main__`` guard, stdin). Forking a process that runs other threads (a
    notebook kernel, a Dask client) can deadlock the child, so then forkserver, which starts
    workers from a clean single-threaded server."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # The server imports accelsim once; each worker forked from it then starts at once. (Has
    # an effect only before the server's first start.)
    context.set_forkserver_preload([__name__])
    return context


WATCHDOG_PERIOD_S = 0.5
"""How often a pool worker checks that its driver is alive."""


def _die_with(driver_pid: int) -> None:
    """Pool worker initializer: end this worker when the driver ends, even by SIGKILL, so no
    worker outlives it holding the caller's pipes (``accelsim sweep ... | tee`` would hang).
    Linux delivers SIGKILL when the parent dies (only when the driver is the parent: fork);
    everywhere, a thread checks the driver's pid. SIGTERM gets its default action back (a
    forked worker inherits the driver's handler, which would only fail the running chunk)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux") and os.getppid() == driver_pid:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != driver_pid and not _alive(driver_pid):
        os._exit(1)  # the driver died before this worker started
    threading.Thread(target=_watch, args=(driver_pid,), daemon=True,
                     name="accelsim-driver-watchdog").start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch(driver_pid: int) -> None:
    parent = os.getppid()
    while _alive(driver_pid) and (parent != driver_pid or os.getppid() == driver_pid):
        time.sleep(WATCHDOG_PERIOD_S)
    os._exit(1)


def _terminate_workers(pool: ProcessPoolExecutor) -> None:
    """Stop running chunks now (an interrupted sweep): shutdown alone waits for them."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        if process.is_alive():
            process.terminate()


@dataclass(frozen=True)
class LocalPool:
    """A pool of ``workers`` processes on this machine (the default)."""

    workers: int

    @contextmanager
    def connect(self) -> Iterator[LocalPool]:
        """The pool starts with the first chunk (and only if there are several)."""
        yield self

    def run(self, items: Sequence[Item]) -> Iterator[list[PointRecord]]:
        """Records of each chunk as it finishes."""
        chunks = make_chunks(items, self.workers)
        if self.workers <= 1 or len(chunks) <= 1:  # a pool would only add its start-up time
            yield from InProcess().run(items)
            return
        pool = ProcessPoolExecutor(max_workers=min(self.workers, len(chunks)),
                                   mp_context=_context(), initializer=_die_with,
                                   initargs=(os.getpid(),))
        try:
            pending: set[Future[list[PointRecord]]] = {pool.submit(run_chunk, c) for c in chunks}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        except BaseException:  # interrupted (SIGINT, SIGTERM) or failed: stop the workers
            _terminate_workers(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def check_scheduler_address(address: str) -> str:
    """``tcp://host:8786`` (``host:port`` means tcp); an InputError for anything malformed."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import backends

    full = address if "://" in address else f"tcp://{address}"
    try:
        scheme, location = parse_address(full, strict=True)
        if scheme not in backends:
            raise ValueError(f"unknown scheme {scheme!r} (known: {', '.join(sorted(backends))})")
        if scheme != "inproc":
            parse_host_port(location)
    except ValueError as exc:
        raise InputError(f"bad Dask scheduler address {address!r}: {exc}; expected e.g. "
                         f"tcp://10.0.0.5:8786", file="--scheduler") from None
    return full


@dataclass(frozen=True)
class Dask:
    """Dask distributed: the scheduler at ``address``, or a LocalCluster when it is None."""

    address: str | None
    workers: int
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S

    def _client(self) -> tuple[Any, Any]:
        from distributed import Client, LocalCluster

        if self.address is None:
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0", silence_logs=logging.ERROR)
            return Client(cluster, set_as_default=False), cluster
        address = check_scheduler_address(self.address)
        try:
            return Client(address, timeout=self.connect_timeout_s, set_as_default=False), None
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {address} within "
                             f"{self.connect_timeout_s:g} s ({exc}); is it running, and is "
                             f"the address right?", file="--scheduler") from None

    @contextmanager
    def connect(self) -> Iterator[DaskSession]:
        """Connected (or the LocalCluster started) for the duration of the block."""
        client, cluster = self._client()
        try:
            yield DaskSession(client, self.workers)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


@dataclass(frozen=True)
class DaskSession:
    """A connected Dask client."""

    client: Any
    workers: int

    def run(self, items: Sequence[Item]) -> Iterator[list[PointRecord]]:
        """Records of each chunk as it finishes on the cluster."""
        from distributed import as_completed

        threads = sum(self.client.nthreads().values()) or self.workers
        futures = self.client.map(run_chunk, make_chunks(items, threads), pure=False)
        try:
            for future in as_completed(futures, loop=self.client.loop):
                yield future.result()
        finally:
            self.client.cancel(futures)


Executor = InProcess | LocalPool | Dask


def make_executor(backend: str, *, workers: int | None, scheduler: str | None,
                  connect_timeout_s: float) -> Executor:
    """The executor for ``backend`` (one of BACKENDS)."""
    if backend not in BACKENDS:
        raise InputError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}",
                         file="--backend")
    if scheduler is not None and backend != "dask":
        raise InputError("a scheduler address goes with the dask backend (--backend dask)",
                         file="--scheduler")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise InputError(f"workers must be a whole number >= 1; got {workers!r}",
                         file="--workers")
    if not connect_timeout_s > 0:
        raise InputError(f"the connect timeout must be > 0 s; got {connect_timeout_s!r}",
                         file="--connect-timeout")
    count = workers or default_workers()
    if backend == "inprocess":
        return InProcess()
    if backend == "local":
        return LocalPool(count)
    if scheduler is not None:
        check_scheduler_address(scheduler)
    return Dask(scheduler, count, connect_timeout_s)
