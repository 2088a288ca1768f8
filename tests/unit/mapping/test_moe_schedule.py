"""EP and FSE-DP schedules: where slices come from, where they stop, what tokens move."""

from __future__ import annotations

from accelsim.config.chiplet_spec import MoeMappingSpec
from accelsim.mapping.moe import (
    Placement,
    Stop,
    balanced_homes,
    expert_tokens,
    paired_order,
    plan_moe_layer,
)
from accelsim.workload.moe import MoeModel

MODEL = MoeModel("m", "t", d_model=4, experts=4, top_k=1, shared_experts=1, expert_ffn=6,
                 matrices=3, layers=1)
PLACE = Placement(count=4, drams=(0, 3), nearest_dram=(0, 0, 3, 3), cycle=(0, 1, 3, 2))
ROUTING = ((0,), (0,), (0,), (2,), (0,), (1,))  # tokens on chiplets 0,1,2,3,0,1


def test_expert_tokens_include_shared_experts() -> None:
    table = expert_tokens(MODEL, ROUTING, 4)
    assert table == {0: [2, 1, 1, 0], 1: [0, 1, 0, 0], 2: [0, 0, 0, 1], 4: [2, 2, 1, 1]}


def test_pairing_interleaves_heavy_and_light() -> None:
    assert paired_order({0: 9, 1: 1, 2: 5, 3: 3}, True) == [0, 1, 2, 3]
    assert paired_order({0: 1, 1: 9, 2: 5, 3: 3, 4: 7}, True) == [1, 0, 4, 3, 2]
    assert paired_order({3: 1, 1: 9}, False) == [1, 3]


def test_ep_moves_tokens_to_fixed_homes() -> None:
    plan = plan_moe_layer(MODEL, ROUTING, MoeMappingSpec(strategy="ep", ep_placement="modulo"),
                          PLACE, 8)
    homes = {t.expert: (t.dram, t.stops) for q in plan.queues for t in q}
    assert homes == {0: (0, (Stop(0, 4),)), 1: (0, (Stop(1, 1),)), 2: (3, (Stop(2, 1),)),
                     4: (0, (Stop(0, 6),))}
    assert all(t.bits == 3 * 4 * 6 * 8 for q in plan.queues for t in q)
    moved = sorted((m.expert, m.src, m.dst, m.tokens) for m in plan.dispatch)
    assert moved == [(0, 1, 0, 1), (0, 2, 0, 1), (2, 3, 2, 1), (4, 1, 0, 2), (4, 2, 0, 1),
                     (4, 3, 0, 1)]
    assert plan.home_tokens == (2, 2, 1, 1) and plan.slots == 2


def test_fse_dp_streams_slices_and_moves_no_tokens() -> None:
    spec = MoeMappingSpec(strategy="fse_dp", micro_slices=4)
    plan = plan_moe_layer(MODEL, ROUTING, spec, PLACE, 8)
    assert plan.dispatch == ()
    tasks = [t for q in plan.queues for t in q]
    assert len(tasks) == 4 * 4  # 4 active experts (3 routed + 1 shared) x 4 slices
    assert sorted({t.ffn for t in tasks}) == [1, 2]  # 6 columns as 2, 2, 1, 1
    assert sum(t.bits for t in tasks if t.expert == 0) == 3 * 4 * 6 * 8
    shared = sorted((t for t in tasks if t.expert == 4), key=lambda t: t.index)
    # the shared expert (6 tokens) is issued first: its slices alternate DRAMs 0 and 3 and
    # walk the cycle 0,1,3,2 from there
    assert [t.dram for t in shared] == [0, 3, 0, 3]
    assert shared[0].stops == (Stop(0, 2), Stop(1, 2), Stop(3, 1), Stop(2, 1))
    assert shared[1].stops == (Stop(3, 1), Stop(2, 1), Stop(0, 2), Stop(1, 2))


def test_balanced_ep_spreads_experts_over_the_dram_channels() -> None:
    plan = plan_moe_layer(MODEL, ROUTING, MoeMappingSpec(strategy="ep"), PLACE, 8)
    homes = {t.expert: (t.stops[0].chiplet, t.dram) for q in plan.queues for t in q}
    # heaviest first: e4 (6 tokens) on DRAM 0 -> chiplet 0; e0 (4) on DRAM 3 -> chiplet 3;
    # e1 on DRAM 0 -> the emptiest chiplet near it (1); e2 on DRAM 3 -> chiplet 2
    assert homes == {4: (0, 0), 0: (3, 3), 1: (1, 0), 2: (2, 3)}


def _mesh_3x3() -> Placement:
    dist = tuple(tuple(abs(a // 3 - b // 3) + abs(a % 3 - b % 3) for b in range(9))
                 for a in range(9))
    return Placement(9, (0, 2, 6, 8), (0, 0, 2, 0, 0, 2, 6, 6, 8), (0, 1, 2, 5, 4, 3, 6, 7, 8),
                     dist)


def test_balanced_homes_stream_equal_shares_on_a_3x3_mesh() -> None:
    place = _mesh_3x3()
    loads = {e: 66 - e for e in range(66)}
    homes = balanced_homes(loads, place)
    per_dram = [sum(1 for _, d in homes.values() if d == dram) for dram in place.drams]
    assert max(per_dram) - min(per_dram) <= 1
    assert all(dram in place.nearest_drams(chip) for chip, dram in homes.values())
    modulo = [sum(1 for e in loads if place.nearest_dram[e % 9] == d) for d in place.drams]
    assert max(modulo) > 2 * min(modulo)  # e mod N: the centre's lowest-id tie overloads DRAM 0


def test_per_chip_counting_puts_every_token_on_every_chiplet() -> None:
    table = expert_tokens(MODEL, ROUTING, 4, per_chip=True)
    assert table[0] == [4, 4, 4, 4] and table[4] == [6, 6, 6, 6]
    spec = MoeMappingSpec(strategy="fse_dp", micro_slices=2, token_count="per_chip")
    plan = plan_moe_layer(MODEL, ROUTING, spec, PLACE, 8)
    assert plan.home_tokens == (6, 6, 6, 6) and plan.dynamic
    assert all(len(t.stops) == 4 for q in plan.queues for t in q)
