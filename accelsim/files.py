"""Writing output files so that a failure, a full disk or a kill never loses the previous one.

A leaf like ``errors``: every stage that writes a file (reports, traces, stores, figures) uses it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from accelsim.errors import InputError


def os_reason(exc: BaseException) -> str:
    """``No space left on device`` rather than ``[Errno 28] ...: '/path'``."""
    return getattr(exc, "strerror", None) or str(exc)


def umask_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give: 0o666 less the process umask (the
    temporary files below are created 0600, and that mode would survive the rename)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync(path: str | Path, *, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if directory:  # some systems cannot open a folder: the rename is still atomic
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


def _temporary(target: Path) -> str:
    import tempfile  # only when a file is written

    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise write_failed(target, exc) from None
    os.close(fd)
    return tmp


def write_failed(path: str | Path, exc: BaseException) -> InputError:
    """An OS error while writing ``path`` as the one-line error users see."""
    return InputError(f"cannot write output file: {os_reason(exc)}", file=str(path))


@contextlib.contextmanager
def staged_outputs(paths: Sequence[str | Path]) -> Iterator[list[Path]]:
    """Temporary files next to each of ``paths``, for the body to write; when it returns,
    each is flushed to disk, given the umask's mode and renamed over its target. If the body
    or any step fails, every temporary file is removed and every target is left as it was
    (an OSError in the body names the first target; raise ``write_failed`` to name another)."""
    targets = [Path(p) for p in paths]
    temps: list[str] = []
    current = targets[0] if targets else Path()
    try:
        for current in targets:
            temps.append(_temporary(current))
        current = targets[0] if targets else current
        yield [Path(t) for t in temps]
        mode = umask_mode()
        for i, tmp in enumerate(temps):
            current = targets[i]
            _fsync(tmp)
            os.chmod(tmp, mode)
        for tmp, current in zip(temps, targets, strict=True):
            os.replace(tmp, current)
        for current in {t.parent for t in targets}:
            _fsync(current, directory=True)
    except OSError as exc:
        raise write_failed(current, exc) from None
    finally:
        for tmp in temps:
            Path(tmp).unlink(missing_ok=True)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through ``staged_outputs``."""
    write_texts_atomic([(path, text)])


def write_texts_atomic(items: Sequence[tuple[str | Path, str]]) -> None:
    """Write several files all or none: nothing is renamed until every one is on disk."""
    with staged_outputs([path for path, _ in items]) as temps:
        for tmp, (path, text) in zip(temps, items, strict=True):
            try:
                tmp.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise write_failed(path, exc) from None
