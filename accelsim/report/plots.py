"""Plots of runs and sweeps (matplotlib, Agg canvas; no pyplot, so no global figure state).

Each function returns a ``matplotlib.figure.Figure`` and, given ``path=``, saves it (PNG, SVG
or PDF by suffix). Sweep plots take the DataFrame of ``accelsim.sweep`` (per layer or per point;
per-layer rows are summed per point first) or a file read back with ``load_results``.

- ``plot_metric``: cycles / energy / area / ... against a swept parameter, a line per value of
  another parameter (``hue``).
- ``plot_energy_breakdown``: stacked energy per component, per point (or per layer of a Result).
- ``plot_layer_utilization``: utilization per layer (a Result, or a sweep's per-layer rows).
- ``plot_pareto``: energy against latency, coloured by area, with the Pareto front.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from accelsim.errors import InputError
from accelsim.files import staged_outputs
from accelsim.report import plot_style as style
from accelsim.report.result import Result

POINT, WORKLOAD, LAYER, CONFIG = "point", "workload_name", "layer", "config_name"
ADDITIVE = ("cycles", "compute_cycles", "stall_cycles", "seconds", "macs")
FORMATS = (".png", ".svg", ".pdf")
MAX_LINES = 12


def _label(column: str, values: Sequence[float] = ()) -> str:
    return style.label_of(column, values)


def _config_of(frame: pd.DataFrame, config: str | None) -> str | None:
    """The title's config: as given, else the frame's (``attrs``, or the sweep's
    ``config_name`` column)."""
    if config is not None or "config" in frame.attrs:
        return config if config is not None else str(frame.attrs["config"])
    if CONFIG not in frame.columns:
        return None
    names = [str(n) for n in dict.fromkeys(frame[CONFIG]) if str(n) not in ("", "nan")]
    return ", ".join(names[:2]) + (f" (+{len(names) - 2})" if len(names) > 2 else "") or None


def _result_config(result: Result) -> str | None:
    name = result.config.get("name") if isinstance(result.config, dict) else None
    return str(name) if name else None


def _figure(width_in: float = 6.4, height_in: float = 4.0) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def save_figure(figure: Figure, path: str | Path) -> Path:
    """Save as PNG, SVG or PDF (by the suffix of ``path``)."""
    target = Path(path)
    if target.suffix.lower() not in FORMATS:
        raise InputError(f"unknown figure format {target.suffix or '(no suffix)'!r}; use "
                         f"{', '.join(FORMATS)}", file=str(path))
    if not target.parent.is_dir():
        raise InputError("output directory does not exist", file=str(target.parent))
    with staged_outputs([target]) as (tmp,):  # atomic; an OS error is one exit-2 line
        figure.savefig(tmp, dpi=120, format=target.suffix.lower().lstrip("."))
    return target


def _done(figure: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        save_figure(figure, path)
    return figure


def parameter_columns(frame: pd.DataFrame) -> list[str]:
    """The swept keys of a sweep frame (kept in ``attrs``; else the columns between ``point``
    and ``workload_name``, as a sweep writes them)."""
    if "parameters" in frame.attrs:
        return [c for c in frame.attrs["parameters"] if c in frame.columns]
    columns = list(frame.columns)
    if POINT in columns and WORKLOAD in columns:
        return columns[columns.index(POINT) + 1:columns.index(WORKLOAD)]
    return []


def point_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per point: per-layer rows summed (cycles, seconds, MACs, energy), area and
    parameters kept, utilization recomputed as MACs / (PEs x cycles)."""
    if LAYER not in frame.columns:
        return frame
    _require(frame, [POINT, "cycles", "macs", "pe_count"])
    energy = [c for c in frame.columns if c == "energy_j" or c.startswith("energy_j.")]
    summed = [c for c in (*ADDITIVE, *energy) if c in frame.columns]
    kept = [c for c in (*parameter_columns(frame), WORKLOAD, CONFIG, "pe_count")
            if c in frame.columns]
    kept += [c for c in frame.columns if c == "area_m2" or c.startswith("area_m2.")]
    groups = frame.groupby(POINT, sort=True)
    out = groups[kept].first().join(groups[summed].sum()).reset_index()
    busy = out["pe_count"] * out["cycles"]
    out["utilization"] = np.where(busy > 0, out["macs"] / busy.where(busy > 0, 1), 0.0)
    out.attrs["parameters"] = parameter_columns(frame)
    return out


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    for column in columns:
        if column not in frame.columns:
            names = [str(c) for c in frame.columns]
            close = difflib.get_close_matches(column, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(f"no column {column!r} in the results{hint}; columns: "
                             f"{', '.join(names)}", key_path=column)


def _varying(frame: pd.DataFrame, exclude: Sequence[str]) -> list[str]:
    return [c for c in parameter_columns(frame) if c not in exclude and frame[c].nunique() > 1]


def _pick_hue(frame: pd.DataFrame, x: str, hue: str | None) -> str | None:
    if hue is not None:
        _require(frame, [hue])
        return hue
    # Parameters that still vary once x is fixed (a key derived from x does not).
    others = [c for c in _varying(frame, [x]) if frame.groupby(x)[c].nunique().max() > 1]
    if len(others) > 1:
        raise InputError(f"several parameters vary besides {x} ({', '.join(others)}); choose "
                         f"one as hue (--hue) and filter the others out first", key_path=x)
    return others[0] if others else None


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _auto_log(values: pd.Series, log: bool | None) -> bool:
    if log is not None:
        return log
    if not _is_numeric(values) or (values <= 0).any() or values.empty:
        return False
    return bool(values.max() / values.min() >= 8)


def plot_metric(frame: pd.DataFrame, x: str, y: str = "cycles", *, hue: str | None = None,
                logx: bool | None = None, logy: bool | None = None,
                config: str | None = None, path: str | Path | None = None) -> Figure:
    """``y`` (a metric column) against the swept parameter ``x``, one line per ``hue`` value
    (chosen automatically when exactly one other parameter varies)."""
    points = point_totals(frame)
    _require(points, [x, y])
    hue = _pick_hue(points, x, hue)
    figure, ax = _figure()
    groups = [(None, points)] if hue is None else list(points.groupby(hue, sort=True))
    if len(groups) > MAX_LINES:
        raise InputError(f"{len(groups)} values of {hue}: too many lines (at most {MAX_LINES});"
                         f" filter the frame first", key_path=hue)
    numeric_x = _is_numeric(points[x])
    order = {value: i for i, value in enumerate(dict.fromkeys(points[x]))}
    for index, (value, group) in enumerate(groups):
        group = group.sort_values(x, key=None if numeric_x else lambda s: s.map(order))
        xs = group[x] if numeric_x else group[x].map(order)
        ax.plot(xs, group[y], lw=1.5, ms=6, **style.series_style(index),
                label=None if hue is None else f"{value}")
    ys = style.as_floats(points[y])
    style.format_axis(ax, "y", y, ys)
    if not numeric_x:
        ax.set_xticks(list(order.values()), [str(v) for v in order])
    elif _auto_log(points[x], logx):
        style.log2_axis(ax, "x", style.as_floats(points[x]))
    else:
        style.format_axis(ax, "x", x, style.as_floats(points[x]))
    if _auto_log(points[y], logy):
        style.log10_axis(ax, "y")
    ax.set_xlabel(x)
    ax.grid(True, alpha=0.3)
    if hue is not None:
        style.outside_legend(ax, hue)
    ax.set_title(style.title_of(f"{_label(y, ys).split(' (')[0]} vs {style.short(x)}",
                                _config_of(frame, config), points.get(WORKLOAD, [])),
                 fontsize="medium")
    return _done(figure, path)


def _point_labels(points: pd.DataFrame, x: str | None) -> list[str]:
    if x is not None:
        _require(points, [x])
        if points[x].duplicated().any():
            raise InputError(f"several points share a value of {x}; filter the frame so that "
                             f"{x} names one point each", key_path=x)
        return [str(v) for v in points[x]]
    varying = _varying(points, [])
    if not varying:
        return [str(p) for p in points[POINT]] if POINT in points else [""] * len(points)
    return [", ".join(f"{style.short(key)}={row[key]}" for key in varying)
            for _, row in points.iterrows()]


def _first_of_others(points: pd.DataFrame, x: str | None) -> tuple[pd.DataFrame, str | None]:
    """With ``x`` given and other keys varying too, keep the first value of each other key
    (in sweep order) and say which; the plot's title carries the note."""
    if x is None or x not in points.columns or not points[x].duplicated().any():
        return points, None
    others = [c for c in _varying(points, [x]) if points.groupby(x)[c].nunique().max() > 1]
    chosen = []
    for key in others:
        first = points[key].iloc[0]
        values = list(dict.fromkeys(points[key]))
        points = points[points[key] == first]
        chosen.append(f"{style.short(key)}={first} (first of {len(values)}: "
                      f"{', '.join(str(v) for v in values)})")
    note = f"at {'; '.join(chosen)}" if chosen else None
    return points, note


def _stacked(ax: Axes, labels: list[str], parts: pd.DataFrame, prefix: str) -> None:
    bottom = np.zeros(len(labels))
    positions = np.arange(len(labels))
    for index, column in enumerate(parts.columns):
        values = parts[column].to_numpy(dtype=float)
        ax.bar(positions, values, bottom=bottom, width=0.7, label=column.removeprefix(prefix),
               color=style.COLOURS[index % len(style.COLOURS)],
               hatch=style.HATCHES[index % len(style.HATCHES)], edgecolor="white", lw=0.5)
        bottom += values
    ax.set_xticks(positions, labels, rotation=60 if len(labels) > 6 else 0,
                  ha="right" if len(labels) > 6 else "center", fontsize="small")
    column = prefix.rstrip(".")
    style.format_axis(ax, "y", column, list(bottom))
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    # Legend top to bottom as the stack reads, outside the bars.
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], title="component", fontsize="small",
              title_fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0),
              borderaxespad=0.0, frameon=False)


