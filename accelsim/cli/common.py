"""Helpers every subcommand uses: overrides, output paths, atomic writes, exit codes."""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from accelsim.errors import InputError

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2


def _overrides(items: Sequence[str]) -> dict[str, object]:
    if not items:
        return {}
    from accelsim import config

    return dict(config.parse_override(item) for item in items)


def add_scalesim_arguments(parser: argparse.ArgumentParser) -> None:
    """``--topology`` and ``--gemm``: what a SCALE-Sim ``.cfg`` config needs besides itself."""
    parser.add_argument("--topology", help="SCALE-Sim topology CSV (with a .cfg config)")
    parser.add_argument("--gemm", action="store_true",
                        help="the topology is in GEMM (M,N,K) form")


def check_output_path(path: str) -> None:
    """Refuse an output path that cannot be written, before spending time on a run."""
    target = Path(path)
    try:
        parent_ok, is_dir = target.parent.is_dir(), target.is_dir()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte
        raise InputError(f"cannot write output file: {_reason(exc)}", file=path) from None
    if not parent_ok:
        raise InputError("output directory does not exist", file=str(target.parent))
    if is_dir:
        raise InputError("output path is a directory", file=path)


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename, so a failure never leaves
    a half-written file or destroys the previous one."""
    check_output_path(path)
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", text=True)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise InputError(f"cannot write output file: {_reason(exc)}", file=path) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write output file: {_reason(exc)}", file=path) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc)
