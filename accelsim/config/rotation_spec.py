"""The local rotation unit (LRU, ISSCC 2026 31.1): Hadamard rotations of the target model's
projection inputs that make W4A8 outlier-free (docs/reram.md)."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictBool, StrictInt

from accelsim.config.quantities import FROZEN_CLOSED


class RotationSpec(BaseModel):
    """Local fast Walsh-Hadamard rotations of depth ``depth`` (2^depth-point blocks) applied to
    every target projection's input; the paper's LRU: depth <= 6, two overlapping (upper and
    lower) rotations."""

    model_config = FROZEN_CLOSED  # not Spec: system_spec imports this module

    depth: StrictInt = Field(6, ge=1, le=16, description="Butterfly stages of one local FWHT "
                             "(a 2^depth-point block; paper: at most 6, i.e. 64 points).")
    overlapping: StrictBool = Field(True, description="Two overlapping local rotations (upper "
                                    "and lower) per element, as in the paper; False: one.")
    lanes: StrictInt = Field(64, ge=1, le=65536, description="Elements the unit takes per "
                             "cycle (not in the paper: a placeholder, one 64-point block).")
    add_bits: StrictInt = Field(16, ge=2, le=64, description="Adder width of a butterfly "
                                "(INT8 inputs grow by up to depth bits).")
