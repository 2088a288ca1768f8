"""The version is written once (accelsim/version.py) and is what the installed package says."""

from __future__ import annotations

from importlib import metadata

import accelsim
from accelsim.report.provenance import accelsim_version
from accelsim.version import __version__


def test_the_package_metadata_and_reports_give_the_one_version() -> None:
    assert metadata.version("accelsim") == __version__ == accelsim.__version__
    assert accelsim_version() == __version__
