"""MoE FFN schedules over chiplets: expert parallelism (EP) and FSE-DP (Expert Streaming).

Both are a list of weight *slices* in issue queues. A slice is loaded from a DRAM channel,
then visits its *stops* (chiplet, tokens) in order, computing those tokens at each and moving
on over the D2D links; a queue keeps at most ``slots`` slices in flight.

- EP: one slice = the whole expert, on one chiplet, one queue per chiplet. ``balanced``
  placement (default) takes experts heaviest first, each on the DRAM channel with the fewest
  weight bits so far and then on the least-loaded chiplet that has that channel among its
  nearest; ``modulo`` puts expert ``e`` on chiplet ``e mod N``, loaded from its nearest channel.
  Tokens live on chiplet ``t mod N`` and move: to the expert's chiplet (dispatch) and back
  (combine).
- FSE-DP: each expert is cut into ``micro_slices`` along its FFN width (the FFN is a sum over
  that width, so partial outputs add up at the token's home); one copy of each slice streams
  from its DRAM channel's chiplet over the chiplets that have its tokens, in snake order or
  (``dynamic``) in an order the simulation decides stop by stop. Slices go round-robin to the
  DRAM channels (one queue each); experts are issued in heavy/light pairs when
  ``pair_experts``. Tokens never move.

Shared experts are experts ``experts .. experts+shared-1`` that every token uses. With
``token_count: per_chip`` every chiplet holds all the routing's tokens (the artifact's count).
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
    distance: tuple[tuple[int, ...], ...] = ()  # hops between chiplets (() : one hop apart)

    def hops(self, src: int, dst: int) -> int:
        """Hops of the route ``src`` -> ``dst``."""
        if self.distance:
            return self.distance[src][dst]
        return 0 if src == dst else 1

    def nearest_drams(self, chiplet: int) -> tuple[int, ...]:
        """Every DRAM chiplet at the fewest hops from ``chiplet``."""
        best = min(self.hops(chiplet, d) for d in self.drams)
        return tuple(d for d in self.drams if self.hops(chiplet, d) == best)


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
    dynamic: bool = False         # fse_dp: the sim orders each slice's stops as it runs

    @property
    def combine(self) -> tuple[TokenMove, ...]:
        """The outputs going back to the tokens' homes (EP)."""
        return tuple(TokenMove(m.expert, m.dst, m.src, m.tokens) for m in self.dispatch)


def expert_tokens(model: MoeModel, routing: tuple[tuple[int, ...], ...],
                  count: int, per_chip: bool = False) -> dict[int, list[int]]:
    """Per expert (shared ones last), tokens routed to it from each home chiplet (``per_chip``:
    every chiplet holds every token of the routing)."""
    table = {e: [0] * count for e in range(model.experts + model.shared_experts)}
    for token, ids in enumerate(routing):
        homes = range(count) if per_chip else (token % count,)
        for expert in (*ids, *range(model.experts, model.experts + model.shared_experts)):
            for home in homes:
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


def balanced_homes(loads: dict[int, int], placement: Placement) -> dict[int, tuple[int, int]]:
    """EP placement, expert -> (chiplet, DRAM chiplet): heaviest expert first, each on the DRAM
    channel with the fewest experts so far (all experts are the same size), then on the chiplet
    with the fewest tokens among those that have that channel among their nearest (fewest
    hops, then lowest id, on a tie)."""
    streamed = {d: 0 for d in placement.drams}
    tokens = [0] * placement.count
    homes = {}
    for expert in sorted(loads, key=lambda e: (-loads[e], e)):
        dram = min(placement.drams, key=lambda d: (streamed[d], d))
        near = [c for c in range(placement.count) if dram in placement.nearest_drams(c)]
        chiplet = min(near, key=lambda c: (tokens[c], placement.hops(dram, c), c))
        streamed[dram] += 1
        tokens[chiplet] += loads[expert]
        homes[expert] = (chiplet, dram)
    return homes


def plan_ep(model: MoeModel, routing: tuple[tuple[int, ...], ...], spec: MoeMappingSpec,
            placement: Placement, weight_bits: int) -> MoePlan:
    """Expert parallelism: whole experts on fixed chiplets, tokens move."""
    count = placement.count
    per_chip = spec.token_count == "per_chip"
    loads = expert_tokens(model, routing, count, per_chip)
    if spec.ep_placement == "balanced":
        homes = balanced_homes({e: sum(p) for e, p in loads.items()}, placement)
    else:
        homes = {e: (e % count, placement.nearest_dram[e % count]) for e in loads}
    queues: list[list[SliceTask]] = [[] for _ in range(count)]
    moves = []
    bits = _slice_bits(model, model.expert_ffn, weight_bits)
    for expert, per_home in sorted(loads.items()):
        home, dram = homes[expert]
        queues[home].append(SliceTask(expert, 0, model.expert_ffn, bits, dram,
                                      (Stop(home, sum(per_home)),)))
        moves += [TokenMove(expert, src, home, n) for src, n in enumerate(per_home)
                  if n and src != home]
    return MoePlan("ep", tuple(tuple(q) for q in queues if q), spec.slots(), tuple(moves),
                   _homes(len(routing), count, per_chip))


def _homes(tokens: int, count: int, per_chip: bool = False) -> tuple[int, ...]:
    if per_chip:
        return (tokens,) * count
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
    per_chip = spec.token_count == "per_chip"
    loads = expert_tokens(model, routing, placement.count, per_chip)
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
                   _homes(len(routing), placement.count, per_chip),
                   dynamic=spec.trajectory == "dynamic")


def plan_moe_layer(model: MoeModel, routing: tuple[tuple[int, ...], ...],
                   spec: MoeMappingSpec, placement: Placement, weight_bits: int) -> MoePlan:
    """The schedule of one MoE layer under ``spec.strategy``."""
    build = plan_ep if spec.strategy == "ep" else plan_fse_dp
    return build(model, routing, spec, placement, weight_bits)
