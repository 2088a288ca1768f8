"""MoE FFN schedules over chiplets: expert parallelism (EP) and FSE-DP (Expert Streaming).

Both are a list of weight *slices* in issue queues. A slice is loaded from a DRAM channel,
then visits its *stops* (chiplet, tokens) in order, computing those tokens at each and moving
on over the D2D links; a queue keeps at most ``slots`` slices in flight.

- EP: expert ``e`` lives on chiplet ``e mod N`` (one slice = the whole expert, loaded from the
  DRAM channel nearest to it; one queue per chiplet, experts in id order). Tokens live on
  chiplet ``t mod N`` and move: to the expert's chiplet (dispatch) and back (combine).
- FSE-DP: each expert is cut into ``micro_slices`` along its FFN width (the FFN is a sum over
  that width, so partial outputs add up at the token's home); one copy of each slice streams
  along the chiplet cycle, starting at its DRAM channel's chiplet and stopping only where it has
  tokens. Slices go round-robin to the DRAM channels (one queue each); experts are issued in
  heavy/light pairs when ``pair_experts``. Tokens never move.

Shared experts are experts ``experts .. experts+shared-1`` that every token uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.config.chiplet_spec import MoeMappingSpec
from accelsim.errors import ConfigError
from accelsim.workload.moe import MoeModel


@dataclass(frozen=True)
class Placement:
    """What the schedules need to know of the system (built from the topology by sim)."""

    count: int
    drams: tuple[int, ...]
    nearest_dram: tuple[int, ...]  # per chiplet
    cycle: tuple[int, ...]         # the order slices visit chiplets in (a Hamiltonian walk)


@dataclass(frozen=True)
class Stop:
    """``tokens`` tokens of the slice's expert computed on ``chiplet``."""

    chiplet: int
    tokens: int


@dataclass(frozen=True)
class SliceTask:
    """One weight slice: ``ffn`` columns of ``expert``'s FFN, ``bits`` of weights."""

    expert: int
    index: int
    ffn: int
    bits: int
    dram: int
    stops: tuple[Stop, ...]


@dataclass(frozen=True)
class TokenMove:
    """``tokens`` activation vectors of ``expert`` moving ``src`` -> ``dst``."""

    expert: int
    src: int
    dst: int
    tokens: int


@dataclass(frozen=True)
class MoePlan:
    """One MoE layer's schedule."""

    strategy: str
    queues: tuple[tuple[SliceTask, ...], ...]
    slots: int
    dispatch: tuple[TokenMove, ...]
    home_tokens: tuple[int, ...]  # tokens homed on each chiplet

    @property
    def combine(self) -> tuple[TokenMove, ...]:
        """The outputs going back to the tokens' homes (EP)."""
        return tuple(TokenMove(m.expert, m.dst, m.src, m.tokens) for m in self.dispatch)


def expert_tokens(model: MoeModel, routing: tuple[tuple[int, ...], ...],
                  count: int) -> dict[int, list[int]]:
    """Per expert (shared ones last), tokens routed to it from each home chiplet."""
    table = {e: [0] * count for e in range(model.experts + model.shared_experts)}
    for token, ids in enumerate(routing):
        home = token % count
        for expert in (*ids, *range(model.experts, model.experts + model.shared_experts)):
            table[expert][home] += 1
    return {e: per for e, per in table.items() if sum(per)}


def _widths(ffn: int, slices: int) -> list[int]:
    if slices > ffn:
        raise ConfigError(f"micro_slices {slices} exceeds the expert FFN width {ffn}",
                          key_path="chiplets.moe.micro_slices")
    base, extra = divmod(ffn, slices)
    return [base + (1 if j < extra else 0) for j in range(slices)]


def _slice_bits(model: MoeModel, ffn: int, weight_bits: int) -> int:
    return model.matrices * model.d_model * ffn * weight_bits


def plan_ep(model: MoeModel, routing: tuple[tuple[int, ...], ...], spec: MoeMappingSpec,
            placement: Placement, weight_bits: int) -> MoePlan:
    """Expert parallelism: whole experts on fixed chiplets, tokens move."""
    count = placement.count
    loads = expert_tokens(model, routing, count)
    queues: list[list[SliceTask]] = [[] for _ in range(count)]
    moves = []
    for expert, per_home in loads.items():
        home = expert % count
        bits = _slice_bits(model, model.expert_ffn, weight_bits)
        queues[home].append(SliceTask(expert, 0, model.expert_ffn, bits,
                                      placement.nearest_dram[home],
                                      (Stop(home, sum(per_home)),)))
        moves += [TokenMove(expert, src, home, n) for src, n in enumerate(per_home)
                  if n and src != home]
    return MoePlan("ep", tuple(tuple(q) for q in queues if q), spec.slots(), tuple(moves),
                   _homes(len(routing), count))


def _homes(tokens: int, count: int) -> tuple[int, ...]:
    return tuple(len(range(c, tokens, count)) for c in range(count))


def paired_order(loads: dict[int, int], pair: bool) -> list[int]:
    """Experts by load: heaviest, lightest, second heaviest, ... (or by id)."""
    if not pair:
        return sorted(loads)
    ranked = sorted(loads, key=lambda e: (-loads[e], e))
    order = []
    while ranked:
        order.append(ranked.pop(0))
        if ranked:
            order.append(ranked.pop())
    return order


def trajectory(placement: Placement, start: int, per_home: list[int]) -> tuple[Stop, ...]:
    """The chiplets with tokens, in cycle order from ``start``."""
    at = placement.cycle.index(start)
    walk = placement.cycle[at:] + placement.cycle[:at]
    return tuple(Stop(c, per_home[c]) for c in walk if per_home[c])


def plan_fse_dp(model: MoeModel, routing: tuple[tuple[int, ...], ...], spec: MoeMappingSpec,
                placement: Placement, weight_bits: int) -> MoePlan:
    """FSE-DP: micro-slices stream over the chiplets that have tokens; tokens stay home."""
    loads = expert_tokens(model, routing, placement.count)
    order = paired_order({e: sum(p) for e, p in loads.items()}, spec.pair_experts)
    widths = _widths(model.expert_ffn, spec.slices())
    queues: list[list[SliceTask]] = [[] for _ in placement.drams]
    issued = 0
    for expert in order:
        for index, ffn in enumerate(widths):
            channel = issued % len(placement.drams)
            dram = placement.drams[channel]
            queues[channel].append(SliceTask(expert, index, ffn,
                                             _slice_bits(model, ffn, weight_bits), dram,
                                             trajectory(placement, dram, loads[expert])))
            issued += 1
    return MoePlan("fse_dp", tuple(tuple(q) for q in queues if q), spec.slots(), (),
                   _homes(len(routing), placement.count))


def plan_moe_layer(model: MoeModel, routing: tuple[tuple[int, ...], ...],
                   spec: MoeMappingSpec, placement: Placement, weight_bits: int) -> MoePlan:
    """The schedule of one MoE layer under ``spec.strategy``."""
    build = plan_ep if spec.strategy == "ep" else plan_fse_dp
    return build(model, routing, spec, placement, weight_bits)
