"""The plan of a whole run, one type per run kind: the layers of one chip, GEMMs partitioned
over chiplets, MoE FFN layers under an expert strategy, or an LLM round under tensor
parallelism. ``plan_run`` picks it from the workload and the system; the simulator takes any.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from accelsim.config.chiplet_spec import ChipletSystemSpec
from accelsim.config.run_spec import MappingSpec, RunSpec
from accelsim.config.system_spec import SystemSpec
from accelsim.mapping.plan import MappingPlan, plan
from accelsim.types import OperandHome
from accelsim.workload.layers import Layer, Workload
from accelsim.workload.run_workload import MoeWorkload, RunWorkload

if TYPE_CHECKING:  # imported when an LLM round or a chiplet partition is planned
    from accelsim.mapping.llm import LlmPlan
    from accelsim.mapping.partition import Partition


@dataclass(frozen=True)
class ChipPlan:
    """The layers of one chip and, per layer, where its weights are read from: the ReRAM
    stack while they fit (first fit in layer order, whole layers), else DRAM."""

    plan: MappingPlan
    weight_homes: tuple[OperandHome, ...]


@dataclass(frozen=True)
class PartitionPlan:
    """Every layer's GEMM cut over the chiplets (``chiplets.partition``), in layer order."""

    layers: tuple[tuple[Layer, Partition], ...]
    system: SystemSpec
    chiplets: ChipletSystemSpec
    mapping: MappingSpec


@dataclass(frozen=True)
class MoeRunPlan:
    """MoE FFN layers under ``chiplets.moe``. Each layer's schedule (mapping/moe.py) needs the
    topology's placement, so the simulator builds it per layer from the built system."""

    work: MoeWorkload
    system: SystemSpec
    chiplets: ChipletSystemSpec
    mapping: MappingSpec


RunPlan: TypeAlias = "ChipPlan | PartitionPlan | MoeRunPlan | LlmPlan"


def plan_run(work: RunWorkload, spec: RunSpec, chiplets: ChipletSystemSpec | None,
             chips: int) -> RunPlan:
    """The plan of ``work`` on ``chips`` copies of ``spec.system`` joined as ``chiplets``.
    Layers on one chip (a 1x1 system included) take the single-chip plan."""
    system = spec.system
    if not isinstance(work, Workload | MoeWorkload):  # an LLM's target and draft models
        from accelsim.mapping.llm import plan_llm

        assert spec.llm is not None
        return plan_llm(work, spec.llm, system, spec.mapping, chips, source=spec.workload)
    if isinstance(work, MoeWorkload):
        assert chiplets is not None
        return MoeRunPlan(work, system, chiplets, spec.mapping)
    if chiplets is not None and chips > 1:
        return partition_plan(work, system, chiplets, spec.mapping, chips)
    return ChipPlan(plan(work, system, spec.mapping), _weight_homes(work, system))


def partition_plan(work: Workload, system: SystemSpec, chiplets: ChipletSystemSpec,
                   mapping: MappingSpec, chips: int) -> PartitionPlan:
    """Every layer of ``work`` cut over ``chips`` chiplets by ``chiplets.partition``."""
    from accelsim.mapping.partition import partition_gemm

    return PartitionPlan(tuple((layer, partition_gemm(layer.gemm(), chips, chiplets.partition,
                                                      system.array.precision))
                               for layer in work.layers), system, chiplets, mapping)


def _weight_homes(work: Workload, system: SystemSpec) -> tuple[OperandHome, ...]:
    reram = system.reram
    free = int(reram.capacity_bits) if reram is not None else 0
    bits = system.array.precision.weight_bits
    homes = []
    for layer in work.layers:
        gemm = layer.gemm()
        need = gemm.k * gemm.n * gemm.count * bits
        if reram is not None and need <= free:
            free -= need
            homes.append(OperandHome.RERAM)
        else:
            homes.append(OperandHome.DRAM)
    return tuple(homes)
