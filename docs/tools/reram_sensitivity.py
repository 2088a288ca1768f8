"""The speculative-decoding part of docs/reram.md: how the headline figures move with the two
inputs no source gives for these pairs, the acceptance rate a and the draft length g, and the
design rule that picks the shipped g. Loaded by docs/tools/reram_study.py, which measures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

# The assumed per-token acceptance rate of the shipped configuration: an assumption, not a
# measurement of these pairs (none was found to cite); it is also llm.acceptance_rate's default.
ACCEPTANCE = 0.8
RATES = (0.6, 0.7, 0.8, 0.9)
LENGTHS = (2, 4, 6, 8)
# The draft lengths the design rule searches (at ACCEPTANCE).
RULE_LENGTHS = tuple(range(1, 17))

Numbers = Mapping[str, float]
Rows = Mapping[str, Mapping[str, Numbers]]  # {target: {point key: numbers}}


class PairLike(Protocol):
    """What this module reads of reram_study.Pair."""

    @property
    def target(self) -> str: ...
    @property
    def draft(self) -> str: ...
    @property
    def tokens_per_s(self) -> float: ...
    @property
    def mj_per_token(self) -> float: ...


def key(rate: float, length: int) -> str:
    """The golden key of one (a, g) point."""
    return f"a={rate},g={length}"


def lengths(shipped: int) -> tuple[int, ...]:
    """The grid's draft lengths: LENGTHS and the shipped configuration's."""
    return tuple(sorted({*LENGTHS, shipped}))


def points(shipped: int) -> list[tuple[float, int]]:
    """Every (a, g) the page shows: the grid, then the rule's search at ACCEPTANCE."""
    grid = [(a, g) for a in RATES for g in lengths(shipped)]
    return grid + [(ACCEPTANCE, g) for g in RULE_LENGTHS if (ACCEPTANCE, g) not in grid]


def sweep(pairs: Sequence[PairLike], run: Callable[[PairLike, float, int], dict[str, float]],
          shipped: int) -> dict[str, dict[str, dict[str, float]]]:
    """``run(pair, a, g)`` at every point for every pair: ``{target: {key: numbers}}``."""
    return {p.target: {key(a, g): run(p, a, g) for a, g in points(shipped)} for p in pairs}


def _geomean(values: Sequence[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def rule_score(rows: Rows, length: int) -> float:
    """Geometric mean over the pairs of tokens/s at (ACCEPTANCE, ``length``)."""
    return _geomean([r[key(ACCEPTANCE, length)]["tokens_per_s"] for r in rows.values()])


def best_length(rows: Rows) -> int:
    """The design rule: the g of RULE_LENGTHS with the highest ``rule_score``."""
    return max(RULE_LENGTHS, key=lambda g: rule_score(rows, g))


def _cell(numbers: Numbers) -> str:
    return f"{numbers['tokens_per_s']:.2f} / {1e3 * numbers['energy_per_token_j']:.1f}"


def grid_table(pairs: Sequence[PairLike], rows: Rows, shipped: int) -> str:
    """Rows (pair, a), columns g: tokens/s / mJ per token."""
    grid = lengths(shipped)
    head = ("| target / draft | a | " + " | ".join(f"g = {g}" for g in grid) + " |\n|"
            + "---|" * (2 + len(grid)))
    body = [f"| {p.target} / {p.draft} | {a} | "
            + " | ".join(_cell(rows[p.target][key(a, g)]) for g in grid) + " |"
            for p in pairs for a in RATES]
    return "\n".join([head, *body])


def rule_table(pairs: Sequence[PairLike], rows: Rows) -> str:
    """Rows g, columns the pairs' tokens/s at ACCEPTANCE and their geometric mean."""
    head = ("| g | " + " | ".join(f"{p.target} tokens/s" for p in pairs)
            + " | geometric mean |\n|" + "---|" * (2 + len(pairs)))
    best = best_length(rows)
    body = []
    for g in RULE_LENGTHS:
        cells = [f"{rows[p.target][key(ACCEPTANCE, g)]['tokens_per_s']:.2f}" for p in pairs]
        mark = " (chosen)" if g == best else ""
        body.append(f"| {g}{mark} | " + " | ".join(cells) + f" | {rule_score(rows, g):.2f} |")
    return "\n".join([head, *body])


def _grid_values(numbers: Mapping[str, Numbers], field: str, scale: float,
                 grid: tuple[int, ...]) -> list[tuple[float, str]]:
    return [(scale * numbers[key(a, g)][field], f"a = {a}, g = {g}")
            for a in RATES for g in grid]


def _where(paper: float, values: list[tuple[float, str]]) -> str:
    low, high = min(v for v, _ in values), max(v for v, _ in values)
    value, at = min(values, key=lambda item: abs(item[0] / paper - 1))
    inside = "inside" if low <= paper <= high else "outside"
    return (f"{paper} | {low:.2f} - {high:.2f} ({inside}) | {at}: {value:.2f} "
            f"({100 * (value / paper - 1):+.0f}%)")


def paper_table(pairs: Sequence[PairLike], rows: Rows, shipped: int) -> str:
    """Where each paper figure falls in the grid: its range, and the nearest grid point."""
    grid = lengths(shipped)
    head = ("| target / draft | paper tokens/s | grid tokens/s | nearest point | paper mJ/token "
            "| grid mJ/token | nearest point |\n|" + "---|" * 7)
    body = []
    for p in pairs:
        speed = _grid_values(rows[p.target], "tokens_per_s", 1.0, grid)
        energy = _grid_values(rows[p.target], "energy_per_token_j", 1e3, grid)
        body.append(f"| {p.target} / {p.draft} | {_where(p.tokens_per_s, speed)} | "
                    f"{_where(p.mj_per_token, energy)} |")
    return "\n".join([head, *body])