def _components(rows: pd.DataFrame, prefix: str) -> pd.DataFrame:
    return rows[[c for c in rows.columns if c.startswith(prefix)]].fillna(0.0)


def plot_energy_breakdown(data: pd.DataFrame | Result, *, x: str | None = None,
                          area: bool = True, config: str | None = None,
                          path: str | Path | None = None) -> Figure:
    """Energy per component, stacked: one bar per sweep point (labelled by ``x`` or by the
    parameters that vary), or one bar per layer of a single Result. Under it, when the data
    have ``area_m2.<component>`` (a sweep) and ``area`` is true, the area per component.
    With ``x`` given and another key varying too, the first value of that key is shown and
    the title says so."""
    note = None
    if isinstance(data, Result):
        frame = data.to_frame()
        labels, rows = frame["layer"].astype(str).tolist(), frame
        config, workloads = config or _result_config(data), [data.workload.name]
        xlabel = "layer"
    else:
        rows, note = _first_of_others(point_totals(data), x)
        labels = _point_labels(rows, x)
        config, workloads = _config_of(data, config), list(rows.get(WORKLOAD, []))
        xlabel = x if x is not None else "sweep point"
    parts = _components(rows, "energy_j.")
    if parts.empty or not len(parts.columns):
        raise InputError("no energy_j.<component> columns to plot")
    areas = _components(rows, "area_m2.") if area and not isinstance(data, Result) else None
    two = areas is not None and len(areas.columns) > 0
    width = max(6.4, 0.4 * len(labels) + 3)
    figure = Figure(figsize=(width, 6.4 if two else 4.0), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(2 if two else 1, 1, sharex=True, squeeze=False)[:, 0]
    _stacked(axes[0], labels, parts, "energy_j.")
    if two and areas is not None:
        _stacked(axes[1], labels, areas, "area_m2.")
        axes[0].tick_params(labelbottom=False)
    axes[-1].set_xlabel(xlabel)
    what = "energy and area by component" if two else "energy by component"
    axes[0].set_title(style.title_of(what, config, workloads, note), fontsize="medium")
    return _done(figure, path)


def plot_layer_utilization(data: pd.DataFrame | Result, *, point: int | None = None,
                           config: str | None = None,
                           path: str | Path | None = None) -> Figure:
    """Utilization of every layer: bars for one run (a Result, or ``point`` of a sweep), a line
    per point for a few sweep points."""
    if isinstance(data, Result):
        rows = data.to_frame().assign(**{POINT: 0})
        config, workloads = config or _result_config(data), [data.workload.name]
    else:
        _require(data, [LAYER, "utilization"])
        rows = data if point is None else data[data[POINT] == point]
        if rows.empty:
            raise InputError(f"no point {point} in the results", key_path=POINT)
        config, workloads = _config_of(data, config), list(rows.get(WORKLOAD, []))
    groups = list(rows.groupby(POINT, sort=True)) if POINT in rows else [(0, rows)]
    if len(groups) > MAX_LINES:
        raise InputError(f"{len(groups)} points: too many lines (at most {MAX_LINES}); pick one "
                         f"with point= (--point)", key_path=POINT)
    names = list(groups[0][1][LAYER].astype(str))
    figure, ax = _figure(max(6.4, 0.3 * len(names) + 3))
    positions = np.arange(len(names))
    what = "utilization per layer"
    if len(groups) == 1:
        ax.bar(positions, groups[0][1]["utilization"].to_numpy(dtype=float),
               color=style.COLOURS[0], width=0.7)
        if point is not None and not isinstance(data, Result):
            labels = _point_labels(point_totals(data), None)
            what += f", point {point}" + (f" ({labels[point]})" if point < len(labels) else "")
    else:
        labels = _point_labels(point_totals(rows), None)
        for index, ((_, group), label) in enumerate(zip(groups, labels, strict=True)):
            ax.plot(np.arange(len(group)), group["utilization"], lw=1.2, ms=5,
                    **style.series_style(index), label=label)
        style.outside_legend(ax, "point")
    ax.set_xticks(positions, names, rotation=75, ha="right", fontsize="x-small")
    ax.set_ylim(0, 1.05)
    style.format_axis(ax, "y", "utilization", [])
    ax.set_xlabel("layer")
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_title(style.title_of(what, config, workloads), fontsize="medium")
    return _done(figure, path)


def pareto_front(xs: Sequence[float], ys: Sequence[float]) -> list[int]:
    """Indices of the points no other point beats on both (lower is better), by ascending x."""
    order = sorted(range(len(xs)), key=lambda i: (xs[i], ys[i]))
    front, best_y = [], float("inf")
    for index in order:
        if ys[index] < best_y:
            front.append(index)
            best_y = ys[index]
    return front


def plot_pareto(frame: pd.DataFrame, *, x: str = "seconds", y: str = "energy_j",
                color: str = "area_m2", config: str | None = None,
                path: str | Path | None = None) -> Figure:
    """Every point as energy against latency (``x``, ``y``), coloured by area (``color``); the
    Pareto front (lower is better on both) is drawn as a line through its points, each
    labelled with its parameter values."""
    points = point_totals(frame)
    _require(points, [x, y, color])
    xs, ys = points[x].to_numpy(dtype=float), points[y].to_numpy(dtype=float)
    shades = points[color].to_numpy(dtype=float)
    unit = style.unit_of(color)
    factor = style.si_scale(shades, unit)[0] if unit else 1.0
    figure, ax = _figure(7.2, 4.8)
    dots = ax.scatter(xs, ys, c=shades / factor, cmap="viridis", s=28, zorder=2)
    bar = figure.colorbar(dots, ax=ax, label=_label(color, list(shades)))
    bar.formatter = FuncFormatter(lambda v, _pos: f"{v:.3g}")
    bar.update_ticks()
    front = pareto_front(list(xs), list(ys))
    ax.plot(xs[front], ys[front], color="crimson", lw=1, drawstyle="steps-post", zorder=1,
            label=f"Pareto front ({len(front)} point{'s' if len(front) > 1 else ''})")
    ax.scatter(xs[front], ys[front], facecolors="none", edgecolors="crimson", s=80, zorder=3)
    names = _point_labels(points, None)
    for index in front:
        ax.annotate(names[index], (xs[index], ys[index]), xytext=(6, 6),
                    textcoords="offset points", fontsize="x-small", color="crimson")
    style.format_axis(ax, "x", x, list(xs))
    style.format_axis(ax, "y", y, list(ys))
    if _auto_log(points[x], None):
        style.log10_axis(ax, "x")
    if _auto_log(points[y], None):
        style.log10_axis(ax, "y")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(0.0, -0.14), frameon=False,
              borderaxespad=0.0)
    ax.grid(True, alpha=0.3)
    ax.set_title(style.title_of(f"{_label(y).split(' (')[0]} vs {_label(x).split(' (')[0]}",
                                _config_of(frame, config), points.get(WORKLOAD, [])),
                 fontsize="medium")
    return _done(figure, path)
