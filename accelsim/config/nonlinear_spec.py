"""The nonlinear (vector) unit: softmax, SiLU/GELU and RMS norm on GQA-LUT piecewise-linear
tables (papers.md section 3). Energy and area come from the cost tables by ``format``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, StrictInt

from accelsim.config.quantities import FROZEN_CLOSED


class NonlinearSpec(BaseModel):
    """A vector unit of PWL lanes; each lane evaluates one element per ``cycles_per_element``."""

    model_config = FROZEN_CLOSED  # not Spec: system_spec imports this module

    lanes: StrictInt = Field(16, ge=1, le=65536, description="Parallel PWL lanes (not in the "
                             "ISSCC 2026 paper: a documented assumption).")
    entries: Literal[8, 16] = Field(8, description="PWL segments per table (GQA-LUT: 8 or 16).")
    format: Literal["int8", "int32", "fp32"] = Field(
        "int8", description="Lane datapath: 'int8' is GQA-LUT's unit; 'int32' and 'fp32' the "
        "baselines of its Table 6 (same timing, their area and power).")
    cycles_per_element: StrictInt = Field(1, ge=1, le=64,
                                          description="Cycles a lane spends per element.")
    pipeline_depth: StrictInt = Field(
        4, ge=0, le=256, description="Cycles from the first input to the first output "
        "(compare, look up, multiply, add).")
