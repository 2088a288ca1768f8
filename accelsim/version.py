"""The release, written in one place: ``pyproject.toml`` reads it (``[tool.setuptools.dynamic]``)
and reports record it (a leaf: reading it imports nothing)."""

__version__ = "0.1.0"
