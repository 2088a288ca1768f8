"""Fixtures of the sweep tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.sweep.helpers import write_tiny_config


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A run config with a two-layer workload (a point runs in a few milliseconds)."""
    return write_tiny_config(tmp_path)
