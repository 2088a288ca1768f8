"""Versions and sources recorded in every report."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path


def accelsim_version() -> str:
    """The installed accelsim version."""
    try:
        return metadata.version("accelsim")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def python_version() -> str:
    """``3.11.7`` etc."""
    return platform.python_version()


def git_revision(start: Path | None = None) -> str | None:
    """The commit of the accelsim checkout, or None outside a git checkout."""
    where = start or Path(__file__).resolve().parent
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True,
                              text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    revision = done.stdout.strip()
    return revision if done.returncode == 0 and revision else None
