"""The LLM round's timeline (sim/llm_timeline.py): pass by pass, per-resource tracks."""

from __future__ import annotations

import json
from pathlib import Path

from accelsim import api
from accelsim.report import result_to_timeline
from accelsim.sim.llm_timeline import _share

ROOT = Path(__file__).resolve().parents[3]
RESULT = api.run(ROOT / "configs" / "reram_llm.yaml")


def test_shares_sum_back_to_the_total() -> None:
    assert [_share(20, 6, i) for i in range(6)] == [4, 4, 3, 3, 3, 3]
    assert sum(_share(1_234_567, 7, i) for i in range(7)) == 1_234_567


def test_passes_tile_the_round_back_to_back() -> None:
    passes = [s for s in RESULT.stats.spans if s[0] == "passes"]
    assert [label for _, label, _, _ in passes] == [
        *(f"draft pass {i}" for i in range(1, 12)), "target pass"]
    assert passes[0][2] == 0 and passes[-1][3] == RESULT.total_cycles
    assert all(a[3] == b[2] for a, b in zip(passes, passes[1:], strict=False))
    layers = RESULT.stats.timeline
    assert all(a[2] == b[1] for a, b in zip(layers, layers[1:], strict=False))
    assert layers[-1][2] == RESULT.total_cycles


def test_every_resource_has_a_track_and_stays_inside_its_row() -> None:
    tracks = {track for track, _, _, _ in RESULT.stats.spans}
    for wanted in ("chiplet0.array", "chiplet3.reram", "chiplet1.rs_pnm", "chiplet2.nonlinear",
                   "chiplet0.rotation", "dram0", "dram1", "link.c0-c1"):
        assert wanted in tracks
    rows = {(name.split(" [")[0], start): end for name, start, end in RESULT.stats.timeline}
    for track, label, start, end in RESULT.stats.spans:
        if track != "passes":
            assert start < end <= rows[(label, start)], (track, label)


def test_the_trace_names_every_track() -> None:
    trace = json.loads(result_to_timeline(RESULT))
    named = {e["args"]["name"] for e in trace["traceEvents"] if e["ph"] == "M"}
    assert {"layers", "passes", "dram0", "link.c3-c0", "chiplet0.reram"} <= named


def test_one_chip_has_unprefixed_tracks() -> None:
    one = api.run(ROOT / "configs" / "reram_llm.yaml", set={"chiplets": None})
    tracks = {track for track, _, _, _ in one.stats.spans}
    assert {"array", "rs_pnm", "reram", "dram", "nonlinear", "rotation", "passes"} <= tracks
    assert not any(track.startswith("link.") for track in tracks)
