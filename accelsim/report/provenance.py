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
from pathlib import Path
from typing import TYPE_CHECKING

from accelsim.version import __version__

if TYPE_CHECKING:
    from accelsim.report.result import Result

GIT_TIMEOUT_S = 5.0
_CHUNK_BYTES = 1 << 20


def accelsim_version() -> str:
    """The running accelsim's version (``accelsim.version``, which the installed package's
    metadata is built from)."""
    return __version__


def python_version() -> str:
    """``3.11.7`` etc."""
    return platform.python_version()


_STATUS = ("status", "--porcelain=v2", "--branch", "--untracked-files=no")


class GitProbe:
    """``git status`` of the work tree holding a directory, started when made and read with
    ``state()``, so that git runs while the simulation does (a context manager: leaving it
    stops a git still running). ``--no-optional-locks``: status never takes the index lock,
    so stopping it cannot leave a stale ``index.lock`` in the user's repository. Any failure
    (no git, a timeout, not a work tree) is "unknown", never an error."""

    def __init__(self, directory: Path) -> None:
        try:
            self._proc: subprocess.Popen[str] | None = subprocess.Popen(
                ["git", "--no-optional-locks", "-C", str(directory), *_STATUS],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
        except (OSError, ValueError, subprocess.SubprocessError):
            self._proc = None

    def __enter__(self) -> GitProbe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def state(self) -> tuple[str | None, str]:
        """The checked-out commit (None outside a work tree or before its first commit) and
        ``clean``, ``dirty`` (uncommitted changes to tracked files) or ``unknown``."""
        if self._proc is None:
            return None, "unknown"
        try:
            out, _ = self._proc.communicate(timeout=GIT_TIMEOUT_S)
        except (subprocess.SubprocessError, OSError, ValueError):
            self.close()
            return None, "unknown"
        return _parse_status(out) if self._proc.returncode == 0 else (None, "unknown")

    def close(self) -> None:
        """Stop git if it still runs, and reap it."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _parse_status(out: str) -> tuple[str | None, str]:
    """Porcelain v2 with ``--branch``: the ``# branch.oid`` header carries the commit; any
    other line is a changed tracked file."""
    revision: str | None = None
    dirty = False
    for line in out.splitlines():
        if line.startswith("# branch.oid "):
            oid = line.removeprefix("# branch.oid ").strip()
            revision = None if oid == "(initial)" else oid
        elif line and not line.startswith("#"):
            dirty = True
    return revision, "dirty" if dirty else "clean"


def git_state(directory: Path) -> tuple[str | None, str]:
    """The commit checked out in the work tree holding ``directory`` and the tree's state
    (``GitProbe.state``), waiting for git."""
    with GitProbe(directory) as probe:
        return probe.state()


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
                 git: tuple[str | None, str]) -> Result:
    """``result`` with its provenance completed: the overrides applied, each input file's
    SHA-256, and ``git``: the commit and state (clean, dirty, unknown) of the config's work
    tree (``GitProbe.state``)."""
    revision, tree = git
    provenance = replace(result.provenance, overrides=overrides,
                         inputs=input_hashes(files), git=revision, git_tree=tree)
    return replace(result, provenance=provenance)
