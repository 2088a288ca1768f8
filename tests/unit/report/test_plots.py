"""Plots: each returns a Figure with the data in it, saves PNG/SVG, and refuses bad columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import accelsim
from accelsim.errors import InputError
from accelsim.report import plots
from tests.unit.sweep.helpers import write_tiny_config

PARAMS = ["system.array.rows", "system.array.dataflow"]


def _layers() -> pd.DataFrame:
    """A per-layer sweep frame as accelsim.sweep builds it: 2 rows x 2 dataflows x 2 layers."""
    rows = []
    for point, (size, flow) in enumerate([(8, "os"), (8, "ws"), (16, "os"), (16, "ws")]):
        for index in range(2):
            cycles = 1000 // size + 10 * index + (5 if flow == "ws" else 0)
            rows.append({"point": point, "system.array.rows": size,
                         "system.array.dataflow": flow, "workload_name": "w",
                         "layer_index": index, "layer": f"l{index}", "op": "gemm",
                         "cycles": cycles, "compute_cycles": cycles, "stall_cycles": 0,
                         "seconds": cycles * 1e-9, "macs": 100 * (index + 1),
                         "pe_count": size * size, "utilization": 0.5, "energy_j": 3.0 + point,
                         "energy_j.array": 1.0, "energy_j.dram": 2.0 + point,
                         "area_m2": size * 1e-6, "area_m2.array": size * 1e-6})
    frame = pd.DataFrame(rows)
    frame.attrs["parameters"] = PARAMS
    return frame


def test_point_totals_sum_layers_and_recompute_utilization() -> None:
    totals = plots.point_totals(_layers())
    assert totals["point"].tolist() == [0, 1, 2, 3]
    assert totals["cycles"].tolist() == [260, 270, 134, 144]
    assert totals["energy_j"].tolist() == [6.0, 8.0, 10.0, 12.0]
    assert totals["area_m2"].tolist() == [8e-6, 8e-6, 16e-6, 16e-6]  # not summed
    assert totals["utilization"].iloc[0] == pytest.approx(300 / (64 * 260))
    assert plots.parameter_columns(totals) == PARAMS


def test_parameter_columns_without_attrs_come_from_the_column_order() -> None:
    frame = _layers()
    frame.attrs.clear()
    assert plots.parameter_columns(frame) == PARAMS


def test_metric_plot_draws_one_line_per_other_parameter(tmp_path: Path) -> None:
    figure = plots.plot_metric(_layers(), "system.array.rows", "cycles",
                               path=tmp_path / "m.png")
    (ax,) = figure.axes
    lines = {line.get_label(): list(line.get_ydata()) for line in ax.get_lines()}
    assert lines == {"os": [260, 134], "ws": [270, 144]}
    assert ax.get_ylabel() == "cycles"
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_metric_plot_of_a_categorical_parameter(tmp_path: Path) -> None:
    figure = plots.plot_metric(_layers(), "system.array.dataflow", "energy_j",
                               hue="system.array.rows", path=tmp_path / "m.svg")
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["os", "ws"]
    assert "<svg" in (tmp_path / "m.svg").read_text()


def test_energy_breakdown_stacks_components_per_point() -> None:
    frame = _layers()
    figure = plots.plot_energy_breakdown(frame[frame["system.array.dataflow"] == "ws"],
                                         x="system.array.rows")
    ax = figure.axes[0]
    heights = [patch.get_height() for patch in ax.patches]
    assert heights == [2.0, 2.0, 2 * 3.0, 2 * 5.0]  # array bars, then dram bars
    assert [t.get_text() for t in figure.axes[-1].get_xticklabels()] == ["8", "16"]


def test_pareto_front_and_plot() -> None:
    assert plots.pareto_front([1, 2, 3, 4], [4, 5, 2, 2]) == [0, 2]
    figure = plots.plot_pareto(_layers())
    assert isinstance(figure, Figure) and len(figure.axes) == 2  # the plot and its colour bar
    assert figure.axes[1].get_ylabel() == "area (mm²)"


def test_layer_utilization_of_a_run_and_of_a_sweep(tmp_path: Path) -> None:
    result = accelsim.run(write_tiny_config(tmp_path))
    bars = plots.plot_layer_utilization(result).axes[0].patches
    assert [b.get_height() for b in bars] == pytest.approx(
        [layer.stats.utilization for layer in result.layers])
    lines = plots.plot_layer_utilization(_layers()).axes[0].get_lines()
    assert len(lines) == 4
    one = plots.plot_layer_utilization(_layers(), point=2).axes[0].patches
    assert len(one) == 2


def test_energy_breakdown_of_a_run_is_per_layer(tmp_path: Path) -> None:
    result = accelsim.run(write_tiny_config(tmp_path))
    ax = plots.plot_energy_breakdown(result).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["fc", "conv"]
    tops = np.zeros(2)
    for patch in ax.patches:
        tops[round(patch.get_x() + patch.get_width() / 2)] += patch.get_height()
    assert tops == pytest.approx([layer.total_energy_j for layer in result.layers])


@pytest.mark.parametrize(("call", "message"), [
    (lambda f: plots.plot_metric(f, "system.array.rows", "cycels"),
     "no column 'cycels' in the results (did you mean 'cycles'?)"),
    (lambda f: plots.plot_metric(f.assign(extra=f["point"] % 2), "system.array.rows"),
     "several parameters vary besides system.array.rows"),
    (lambda f: plots.plot_layer_utilization(f, point=9), "no point 9 in the results"),
    (lambda f: plots.save_figure(Figure(), "x.jpg"), "unknown figure format '.jpg'"),
])
def test_bad_requests_are_input_errors(call, message: str) -> None:  # noqa: ANN001
    frame = _layers()
    if "extra" in message or "several parameters" in message:
        frame.attrs["parameters"] = [*PARAMS, "extra"]
    with pytest.raises(InputError) as info:
        call(frame)
    assert message in info.value.render()


def _drawn(figure: Figure) -> Figure:
    figure.canvas.draw()
    return figure


def _outside(figure: Figure, ax) -> bool:  # noqa: ANN001
    legend = ax.get_legend()
    renderer = figure.canvas.get_renderer()
    box, data = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
    return box.x0 >= data.x1 or box.y0 >= data.y1 or box.y1 <= data.y0


def _twelve() -> pd.DataFrame:
    rows = []
    for point, (size, bits) in enumerate((s, b) for b in range(1, 13) for s in (8, 16, 32, 64,
                                                                                 128)):
        rows.append({"point": point, "system.array.rows": size, "system.pe.bits": bits,
                     "workload_name": "resnet18", "cycles": 2_000_000 // size * bits,
                     "seconds": 2e-3 / size * bits, "macs": 10**6, "pe_count": size * size,
                     "utilization": 0.8, "energy_j": 0.012 * bits, "energy_j.array": 0.004,
                     "energy_j.dram": 0.012 * bits - 0.004, "area_m2": size * 1e-8,
                     "area_m2.array": size * 1e-8})
    frame = pd.DataFrame(rows)
    frame.attrs["parameters"] = ["system.array.rows", "system.pe.bits"]
    frame.attrs["config"] = "int8_sa"
    return frame


def test_metric_plot_is_publication_ready() -> None:
    figure = _drawn(plots.plot_metric(_twelve(), "system.array.rows", "cycles"))
    ax = figure.axes[0]
    assert ax.get_title().startswith("cycles vs rows — int8_sa on resnet18")
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["8", "16", "32", "64", "128"]
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and all("e" not in t and "^" not in t for t in ticks)
    assert any(t.endswith(("k", "M")) for t in ticks)
    assert ax.yaxis.get_offset_text().get_text() == ""
    lines = ax.get_lines()
    assert len(lines) == 12
    assert len({line.get_color() for line in lines}) == 12
    assert len({line.get_marker() for line in lines}) == 12
    assert _outside(figure, ax)


def test_energy_units_and_area_breakdown() -> None:
    frame = _twelve()
    frame = frame[frame["system.pe.bits"] <= 2]
    figure = _drawn(plots.plot_metric(frame, "system.array.rows", "energy_j"))
    assert figure.axes[0].get_ylabel() == "energy (mJ)"
    texts = [t.get_text() for t in figure.axes[0].get_yticklabels() if t.get_text()]
    assert all(float(t.replace(",", "")) >= 1 for t in texts if t != "0")
    figure = _drawn(plots.plot_energy_breakdown(frame[frame["system.pe.bits"] == 1],
                                                x="system.array.rows"))
    energy, area = figure.axes
    assert energy.get_ylabel() == "energy (mJ)" and area.get_ylabel() == "area (mm²)"
    assert area.get_xlabel() == "system.array.rows"
    assert [t.get_text() for t in area.get_xticklabels()] == ["8", "16", "32", "64", "128"]
    assert [t.get_text() for t in energy.get_legend().get_texts()] == ["dram", "array"]
    assert _outside(figure, energy) and _outside(figure, area)
    assert "energy and area by component — int8_sa on resnet18" in energy.get_title()


def test_energy_of_a_two_key_sweep_picks_the_first_value_and_says_so() -> None:
    figure = plots.plot_energy_breakdown(_layers(), x="system.array.rows")
    energy = figure.axes[0]
    assert "at dataflow=os (first of 2: os, ws)" in energy.get_title()
    assert [t.get_text() for t in figure.axes[-1].get_xticklabels()] == ["8", "16"]
    assert len(energy.patches) == 4  # 2 points x 2 components


def test_utilization_in_percent_and_pareto_labels() -> None:
    figure = _drawn(plots.plot_layer_utilization(_layers()))
    ax = figure.axes[0]
    assert ax.get_ylabel() == "utilization (%)"
    assert "100%" in [t.get_text() for t in ax.get_yticklabels()]
    assert _outside(figure, ax)
    figure = _drawn(plots.plot_pareto(_twelve()))
    ax = figure.axes[0]
    assert ax.get_xlabel() == "latency (ms)" and ax.get_ylabel() == "energy (mJ)"
    notes = [t.get_text() for t in ax.texts]
    assert notes and all("rows=" in n and "bits=" in n for n in notes)
    assert "int8_sa on resnet18" in ax.get_title() and _outside(figure, ax)


def test_the_title_names_the_config_from_the_sweeps_config_name_column() -> None:
    frame = _layers().assign(config_name="int8_sa")
    frame.attrs.pop("config", None)
    figure = plots.plot_metric(frame, "system.array.rows", "cycles")
    assert figure.axes[0].get_title().startswith("cycles vs rows — int8_sa on w")
    energy = plots.plot_energy_breakdown(frame, x="system.array.rows").axes[0]
    assert "— int8_sa on w" in energy.get_title()
    assert "int8_sa" in plots.plot_pareto(frame).axes[0].get_title()
    assert "int8_sa" in plots.plot_layer_utilization(frame, point=0).axes[0].get_title()
    assert plots.point_totals(frame)["config_name"].tolist() == ["int8_sa"] * 4
