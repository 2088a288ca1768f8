"""What makes a plot publication-ready: engineering units, real tick values, a distinct colour
and marker per series, legends outside the data and titles naming the config and workload.

Data stay in SI units (J, m², s) on the axes; the tick formatters scale them, so a figure's
data can be checked against the results while its labels read "energy (mJ)" or "area (mm²)".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.legend import Legend
from matplotlib.ticker import (
    FixedLocator,
    FuncFormatter,
    LogLocator,
    NullFormatter,
    NullLocator,
    ScalarFormatter,
)

# Twelve colours that stay apart in print and for most colour-blind readers (tab10 + 2 darks),
# each with its own marker, so 12 series never share a colour or a marker.
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#000080", "#006400")
MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*", "<", ">", "h", "p")
HATCHES = ("", "//", "..", "xx", "\\\\", "++", "--", "oo", "||", "**", "OO", "")

# Prefixes for SI units, largest first (u written as µ).
PREFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"),
            (1e-9, "n"), (1e-12, "p"))
AREA_UNITS = ((1.0, "m²"), (1e-6, "mm²"), (1e-12, "µm²"))
COUNT_COLUMNS = ("cycles", "compute_cycles", "stall_cycles", "macs", "pe_count")


def series_style(index: int) -> dict[str, str]:
    """Colour and marker of series ``index`` (distinct for the first 12)."""
    return {"color": COLOURS[index % len(COLOURS)], "marker": MARKERS[index % len(MARKERS)]}


def _largest(values: Iterable[float]) -> float:
    finite = [abs(v) for v in values if math.isfinite(v) and v != 0]
    return max(finite) if finite else 1.0


def si_scale(values: Iterable[float], base_unit: str) -> tuple[float, str]:
    """The factor and unit (``1e-3, "mJ"``) that bring the largest value into [1, 1000)."""
    if base_unit == "m²":
        top = _largest(values)
        for factor, unit in AREA_UNITS:
            if top >= factor:
                return factor, unit
        return AREA_UNITS[-1]
    top = _largest(values)
    for factor, prefix in PREFIXES:
        if top >= factor:
            return factor, f"{prefix}{base_unit}"
    return PREFIXES[-1][0], f"{PREFIXES[-1][1]}{base_unit}"


def _number(value: float) -> str:
    """A tick value without offset or exponent: 0.5, 12, 1,024."""
    if value == 0:
        return "0"
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"


def count_text(value: float) -> str:
    """Cycles and MACs: 950, 12.5k, 3.2M, 1.1G."""
    for factor, prefix in PREFIXES[:3]:
        if abs(value) >= factor:
            return f"{value / factor:.3g}{prefix}"
    return _number(value)


def unit_of(column: str) -> str | None:
    """The SI base unit of a metric column (None for counts and ratios)."""
    if column == "energy_j" or column.startswith("energy_j."):
        return "J"
    if column == "area_m2" or column.startswith("area_m2."):
        return "m²"
    if column == "seconds":
        return "s"
    return None


def label_of(column: str, values: Sequence[float] = ()) -> str:
    """Axis label with the unit the ticks are shown in."""
    unit = unit_of(column)
    if unit is not None:
        _, shown = si_scale(values, unit)
        if column in ("energy_j", "area_m2", "seconds"):
            name = {"energy_j": "energy", "area_m2": "area", "seconds": "latency"}[column]
        else:
            kind, component = column.split(".", 1)
            name = f"{'energy' if kind == 'energy_j' else 'area'} of {component}"
        return f"{name} ({shown})"
    return {"cycles": "cycles", "compute_cycles": "compute cycles",
            "stall_cycles": "stall cycles", "macs": "MACs", "utilization": "utilization (%)",
            "pe_count": "PEs"}.get(column, column)


def format_axis(ax: Axes, which: str, column: str, values: Sequence[float]) -> None:
    """Tick labels of the ``x`` or ``y`` axis in the column's engineering unit."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    unit = unit_of(column)
    if unit is not None:
        factor, _ = si_scale(values, unit)
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: _number(float(v) / factor)))
    elif column == "utilization":
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{100 * v:.0f}%"))
    elif column in COUNT_COLUMNS:
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: count_text(float(v))))
    else:
        plain = ScalarFormatter(useOffset=False)
        plain.set_scientific(False)
        axis.set_major_formatter(plain)
    axis.set_minor_formatter(NullFormatter())
    (ax.set_xlabel if which == "x" else ax.set_ylabel)(label_of(column, values))


def log2_axis(ax: Axes, which: str, values: Sequence[float]) -> None:
    """A base-2 log axis whose ticks are the values themselves (8, 16, 32, not 2^3)."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log", base=2)
    ticks = sorted({float(v) for v in values})
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: _number(float(v))))
    axis.set_minor_locator(NullLocator())


def log10_axis(ax: Axes, which: str) -> None:
    """A decade log axis; the formatter already set keeps the engineering units."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    formatter = axis.get_major_formatter()
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(formatter)
    axis.set_minor_formatter(NullFormatter())


def outside_legend(ax: Axes, title: str | None = None) -> Legend:
    """The legend to the right of the axes, clear of the data (constrained layout makes room)."""
    return ax.legend(title=title, fontsize="small", title_fontsize="small", loc="upper left",
                     bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, frameon=False)


def title_of(what: str, config: str | None, workloads: Iterable[object],
             note: str | None = None) -> str:
    """"cycles vs rows — int8_sa on resnet18" (and a second line for a note)."""
    names = [str(w) for w in dict.fromkeys(workloads) if str(w) not in ("", "nan")]
    on = ", ".join(names[:3]) + (f" (+{len(names) - 3})" if len(names) > 3 else "")
    where = " on ".join(part for part in (config or "", on) if part)
    text = f"{what} — {where}" if where else what
    return f"{text}\n{note}" if note else text


def short(key: str) -> str:
    """``system.array.rows`` -> ``rows`` (for legends and point labels)."""
    return key.rsplit(".", 1)[-1]


def as_floats(values: Iterable[object]) -> list[float]:
    return [float(v) for v in np.asarray(list(values), dtype=float)]
