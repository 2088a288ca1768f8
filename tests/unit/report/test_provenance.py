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
    revision, state = provenance.git_state(work_tree)
    assert state == "clean" and revision is not None
    (work_tree / "run.yaml").write_text("name: y\n")
    assert provenance.git_state(work_tree) == (revision, "dirty")


def test_outside_a_work_tree_the_state_is_unknown(tmp_path: Path) -> None:
    assert provenance.git_state(tmp_path / "nowhere") == (None, "unknown")


def test_git_missing_fails_soft(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "Popen", missing)
    assert provenance.git_state(tmp_path) == (None, "unknown")


class _HangingGit:
    """A git that never answers: communicate() times out until it is killed."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.killed = False
        self.stdout = None
        _HangingGit.last = self

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        raise subprocess.TimeoutExpired("git", timeout or 0.0)

    def poll(self) -> int | None:
        return -9 if self.killed else None

    def kill(self) -> None:
        self.killed = True

    def wait(self) -> int:
        assert self.killed
        return -9


def test_a_hanging_git_is_killed_and_the_state_unknown(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "Popen", _HangingGit)
    assert provenance.git_state(tmp_path) == (None, "unknown")
    assert _HangingGit.last.killed


def test_leaving_the_probe_early_stops_git(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "Popen", _HangingGit)
    with pytest.raises(RuntimeError), provenance.GitProbe(tmp_path):
        raise RuntimeError("the run failed")
    assert _HangingGit.last.killed


@needs_git
def test_one_status_call_gives_the_checked_out_commit_and_the_state(work_tree: Path) -> None:
    head = subprocess.run(["git", "-C", str(work_tree), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    assert provenance.git_state(work_tree) == (head, "clean")
    (work_tree / "run.yaml").write_text("name: y\n")
    assert provenance.git_state(work_tree) == (head, "dirty")


@needs_git
def test_a_tree_before_its_first_commit_has_no_revision(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    assert provenance.git_state(tmp_path) == (None, "clean")
    (tmp_path / "run.yaml").write_text("name: x\n")
    _git(tmp_path, "add", "run.yaml")
    assert provenance.git_state(tmp_path) == (None, "dirty")
