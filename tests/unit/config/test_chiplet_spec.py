"""Chiplet system configs: presets, defaults, and one-line errors naming the bad item."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.config import load_run_spec
from accelsim.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]


def _write(tmp_path: Path, chiplets: str) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(
        "name: t\n"
        f"system: {REPO / 'configs/chiplets/moe_chiplet_2048.yaml'}\n"
        f"workload: {REPO / 'workloads/moe/deepseek_moe_16b.yaml'}\n"
        "chiplets:\n" + chiplets)
    return path


def _error(path: Path, overrides: dict[str, object] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_run_spec(path, overrides)
    return str(info.value)


def test_the_shipped_configs_differ_only_in_strategy() -> None:
    ep = load_run_spec(REPO / "configs/moe_chiplet_ep.yaml")
    fse = load_run_spec(REPO / "configs/moe_chiplet_fsedp.yaml")
    assert ep.chiplets is not None and fse.chiplets is not None
    assert (ep.chiplets.moe.strategy, fse.chiplets.moe.strategy) == ("ep", "fse_dp")
    assert ep.chiplets.link.bandwidth_bits_per_s == 288e9 * 8
    assert ep.system.clock_hz == 0.8e9
    # FSE-DP's slicing is its own key: 22 slices of 64 columns (one array width)
    assert ep.chiplets.moe.slices() == 1 and fse.chiplets.moe.slices() == 22
    assert ep.chiplets.moe.slots() == 2 and fse.chiplets.moe.slots() == 12
    same = {"strategy", "micro_slices"}
    assert ep.chiplets.moe.model_dump(exclude=same) == fse.chiplets.moe.model_dump(exclude=same)
    assert ep.system == fse.system
    # both on the array's exact timing with the low-batch engine (no 'ideal' compute)
    assert ep.chiplets.compute == fse.chiplets.compute == "array"
    array = ep.system.array
    assert (array.fold_overlap, array.preload_rows_per_cycle, array.stationary_buffers) == (
        "weights", 2, 8)


def test_preset_fills_and_explicit_keys_override(tmp_path: Path) -> None:
    path = _write(tmp_path, "  link: {preset: grs, bandwidth: 100GB/s}\n")
    link = load_run_spec(path).chiplets.link  # type: ignore[union-attr]
    assert (link.phy, link.latency_s) == ("grs", pytest.approx(20e-9))
    path = _write(tmp_path, "  link: {preset: grs, bandwidth: 100GB/s, latency: 5ns}\n")
    assert load_run_spec(path).chiplets.link.latency_s == pytest.approx(5e-9)  # type: ignore[union-attr]


def test_link_to_missing_chiplet(tmp_path: Path) -> None:
    path = _write(tmp_path, "  topology: custom\n  rows: 1\n  cols: 4\n"
                  "  links: [[0, 1], [1, 2], [2, 7]]\n  link: {bandwidth: 288GB/s}\n")
    assert _error(path) == (f"{path}:4: chiplets: link 2 [2, 7] names chiplet 7, which does "
                            "not exist (chiplets are 0..3)")


def test_disconnected_topology(tmp_path: Path) -> None:
    path = _write(tmp_path, "  topology: custom\n  rows: 1\n  cols: 4\n"
                  "  links: [[0, 1], [1, 2], [0, 2]]\n  link: {bandwidth: 288GB/s}\n")
    assert _error(path) == (f"{path}:4: chiplets: the topology is disconnected: chiplet(s) 3 "
                            "cannot reach chiplet 0")


def test_self_link_and_links_without_custom(tmp_path: Path) -> None:
    path = _write(tmp_path, "  topology: custom\n  links: [[1, 1]]\n  link: {bandwidth: 1GB/s}\n")
    assert _error(path).endswith("chiplets: link 0 [1, 1] joins a chiplet to itself")
    path = _write(tmp_path, "  links: [[0, 1]]\n  link: {bandwidth: 1GB/s}\n")
    assert _error(path).endswith("chiplets: 'links' is for topology 'custom'; 'mesh' "
                                 "generates its own")


def test_zero_slices_and_unknown_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, "  link: {bandwidth: 288GB/s}\n")
    assert _error(path, {"chiplets.moe.micro_slices": 0}).endswith(
        "chiplets.moe.micro_slices: input should be greater than or equal to 1 (got 0)")
    assert "did you mean 'topology'?" in _error(path, {"chiplets.topolgy": "ring"})
    assert _error(path, {"chiplets.dram_at": [0, 9]}).endswith(
        "chiplets: dram_at names chiplet 9, which does not exist (chiplets are 0..3)")


def test_missing_routing_trace_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "  link: {bandwidth: 288GB/s}\n  moe: {routing: nowhere.json}\n")
    message = _error(path)
    assert message.startswith(f"{path}:")
    assert "chiplets.moe.routing: routing trace file not found" in message


def test_empty_dram_at_is_refused_at_its_line(tmp_path: Path) -> None:
    """Found by the config fuzzer: ``dram_at: []`` validated, then ``run`` crashed in
    ``links.nearest`` (min of an empty sequence)."""
    path = _write(tmp_path, "  link: {bandwidth: 288GB/s}\n  dram_at: []\n")
    assert _error(path) == (f"{path}:6: chiplets.dram_at: expected at least one chiplet id "
                            "(weights stream from DRAM); omit dram_at for the default placement "
                            "(got [])")
    assert "chiplets.dram_at: expected at least one" in _error(
        _write(tmp_path, "  link: {bandwidth: 288GB/s}\n"), {"chiplets.dram_at": []})
