"""Helpers every subcommand uses: overrides, output paths, atomic writes, exit codes."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import errno
import os
import signal
import stat
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NoReturn

from accelsim.errors import InputError
from accelsim.files import os_reason, write_text_atomic, write_texts_atomic

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2
EXIT_SIGTERM = 128 + 15


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where SIGINT raises KeyboardInterrupt, so that both unwind the same way
    (pool workers stopped, finished points kept)."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While the body runs, SIGTERM raises ``Terminated`` in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _overrides(items: Sequence[str]) -> dict[str, object]:
    """``--set`` options as a mapping; one key given twice is an error, not "last wins"."""
    if not items:
        return {}
    from accelsim import config

    found: dict[str, object] = {}
    for item in items:
        key, value = config.parse_override(item)
        if key in found:
            raise InputError("given twice; give each key once (the last would silently "
                             "win)", file="--set", key_path=key)
        found[key] = value
    return found


def add_scalesim_arguments(parser: argparse.ArgumentParser) -> None:
    """``--topology`` and ``--gemm``: what a SCALE-Sim ``.cfg`` config needs besides itself."""
    parser.add_argument("--topology", help="SCALE-Sim topology CSV (with a .cfg config)")
    parser.add_argument("--gemm", action="store_true",
                        help="the topology is in GEMM (M,N,K) form")


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except (OSError, ValueError):
        return False


def check_output_path(path: str, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse an output path that cannot be written, or that is one of the ``inputs`` the
    command reads, before spending time on a run."""
    target = Path(path)
    try:
        parent_ok, is_dir = target.parent.is_dir(), target.is_dir()
        mode = target.stat().st_mode if target.exists() else None
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte
        raise InputError(f"cannot write output file: {_reason(exc)}", file=path) from None
    if not parent_ok:
        raise InputError("output directory does not exist", file=str(target.parent))
    if is_dir:
        raise InputError("output path is a directory", file=path)
    if mode is not None and not stat.S_ISREG(mode):
        raise InputError("output path is not a regular file (a device, FIFO or socket); "
                         "give a file name", file=path)
    for source in inputs:
        if _same_file(target, Path(source)):
            raise InputError(f"output file is an input of this command ({source}); "
                             "refusing to overwrite it", file=path)
    _check_writable(target)


def _check_writable(target: Path) -> None:
    """Create and remove a file next to ``target``: the write will need one there."""
    import tempfile  # only when a file is written

    try:
        fd, probe = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                     suffix=".tmp")
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot write output file: {_reason(exc)}",
                         file=str(target)) from None
    os.close(fd)
    Path(probe).unlink(missing_ok=True)


def check_output_paths(paths: Iterable[str | None], inputs: Iterable[str | Path] = ()) -> None:
    """``check_output_path`` for each given output, and no file named for two outputs."""
    given = [p for p in paths if p]
    inputs = list(inputs)
    for i, path in enumerate(given):
        check_output_path(path, inputs)
        if any(_same_file(Path(path), Path(other)) for other in given[:i]):
            raise InputError("the same file is given for two outputs", file=path)


def run_inputs(config_path: str, overrides: dict[str, object],
               extra: Iterable[str | None] = ()) -> list[Path]:
    """The files a run reads (config, system, workload, tables; a SCALE-Sim .cfg and its
    topology), which no output may overwrite."""
    files = [Path(p) for p in extra if p]
    if Path(config_path).suffix.lower() == ".cfg":
        return [Path(config_path), *files]
    from accelsim import config

    return [*config.input_files(config_path, overrides), *files]


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file, fsync and a rename, so a failure or a
    kill never leaves a half-written file or destroys the previous one."""
    check_output_path(path)
    write_text_atomic(path, text)


def write_all_atomic(items: Sequence[tuple[str, str]]) -> None:
    """Write every ``(path, text)`` or none of them (no partial result set)."""
    for path, _ in items:
        check_output_path(path)
    write_texts_atomic(items)


_DEVICE_FULL = {errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def stdout_failed(exc: OSError) -> int | None:
    """Exit code for an OSError that reached ``main``: writing to stdout on a full device is
    one line on stderr and exit 2; None when ``exc`` is something else (re-raise it)."""
    if exc.errno not in _DEVICE_FULL or exc.filename is not None:
        return None
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)  # Python's flush at exit would fail again
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    sys.stderr.write(f"accelsim: error: standard output: cannot write: {_reason(exc)}\n")
    return EXIT_INPUT


def _reason(exc: BaseException) -> str:
    return os_reason(exc)


def interruption(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM hidden in ``exc``, if any. A library may turn a KeyboardInterrupt
    raised inside it into its own error (pydantic-core building a model's schema at import
    gives ``SchemaError: ... KeyboardInterrupt``): that is still an interruption, not a bug."""
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        if isinstance(node, KeyboardInterrupt):
            return node
        seen.add(id(node))
        node = node.__cause__ or node.__context__
    text = str(exc)
    if f"{Terminated.__name__}:" in text or text.rstrip().endswith(Terminated.__name__):
        return Terminated()
    return KeyboardInterrupt() if "KeyboardInterrupt" in text else None


def end_process(code: int) -> NoReturn:
    """End the `accelsim` process with ``code``, the command being done and its outputs
    written and closed. A Ctrl-C or SIGTERM arriving from here on is ignored (a finished run
    must not exit as a signal death). Library exit handlers still run, but Python's teardown
    of every module and object, about a tenth of a small run's CPU time, is skipped; when
    another thread is still alive, or the standard streams cannot be flushed, the interpreter
    ends the usual way."""
    for finished in (signal.SIGINT, signal.SIGTERM):
        signal.signal(finished, signal.SIG_IGN)
    if threading.active_count() == 1:
        atexit._run_exitfuncs()
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            sys.exit(code)
        os._exit(code)
    sys.exit(code)
