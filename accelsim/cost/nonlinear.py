"""Cost parts of the nonlinear unit: ``lanes`` GQA-LUT PWL units (class ``pwl_unit``, looked up
by ``gqa_lut_<format>_<entries>``; accelsim/data/tables/gqa_lut.yaml). Only the 8-entry units are
published; a 16-entry unit has no table entry and is reported as such."""

from __future__ import annotations

from accelsim.config.system_spec import SystemSpec
from accelsim.cost.components import ActionCost, ComponentSpec, Part


def nonlinear_components(system: SystemSpec) -> tuple[ComponentSpec, ...]:
    """The ``nonlinear`` component of ``system`` (none without a unit)."""
    unit = system.nonlinear
    if unit is None:
        return ()
    lane = Part("lane", "pwl_unit", {"technology": f"gqa_lut_{unit.format}_{unit.entries}"},
                float(unit.lanes), {"lane_passes": ActionCost("evaluate")},
                not_modelled={"leakage": "the published power is at full activity; it is "
                              "charged per lane pass, not as leakage"})
    return (ComponentSpec("nonlinear", "pwl_unit", (lane,)),)
