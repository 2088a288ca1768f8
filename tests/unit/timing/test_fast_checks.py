"""The size checks' fast path (exact positive ints) accepts and refuses what the full checks do."""

from __future__ import annotations

import pytest

from accelsim.errors import SimulationError
from accelsim.timing import FoldShape, fold_cycles, fold_operand_words, spatial_dims
from accelsim.types import Dataflow


class _Size(int):
    """An int subclass (not bool): a size, as before the fast path."""


def test_int_subclasses_still_pass_and_give_the_same_answers() -> None:
    fold, odd = FoldShape(3, 2, 5, 1), FoldShape(_Size(3), _Size(2), _Size(5), 1)
    for flow in Dataflow:
        assert spatial_dims(flow, _Size(4), _Size(5), _Size(6)) == spatial_dims(flow, 4, 5, 6)
        assert fold_operand_words(odd, flow) == fold_operand_words(fold, flow)
        assert fold_cycles(_Size(4), _Size(4), odd, flow) == fold_cycles(4, 4, fold, flow)


@pytest.mark.parametrize("bad", [0, -3, True, 2.0, None])
def test_every_bad_size_is_still_refused(bad: object) -> None:
    with pytest.raises(SimulationError, match="positive int"):
        spatial_dims(Dataflow.WS, 4, bad, 4)  # type: ignore[arg-type]
    with pytest.raises(SimulationError, match="positive int"):
        fold_operand_words(FoldShape(2, 2, bad, 1), Dataflow.IS)  # type: ignore[arg-type]
    with pytest.raises(SimulationError, match="positive int"):
        fold_cycles(4, 4, FoldShape(bad, 2, 3, 1), Dataflow.OS)  # type: ignore[arg-type]
    with pytest.raises(SimulationError, match="positive int"):
        fold_cycles(bad, 4, FoldShape(2, 2, 3, 1), Dataflow.OS)  # type: ignore[arg-type]


def test_a_fold_wider_than_the_array_is_refused_on_either_side() -> None:
    for fold in (FoldShape(5, 2, 3, 1), FoldShape(2, 5, 3, 1)):
        with pytest.raises(SimulationError, match="PEs of a 4x4 array"):
            fold_cycles(4, 4, fold, Dataflow.WS)
