"""The workload of a run, whatever its kind: layers (model file, topology, trace), a MoE model
with its token routing, or an LLM's target and draft models. One function reads it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from accelsim.config.chiplet_spec import single_chip
from accelsim.config.run_spec import RunSpec
from accelsim.errors import InputError
from accelsim.workload.kinds import is_llm_file, is_moe_file
from accelsim.workload.layers import Workload
from accelsim.workload.loader import load

if TYPE_CHECKING:  # read only by an LLM or MoE run, which imports them
    from accelsim.workload.llm import LlmModels
    from accelsim.workload.moe import MoeModel, Routing


@dataclass(frozen=True)
class MoeWorkload:
    """A MoE model and the experts each token is routed to, per layer."""

    model: MoeModel
    routing: Routing


RunWorkload: TypeAlias = "Workload | MoeWorkload | LlmModels"


def _moe(spec: RunSpec) -> MoeWorkload:
    from accelsim.workload.moe import generate_routing, load_moe_model, load_routing

    model = load_moe_model(spec.workload)
    moe = (spec.chiplets or single_chip()).moe
    if moe.routing is not None:
        routing = load_routing(moe.routing, model, moe.tokens)
    else:
        routing = generate_routing(model, moe.tokens, moe.layers, float(moe.zipf), spec.sim.seed)
    return MoeWorkload(model, routing)


def _llm(spec: RunSpec) -> LlmModels:
    from accelsim.workload.llm import LlmModels, load_llm_model

    llm = spec.llm
    assert llm is not None
    if not is_llm_file(spec.workload):
        raise InputError("an 'llm:' run needs an LLM model file (schema accelsim.llm/1) as its "
                         "workload", file=spec.workload)
    draft = None
    if llm.draft_length:
        assert llm.draft is not None
        draft = load_llm_model(Path(spec.workload).parent / llm.draft)
    return LlmModels(load_llm_model(spec.workload), draft)


def load_run_workload(spec: RunSpec,
                      read_layers: Callable[[str, str], Workload] = load) -> RunWorkload:
    """What ``spec`` runs: an LLM round (``llm:``), a MoE model, or layers (read by
    ``read_layers(path, format)``, e.g. a cache). Layer workloads must have a layer."""
    if spec.llm is not None:
        return _llm(spec)
    if is_moe_file(spec.workload):  # a YAML model or a Hugging Face config.json
        return _moe(spec)
    wl = read_layers(spec.workload, spec.workload_format)
    if not wl.layers:
        raise InputError("the workload has no layers", file=spec.workload)
    return wl
