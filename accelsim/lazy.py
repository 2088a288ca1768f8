"""A module imported on its first use, so that a command which never needs it starts faster.

Modules that touch numpy only on some paths (value-dependent timing, weight statistics) write::

    if TYPE_CHECKING:
        import numpy as np
    else:
        np = LazyModule("numpy")

and type-check against the real module while ``import accelsim.cli`` does not load numpy.
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands for the module ``name``: imported on the first attribute read; each attribute read
    is then kept on this object, so later reads cost what a module attribute read costs."""

    def __init__(self, name: str) -> None:
        self.__dict__["_lazy_name"] = name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):  # copy/pickle/introspection probes: never import for them
            raise AttributeError(attr)
        value = getattr(importlib.import_module(self.__dict__["_lazy_name"]), attr)
        self.__dict__[attr] = value
        return value

    def __repr__(self) -> str:
        return f"<lazy module {self.__dict__['_lazy_name']!r}>"
