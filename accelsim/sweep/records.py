"""What a sweep keeps of each point, and the DataFrame built from it.

A point's record is plain JSON data (ints, floats, strings): workers send it back, the store
writes it as JSON, and the frame is built from it in point order. JSON keeps Python floats
exactly (shortest repr), so a frame is the same bit for bit whichever backend ran the points and
whether they came from the store or not.

Columns: ``point``, the swept keys (``system.array.rows`` ...), then ``workload_name`` and the
metrics. Per layer: ``layer_index``, ``layer``, ``op``, ``cycles``, ``compute_cycles``,
``stall_cycles``, ``seconds``, ``macs``, ``pe_count``, ``utilization``, ``energy_j`` and
``energy_j.<component>``; every row also carries the point's ``area_m2`` and
``area_m2.<component>``, and last the config's ``name`` as ``config_name`` (plot titles use
it). Per point (``per_layer=False``) the same metrics summed over the layers, and
``utilization`` of the whole run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from accelsim.report import Result
from accelsim.sweep.grid import Point

Row = dict[str, Any]

POINT, WORKLOAD, CONFIG = "point", "workload_name", "config_name"


@dataclass(frozen=True)
class PointRecord:
    """The numbers one point produced: totals of the run and one row per layer."""

    point: int
    totals: Row
    layers: tuple[Row, ...]

    def to_json(self) -> str:
        """The stored form (exact for floats)."""
        return json.dumps({"totals": self.totals, "layers": list(self.layers)},
                          separators=(",", ":"))

    @staticmethod
    def from_json(point: int, text: str) -> PointRecord:
        """Inverse of ``to_json``."""
        data = json.loads(text)
        return PointRecord(point, data["totals"], tuple(data["layers"]))


def _energy(per_component: Mapping[str, float]) -> Row:
    row: Row = {"energy_j": float(sum(per_component.values()))}
    row.update({f"energy_j.{name}": float(joules) for name, joules in per_component.items()})
    return row


def record_of(point: int, result: Result) -> PointRecord:
    """Extract the record of one finished run."""
    stats, clock_hz = result.stats, result.stats.clock_hz
    layers = []
    for index, row in enumerate(result.layers):
        layer = row.stats
        layers.append({
            "layer_index": index, "layer": layer.name, "op": layer.op,
            "cycles": int(layer.cycles), "compute_cycles": int(layer.compute_cycles),
            "stall_cycles": int(layer.stall_cycles), "seconds": layer.cycles / clock_hz,
            "macs": int(layer.macs), "pe_count": int(layer.pe_count),
            "utilization": float(layer.utilization), **_energy(row.energy_j)})
    pe_count = stats.layers[0].pe_count if stats.layers else 0
    totals: Row = {
        WORKLOAD: result.workload.name, "cycles": int(stats.cycles),
        "compute_cycles": int(stats.compute_cycles), "stall_cycles": int(stats.stall_cycles),
        "seconds": float(stats.seconds), "macs": int(stats.macs), "pe_count": int(pe_count),
        "utilization": float(result.utilization), **_energy(result.energy.by_component_j),
        **_area(result.area.by_component_m2), **_llm(result),
        CONFIG: str(result.config.get("name", ""))}
    return PointRecord(point, totals, tuple(layers))


def _llm(result: Result) -> Row:
    """Per-token figures of an LLM run (docs/reram.md); none otherwise."""
    llm = result.stats.llm
    if llm is None:
        return {}
    return {"tokens_per_s": float(llm.tokens_per_s),
            "energy_per_token_j": float(result.energy_per_token_j or 0.0),
            "dram_bytes_per_token": float(llm.dram_bytes_per_token),
            "reram_bytes_per_token": float(llm.reram_bytes_per_token)}


def _area(per_component: Mapping[str, float]) -> Row:
    row: Row = {"area_m2": float(sum(per_component.values()))}
    row.update({f"area_m2.{name}": float(m2) for name, m2 in per_component.items()})
    return row


def _area_of(totals: Row) -> Row:
    return {key: value for key, value in totals.items()
            if key == "area_m2" or key.startswith("area_m2.")}


def build_frame(points: Sequence[Point], records: Mapping[int, PointRecord],
                per_layer: bool) -> pd.DataFrame:
    """One row per point and layer (or per point), in point order, parameters first."""
    keys = list(dict.fromkeys(key for point in points for key, _ in point.values))
    rows: list[Row] = []
    for point in points:
        record = records[point.id]
        head: Row = {POINT: point.id, **dict(point.values), WORKLOAD: record.totals[WORKLOAD]}
        if per_layer:
            area = _area_of(record.totals)
            config = {CONFIG: record.totals[CONFIG]} if CONFIG in record.totals else {}
            rows.extend({**head, **layer, **area, **config} for layer in record.layers)
        else:
            rows.append({**head, **{k: v for k, v in record.totals.items() if k != WORKLOAD}})
    columns = list(dict.fromkeys(key for row in rows for key in row))
    frame = pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(
        columns=[POINT, *keys, WORKLOAD])
    frame.attrs["parameters"] = keys
    return frame
