"""A run: which system, which workload, how to map and simulate it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictInt

from accelsim.config.chiplet_spec import ChipletSystemSpec
from accelsim.config.llm_spec import LlmSpec
from accelsim.config.system_spec import Spec, SystemSpec


class MappingSpec(Spec):
    """How layers are mapped onto the array."""

    fold_order: Literal["rows_first", "cols_first"] = Field(
        "rows_first",
        description="Loop order over folds: 'rows_first' finishes every row fold (the "
        "reduction dimension for ws/is) of a column fold before moving to the next column "
        "fold, so partial sums stay on chip; 'cols_first' sweeps column folds innermost.")


    stream_tiling: Literal["auto", "none"] = Field(
        "auto",
        description="'auto' cuts the streamed dimension (M for ws, N for is) into chunks whose "
        "partial sums fit in the ofmap buffer, re-fetching the stationary operand per chunk; "
        "'none' streams it whole and spills partial sums to DRAM when they do not fit.")

    search: Literal["on", "off"] = Field(
        "on",
        description="'on' searches each single-chip layer's mapping space (fold order, stream "
        "chunk, double-buffer halves or whole-buffer residency per operand, PSUM home) for the "
        "lowest 'objective', exactly (every surviving candidate is simulated); 'off' keeps the "
        "fixed mapping given by fold_order and stream_tiling. An LLM run's placed GEMMs are "
        "searched per chip; chiplet partitions and MoE schedules always use the fixed "
        "mapping.")

    objective: Literal["energy", "cycles", "edp"] = Field(
        "edp",
        description="What the search minimises per layer: energy (J, leakage included), cycles, "
        "or their product (energy-delay product).")


class SimSpec(Spec):
    """Simulation options."""

    seed: StrictInt = Field(0, ge=0, description="Seed of every random choice in the run.")
    timeline: StrictBool = Field(False, description="Record a per-tile timeline (for --timeline).")


class RunSpec(Spec):
    """Everything `accelsim run` needs. Paths are resolved (absolute) once loaded."""

    name: str = Field(min_length=1, description="Run name used in reports.")
    system: SystemSpec = Field(description="The hardware (inline, or a path to a system file).")
    workload: str = Field(min_length=1, description="Workload file: a model definition "
                          "(.yaml), a SCALE-Sim topology (.csv) or a trace (.npz).")
    workload_format: Literal["auto", "conv", "gemm"] = Field(
        "auto", description="For a .csv topology: SCALE-Sim's conv or GEMM (M,N,K) form; "
        "'auto' reads the header.")
    mapping: MappingSpec = Field(default_factory=MappingSpec, description="Mapping options.")
    sim: SimSpec = Field(default_factory=SimSpec, description="Simulation options.")
    chiplets: ChipletSystemSpec | None = Field(
        None, description="A system of chiplets, each one 'system', joined by D2D links "
        "(docs/moe.md); absent: one chip.")
    llm: LlmSpec | None = Field(
        None, description="An LLM run (docs/reram.md): the workload is an accelsim.llm/1 "
        "model; reports tokens/s and energy per token.")
