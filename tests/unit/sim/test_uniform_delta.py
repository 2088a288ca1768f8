"""The coalescing walk's shift test equals its definition: one difference for every time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from accelsim.sim.pipeline import _uniform_delta

_TIMES = st.lists(st.integers(-50, 50), max_size=5).map(tuple)


@given(_TIMES, _TIMES, st.integers(-5, 5))
def test_uniform_delta_is_the_single_difference(before: tuple[int, ...],
                                                after: tuple[int, ...], shift: int) -> None:
    for later in (after, tuple(t + shift for t in before)):
        deltas = {a - b for a, b in zip(later, before, strict=False)}
        want = deltas.pop() if len(later) == len(before) and len(deltas) == 1 else None
        assert _uniform_delta(before, later) == want
