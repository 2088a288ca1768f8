"""Shared fixtures for the cost tests: the default tables and a table writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from accelsim.cost import CostTables, load_tables
from tests.unit.cost.systems import DEFAULT_TABLE


@pytest.fixture(scope="module")
def default_tables() -> CostTables:
    return load_tables([DEFAULT_TABLE])


@pytest.fixture
def write_table(tmp_path: Path) -> Callable[..., Path]:
    """Write a table file into tmp_path and return its path."""

    def write(text: str, name: str = "t.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
