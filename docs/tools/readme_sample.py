"""Rewrite the sample output in README.md from a real run: ``python docs/tools/readme_sample.py``.

The block is the text ``accelsim run configs/fineq_sa.yaml`` prints (stdout, then its notes on
stderr), with rows 11-40 of the layer table elided. tests/regression/test_readme_sample.py
fails when the README's block and a fresh run differ.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from accelsim import cli

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
INTRO = "`make run` runs FineQ's temporal-coded 32x32 array"
FIRST_ROW, SHOWN = 4, 10  # the header is 4 lines; the README keeps the first 10 rows
ELIDED = "[... rows 11-40 elided here ...]"


def sample() -> str:
    """The README's block: a fresh run's output with the middle of the layer table elided."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["run", str(ROOT / "configs" / "fineq_sa.yaml")])
    if code != 0:
        raise SystemExit(f"accelsim run configs/fineq_sa.yaml failed ({code}): {err.getvalue()}")
    lines = out.getvalue().rstrip("\n").split("\n")
    cut = FIRST_ROW + SHOWN
    more = next(i for i, line in enumerate(lines) if line.startswith("... "))
    notes = err.getvalue().strip("\n").split("\n")
    kept = [*lines[:cut], ELIDED, *lines[more:], *notes]
    return "\n".join(line.rstrip() for line in kept).strip("\n")


def readme_block(text: str) -> tuple[int, int]:
    """Start and end offsets of the sample block's body (after the intro's code fence)."""
    start = text.index("```\n", text.index(INTRO)) + len("```\n")
    return start, text.index("```", start)


def main() -> None:
    """Replace the block in README.md."""
    text = README.read_text(encoding="utf-8")
    start, end = readme_block(text)
    README.write_text(text[:start] + sample() + "\n" + text[end:], encoding="utf-8")
    print(f"wrote {README}")


if __name__ == "__main__":
    main()
