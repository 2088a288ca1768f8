"""The page generators of docs/tools/ (scripts outside the package), imported from their files."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

TOOLS = Path(__file__).resolve().parents[2] / "docs" / "tools"


def load_tool(name: str) -> ModuleType:
    """``docs/tools/<name>.py`` as a module (registered under ``name``, loaded once; dataclasses
    with postponed annotations look their module up in ``sys.modules``)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
