"""Versions, input-file hashes and the state of the git work tree recorded in every report.

Git is asked only about the directory the config lives in (is it inside a work tree, at which
commit, with uncommitted changes?), never about where the package is installed, and any failure
(no git, a timeout, not a work tree) is "unknown", never an error.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accelsim.report.result import Result

GIT_TIMEOUT_S = 5.0
_CHUNK_BYTES = 1 << 20


def accelsim_version() -> str:
    """The installed accelsim version."""
    try:
        return metadata.version("accelsim")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def python_version() -> str:
    """``3.11.7`` etc."""
    return platform.python_version()


def _git(directory: Path, *args: str) -> str | None:
    """stdout of ``git -C directory ARGS``, or None when git fails, is missing or hangs."""
    try:
        done = subprocess.run(["git", "-C", str(directory), *args], capture_output=True,
                              text=True, timeout=GIT_TIMEOUT_S, check=False,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_revision(directory: Path) -> str | None:
    """The commit checked out in the work tree holding ``directory`` (None outside one)."""
    out = _git(directory, "rev-parse", "HEAD")
    revision = out.strip() if out else ""
    return revision or None


def git_tree_state(directory: Path) -> str:
    """``clean`` or ``dirty`` (uncommitted changes, ``git status --porcelain``) for the work
    tree holding ``directory``; ``unknown`` when that cannot be told (not a work tree, no git,
    a timeout)."""
    out = _git(directory, "status", "--porcelain", "--untracked-files=no")
    if out is None:
        return "unknown"
    return "dirty" if out.strip() else "clean"


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file's bytes (None when it cannot be read: it is then not recorded)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK_BYTES):
                digest.update(chunk)
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


def input_hashes(files: Iterable[Path]) -> tuple[tuple[str, str], ...]:
    """``(path, sha256)`` for each readable input file, once each, in the order given."""
    seen: dict[str, str] = {}
    for path in files:
        name = str(path)
        if name not in seen and (digest := file_sha256(path)) is not None:
            seen[name] = digest
    return tuple(seen.items())


def override_labels(overrides: Mapping[str, object]) -> tuple[str, ...]:
    """``("system.array.rows=64", ...)``: the overrides as the user wrote them (long values
    clipped), for the report header and ``provenance.overrides``."""
    from accelsim.config.loader import override_label

    return tuple(override_label(key, value).removeprefix("--set ")
                 for key, value in overrides.items())


def stamp_inputs(result: Result, *, overrides: tuple[str, ...], files: Iterable[Path],
                 config_dir: Path) -> Result:
    """``result`` with its provenance completed: the overrides applied, each input file's
    SHA-256, and the commit and state (clean, dirty, unknown) of the config's work tree."""
    provenance = replace(result.provenance, overrides=overrides,
                         inputs=input_hashes(files), git=git_revision(config_dir),
                         git_tree=git_tree_state(config_dir))
    return replace(result, provenance=provenance)
