"""`accelsim run` on the shipped chiplet configs: JSON totals that make the EP vs FSE-DP
speedup one division, a Chrome/Perfetto trace with one track per array, link and DRAM
channel, and exit 2 with the item named for bad routing traces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelsim import cli

REPO = Path(__file__).resolve().parents[2]
EP = REPO / "configs" / "moe_chiplet_ep.yaml"
FSE = REPO / "configs" / "moe_chiplet_fsedp.yaml"
SMALL = ["--set", "chiplets.moe.tokens=16"]


def _run(config: Path, tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / f"{config.stem}.json"
    small = [] if "chiplets.moe.tokens" in " ".join(extra) else SMALL  # --set once per key
    assert cli.main(["run", str(config), "--json", str(out), *small, *extra]) == 0
    return json.loads(out.read_text())


def test_reports_give_cycles_d2d_bits_and_peak_buffers(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    ep, fse = _run(EP, tmp_path), _run(FSE, tmp_path)
    out = capsys.readouterr().out
    assert "moe.layer0  moe_ffn" in out
    # the low-batch engine against its feed: 64 x 2 INT8 weights/cycle at 0.8 GHz vs 4 DDRs
    assert "weight intake  102.4 GB/s per chiplet array (409.6 GB/s in all) vs DRAM feed " \
        "102.4 GB/s" in out
    assert "  moe.layer0: arrays took in " in out
    for report, strategy in ((ep, "ep"), (fse, "fse_dp")):
        totals = report["totals"]
        assert totals["strategy"] == strategy and totals["chiplets"] == 4
        assert set(totals["peak_buffer_bytes"]) == {f"chiplet{i}" for i in range(4)}
        assert all(v > 0 for v in totals["peak_buffer_bytes"].values())
        assert totals["cycles"] == totals["compute_cycles"] + totals["stall_cycles"]
        assert totals["d2d_bits"] == sum(v for layer in report["layers"]
                                         for k, v in layer["counts"].items()
                                         if k.startswith("link."))
        assert len(totals["link_utilization"]) == 8  # 4 links, both directions
        assert set(totals["dram_utilization"]) == {"dram0", "dram1", "dram2", "dram3"}
        assert report["energy_j"]["link.c0-c1"] >= 0
        feed = totals["layer_feeds"][0]
        assert feed["layer"] == "moe.layer0"
        assert 0 < feed["dram_bytes_per_s"] <= totals["dram_feed_bytes_per_s"] == 102.4e9
    assert ep["totals"]["macs"] == fse["totals"]["macs"]
    assert fse["totals"]["d2d_bits"] > ep["totals"]["d2d_bits"]  # weights move, not tokens
    assert fse["totals"]["dram_bits"] == ep["totals"]["dram_bits"]  # each expert loaded once
    # FSE-DP's arrays take in each slice at every chiplet it visits; EP's each expert once
    assert fse["totals"]["layer_feeds"][0]["intake_bytes_per_s"] > \
        fse["totals"]["layer_feeds"][0]["dram_bytes_per_s"]


def test_timeline_is_a_chrome_trace_with_a_track_per_resource(tmp_path: Path) -> None:
    trace = tmp_path / "trace.json"
    _run(FSE, tmp_path, "--timeline", str(trace))
    data = json.loads(trace.read_text())
    events = data["traceEvents"]
    assert isinstance(events, list) and events
    for event in events:
        assert event["ph"] in ("X", "M", "C")
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int)
        assert isinstance(event["name"], str)
        if event["ph"] == "X":
            assert isinstance(event["ts"], float | int) and event["ts"] >= 0
            assert isinstance(event["dur"], float | int) and event["dur"] >= 0
        elif event["ph"] == "C":  # buffer occupancy counters
            assert event["name"].endswith(".buffer") and event["args"]["bytes"] >= 0
        else:
            assert event["name"] == "thread_name" and isinstance(event["args"]["name"], str)
    tracks = {e["args"]["name"] for e in events if e["ph"] == "M"}
    assert {"layers", "chiplet0.array", "chiplet3.array", "dram0", "link.c0-c1"} <= tracks
    counters = {e["name"] for e in events if e["ph"] == "C"}
    assert counters == {f"chiplet{c}.buffer" for c in range(4)}
    tids = [e["tid"] for e in events if e["ph"] == "M"]
    assert len(tids) == len(set(tids))


@pytest.mark.parametrize(("tokens", "expected"), [
    ([[0, 1, 2, 3, 4, 99]] * 16, "token 0: expert id 99 out of range 0..63"),
    ([[0, 1, 2, 3, 4, 5]] * 15, "expected 16 tokens (chiplets.moe.tokens); got 15"),
])
def test_bad_routing_exits_2_naming_the_item(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             tokens: list, expected: str) -> None:
    trace = tmp_path / "routing.json"
    trace.write_text(json.dumps({"schema": "accelsim.routing/1",
                                 "layers": [{"layer": 3, "tokens": tokens}]}))
    code = cli.main(["run", str(EP), *SMALL, "--set", f"chiplets.moe.routing={trace}"])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and str(trace) in err
    assert len(err.strip().splitlines()) == 1


def test_routing_trace_drives_the_run(tmp_path: Path) -> None:
    report = _run(EP, tmp_path, "--set", "chiplets.moe.tokens=4", "--set",
                  f"chiplets.moe.routing={REPO / 'workloads/moe/routing_deepseek_4tok.json'}")
    assert [layer["name"] for layer in report["layers"]] == ["moe.layer16"]
    assert report["totals"]["macs"] == 4 * (6 + 2) * 3 * 2048 * 1408


@pytest.mark.parametrize(("rows", "cols"), [(1, 1), (1, 2), (2, 2), (2, 4), (4, 4)])
def test_dense_model_runs_on_1_to_16_chiplets(rows: int, cols: int) -> None:
    import accelsim

    result = accelsim.run(EP, workload=REPO / "workloads" / "bert_base_seq128.yaml",
                          set={"chiplets.rows": rows, "chiplets.cols": cols,
                               "chiplets.compute": "array"})
    one_chip = sum(layer.gemm().macs for layer in result.workload.layers)
    assert result.stats.macs == one_chip
    totals = result.to_dict()["totals"]
    if rows * cols == 1:  # the 1-chip case of the system: the single-chip engine, no links
        alone = accelsim.run(EP, workload=REPO / "workloads" / "bert_base_seq128.yaml",
                             set={"chiplets": None})
        assert "d2d_bits" not in totals and result.total_cycles == alone.total_cycles
        assert result.energy_j == alone.energy_j
        return
    assert totals["chiplets"] == rows * cols and totals["strategy"] == "partition_n"
    assert totals["d2d_bits"] > 0


def test_validate_accepts_a_chiplet_moe_config(capsys) -> None:  # noqa: ANN001
    from accelsim import cli as accelsim_cli

    root = Path(__file__).resolve().parents[2]
    assert accelsim_cli.main(["validate", str(root / "configs" / "moe_chiplet_ep.yaml")]) == 0
    out = capsys.readouterr().out
    assert "x 4 chips" in out and "deepseek_moe_16b" in out
