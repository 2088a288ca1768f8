"""YAML configs -> validated, frozen specs (pydantic v2, unknown keys are errors)."""

from accelsim.config.loader import (
    build_run_spec,
    input_files,
    load_run_and_inputs,
    load_run_spec,
    parse_override,
)
from accelsim.config.run_spec import MappingSpec, RunSpec, SimSpec
from accelsim.config.system_spec import (
    ArraySpec,
    DramSpec,
    PrecisionSpec,
    SramBufferSpec,
    SramSpec,
    SystemSpec,
    TechnologySpec,
)

__all__ = [
    "ArraySpec", "DramSpec", "MappingSpec", "PrecisionSpec", "RunSpec", "SimSpec",
    "SramBufferSpec", "SramSpec", "SystemSpec", "TechnologySpec", "build_run_spec",
    "input_files", "load_run_and_inputs", "load_run_spec", "parse_override",
]
