"""Golden files of the regression tests: read, rewrite (``--update-golden``), compare, and check
that a generated page still shows exactly the golden numbers.

A golden file is one JSON object: the numbers, plus a ``_meta`` entry saying which version wrote
it, when and why. Only ``pytest --update-golden`` rewrites one, and its diff is reviewed.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from accelsim.report.provenance import accelsim_version

META = "_meta"
REGENERATED = "regenerated with --update-golden; see the commit message for the reason"


def read_golden(path: Path) -> dict[str, Any]:
    """The golden numbers of ``path`` without their ``_meta`` entry."""
    return {key: value for key, value in read_golden_file(path).items() if key != META}


def read_golden_file(path: Path) -> dict[str, Any]:
    """The whole golden file, ``_meta`` included (for tests that check the metadata)."""
    return json.loads(path.read_text())


def golden_meta(why: str = REGENERATED, **extra: str) -> dict[str, str]:
    """The ``_meta`` entry: the installed version, today's date, why, and ``extra`` fields."""
    return {"version": accelsim_version(), "date": datetime.date.today().isoformat(),
            "why": why, **extra}


def write_golden(path: Path, numbers: Mapping[str, Any], meta: Mapping[str, str]) -> None:
    """Rewrite ``path`` with ``meta`` as ``_meta`` followed by ``numbers``."""
    path.write_text(json.dumps({META: dict(meta), **numbers}, indent=1) + "\n")


def rewrite_if_asked(
    update_golden: bool, path: Path, numbers: Callable[[], Mapping[str, Any]], command: str
) -> None:
    """With ``--update-golden``: rewrite ``path`` from ``numbers()`` (the whole study, which
    ``command`` renders into its page) and skip the calling test, which has nothing to compare."""
    if update_golden:
        write_golden(path, numbers(), golden_meta(command=command))
        pytest.skip("golden file rewritten")


def assert_fields_close(got: Mapping[str, float], want: Mapping[str, float], where: str) -> None:
    """Every field of ``want`` is in ``got`` to 1e-9 relative (the runs are deterministic)."""
    for field, expected in want.items():
        assert got[field] == pytest.approx(expected, rel=1e-9), f"{where} {field}"


def assert_variants_close(
    got: Mapping[str, Mapping[str, float]], want: Mapping[str, Mapping[str, float]], where: str
) -> None:
    """``assert_fields_close`` for every variant (strategy, PSUM scheme, ...) of one case."""
    for variant, numbers in want.items():
        assert_fields_close(got[variant], numbers, f"{where} {variant}")


def assert_page_shows(page: Path, rendered: str, how_to_update: str) -> None:
    """``page`` is exactly ``rendered`` (the golden numbers' rendering); else say how to fix it."""
    assert page.read_text() == rendered, f"{page.name} is stale: {how_to_update}"
