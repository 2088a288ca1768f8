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

from accelsim.errors import InputError
from accelsim.files import staged_outputs
from accelsim.report.result import Result

POINT, WORKLOAD, LAYER = "point", "workload_name", "layer"
ADDITIVE = ("cycles", "compute_cycles", "stall_cycles", "seconds", "macs")
LABELS = {"cycles": "cycles", "compute_cycles": "compute cycles", "stall_cycles": "stall cycles",
          "seconds": "latency (s)", "macs": "MACs", "utilization": "utilization",
          "energy_j": "energy (J)", "area_m2": "area (m²)", "pe_count": "PEs"}
FORMATS = (".png", ".svg", ".pdf")
MAX_LINES = 12


def _label(column: str) -> str:
    if column.startswith("energy_j."):
        return f"energy of {column.removeprefix('energy_j.')} (J)"
    if column.startswith("area_m2."):
        return f"area of {column.removeprefix('area_m2.')} (m²)"
    return LABELS.get(column, column)


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
    kept = [c for c in (*parameter_columns(frame), WORKLOAD, "pe_count") if c in frame.columns]
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
                path: str | Path | None = None) -> Figure:
    """``y`` (a metric column) against the swept parameter ``x``, one line per ``hue`` value
    (chosen automatically when exactly one other parameter varies)."""
    points = point_totals(frame)
    _require(points, [x, y])
    hue = _pick_hue(points, x, hue)
    figure, ax = _figure()
    groups = [(None, points)] if hue is None else list(points.groupby(hue, sort=False))
    if len(groups) > MAX_LINES:
        raise InputError(f"{len(groups)} values of {hue}: too many lines (at most {MAX_LINES});"
                         f" filter the frame first", key_path=hue)
    numeric_x = _is_numeric(points[x])
    order = {value: i for i, value in enumerate(dict.fromkeys(points[x]))}
    for value, group in groups:
        group = group.sort_values(x, key=None if numeric_x else lambda s: s.map(order))
        xs = group[x] if numeric_x else group[x].map(order)
        ax.plot(xs, group[y], marker="o", label=None if hue is None else f"{value}")
    if not numeric_x:
        ax.set_xticks(list(order.values()), [str(v) for v in order])
    if _auto_log(points[x], logx):
        ax.set_xscale("log", base=2)
    if _auto_log(points[y], logy):
        ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(_label(y))
    ax.grid(True, alpha=0.3)
    if hue is not None:
        ax.legend(title=hue, fontsize="small")
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
    return [", ".join(f"{key.rsplit('.', 1)[-1]}={row[key]}" for key in varying)
            for _, row in points.iterrows()]


def _stacked(ax: Axes, labels: list[str], parts: pd.DataFrame) -> None:
    bottom = np.zeros(len(labels))
    positions = np.arange(len(labels))
    for column in parts.columns:
        values = parts[column].to_numpy(dtype=float)
        ax.bar(positions, values, bottom=bottom, label=column.removeprefix("energy_j."))
        bottom += values
    ax.set_xticks(positions, labels, rotation=60 if len(labels) > 6 else 0,
                  ha="right" if len(labels) > 6 else "center", fontsize="small")
    ax.set_ylabel("energy (J)")
    ax.legend(fontsize="small")


def plot_energy_breakdown(data: pd.DataFrame | Result, *, x: str | None = None,
                          path: str | Path | None = None) -> Figure:
    """Energy per component, stacked: one bar per sweep point (labelled by ``x`` or by the
    parameters that vary), or one bar per layer of a single Result."""
    if isinstance(data, Result):
        frame = data.to_frame()
        labels, rows = frame["layer"].astype(str).tolist(), frame
    else:
        rows = point_totals(data)
        labels = _point_labels(rows, x)
    parts = rows[[c for c in rows.columns if c.startswith("energy_j.")]].fillna(0.0)
    if parts.empty or not len(parts.columns):
        raise InputError("no energy_j.<component> columns to plot")
    figure, ax = _figure(max(6.4, 0.35 * len(labels) + 2))
    _stacked(ax, labels, parts)
    return _done(figure, path)


def plot_layer_utilization(data: pd.DataFrame | Result, *, point: int | None = None,
                           path: str | Path | None = None) -> Figure:
    """Utilization of every layer: bars for one run (a Result, or ``point`` of a sweep), a line
    per point for a few sweep points."""
    if isinstance(data, Result):
        rows = data.to_frame().assign(**{POINT: 0})
    else:
        _require(data, [LAYER, "utilization"])
        rows = data if point is None else data[data[POINT] == point]
        if rows.empty:
            raise InputError(f"no point {point} in the results", key_path=POINT)
    groups = list(rows.groupby(POINT, sort=True)) if POINT in rows else [(0, rows)]
    if len(groups) > MAX_LINES:
        raise InputError(f"{len(groups)} points: too many lines (at most {MAX_LINES}); pick one "
                         f"with point= (--point)", key_path=POINT)
    names = list(groups[0][1][LAYER].astype(str))
    figure, ax = _figure(max(6.4, 0.3 * len(names) + 2))
    positions = np.arange(len(names))
    if len(groups) == 1:
        ax.bar(positions, groups[0][1]["utilization"].to_numpy(dtype=float))
    else:
        labels = _point_labels(point_totals(rows), None)
        for (_, group), label in zip(groups, labels, strict=True):
            ax.plot(np.arange(len(group)), group["utilization"], marker=".", label=label)
        ax.legend(fontsize="small")
    ax.set_xticks(positions, names, rotation=75, ha="right", fontsize="x-small")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("utilization")
    ax.grid(True, axis="y", alpha=0.3)
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
                color: str = "area_m2", path: str | Path | None = None) -> Figure:
    """Every point as energy against latency (``x``, ``y``), coloured by area (``color``); the
    Pareto front (lower is better on both) is drawn as a line through its points."""
    points = point_totals(frame)
    _require(points, [x, y, color])
    xs, ys = points[x].to_numpy(dtype=float), points[y].to_numpy(dtype=float)
    figure, ax = _figure()
    dots = ax.scatter(xs, ys, c=points[color].to_numpy(dtype=float), cmap="viridis", s=24)
    figure.colorbar(dots, ax=ax, label=_label(color))
    front = pareto_front(list(xs), list(ys))
    ax.plot(xs[front], ys[front], color="crimson", lw=1, drawstyle="steps-post",
            label=f"Pareto front ({len(front)} point{'s' if len(front) > 1 else ''})")
    ax.scatter(xs[front], ys[front], facecolors="none", edgecolors="crimson", s=60)
    if _auto_log(points[x], None):
        ax.set_xscale("log")
    if _auto_log(points[y], None):
        ax.set_yscale("log")
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    return _done(figure, path)
