"""Provenance: input hashes, the config's git work tree (clean, dirty, unknown), overrides."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from accelsim.report import provenance

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def work_tree(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "run.yaml").write_text("name: x\n")
    _git(repo, "add", "run.yaml")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
    return repo


def test_hashes_are_sha256_of_the_bytes_once_per_file(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_bytes(b"name: a\n")
    hashes = provenance.input_hashes([a, a, tmp_path / "missing.yaml"])
    assert hashes == ((str(a), hashlib.sha256(b"name: a\n").hexdigest()),)


@needs_git
def test_a_committed_tree_is_clean_and_an_edit_makes_it_dirty(work_tree: Path) -> None:
    assert provenance.git_tree_state(work_tree) == "clean"
    assert provenance.git_revision(work_tree) is not None
    (work_tree / "run.yaml").write_text("name: y\n")
    assert provenance.git_tree_state(work_tree) == "dirty"


def test_outside_a_work_tree_the_state_is_unknown(tmp_path: Path) -> None:
    assert provenance.git_tree_state(tmp_path / "nowhere") == "unknown"
    assert provenance.git_revision(tmp_path / "nowhere") is None


def test_git_missing_or_hanging_fails_soft(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def hangs(*args: object, **kwargs: object) -> None:
        raise subprocess.TimeoutExpired("git", provenance.GIT_TIMEOUT_S)

    monkeypatch.setattr(subprocess, "run", hangs)
    assert provenance.git_tree_state(tmp_path) == "unknown"
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: (_ for _ in ()).throw(OSError()))
    assert provenance.git_revision(tmp_path) is None


def test_override_labels_are_as_written() -> None:
    labels = provenance.override_labels({"system.array.rows": 64, "system": "s.yaml"})
    assert labels == ("system.array.rows=64", "system=s.yaml")
