"""The nonlinear unit: lane passes per function, cycles from lanes and pipeline depth, and the
ops of an LLM pass."""

from __future__ import annotations

from accelsim.config.nonlinear_spec import NonlinearSpec
from accelsim.hardware.nonlinear import lane_passes, nonlinear_counts, nonlinear_cycles
from accelsim.workload.llm import LlmModel, NonlinearOp, PassShape, nonlinear_ops


def test_softmax_is_two_passes_per_element_and_one_per_row() -> None:
    op = NonlinearOp("s", "softmax", elements=100, rows=4)
    assert lane_passes(op) == 204
    unit = NonlinearSpec(lanes=16, pipeline_depth=4, cycles_per_element=2)
    assert nonlinear_cycles(op, unit) == 4 + 13 * 2  # ceil(204 / 16) = 13 slots of 2 cycles
    assert nonlinear_counts(op) == {"nonlinear.lane_passes": 204}
    assert nonlinear_cycles(NonlinearOp("g", "gelu", 0, 0), unit) == 0


def test_pass_ops_scale_with_tokens_keys_and_layers() -> None:
    model = LlmModel.model_validate({"schema": "accelsim.llm/1", "name": "t", "source": "s",
                                     "hidden": 64, "layers": 2, "heads": 4, "ffn": 128,
                                     "vocab": 10})
    ops = {op.function: op for op in nonlinear_ops(model, PassShape(3, 5, 2))}
    assert ops["softmax"].rows == 3 * 2 * 4 * 2 and ops["softmax"].elements == 48 * (5 + 3)
    assert ops["silu"].elements == 6 * 128 * 2
    assert ops["rmsnorm"].rows == 6 * 5 and ops["rmsnorm"].elements == 6 * 64 * 5
