"""Replace the generated block between two markers of a docs page (shared by the generators)."""

from __future__ import annotations

from pathlib import Path


def replace_block(doc: Path, begin: str, end: str, body: str) -> None:
    """Write ``body`` between the ``begin`` and ``end`` markers of ``doc``, keeping the rest."""
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    doc.write_text(f"{head}{begin}\n{body}\n{end}{tail}", encoding="utf-8")
