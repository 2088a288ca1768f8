"""Result -> JSON-ready dict, pandas DataFrame, CSV text, Chrome/Perfetto timeline."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from accelsim.report.csv_text import records_to_csv
from accelsim.report.result import SCHEMA, Result

if TYPE_CHECKING:
    import pandas as pd


def _totals(result: Result) -> dict[str, Any]:
    stats = result.stats
    return {
        "cycles": stats.cycles,
        "compute_cycles": stats.compute_cycles,
        "stall_cycles": stats.stall_cycles,
        "seconds": stats.seconds,
        "energy_j": result.energy_j,
        "psum_energy_j": result.energy.psum_j,
        "area_m2": result.area_m2,
        "macs": stats.macs,
        "utilization": result.utilization,
        **_chiplet_totals(result),
        **_llm_totals(result),
    }


def _llm_totals(result: Result) -> dict[str, Any]:
    """Keys an LLM run adds to ``totals`` (docs/reram.md); none otherwise."""
    llm = result.stats.llm
    if llm is None:
        return {}
    from dataclasses import asdict

    return {**asdict(llm), "energy_per_token_j": result.energy_per_token_j}


def _chiplet_totals(result: Result) -> dict[str, Any]:
    """Keys a chiplet run adds to ``totals`` (none for one chip)."""
    chiplets = result.stats.chiplets
    if chiplets is None:
        return {}
    return {
        "chiplets": chiplets.chiplets, "strategy": chiplets.strategy,
        "d2d_bits": chiplets.d2d_bits, "dram_bits": chiplets.dram_bits,
        "peak_buffer_bytes": dict(chiplets.peak_buffer_bytes),
        "link_utilization": dict(chiplets.link_utilization),
        "dram_utilization": dict(chiplets.dram_utilization),
        **({"weight_intake_bytes_per_s": chiplets.intake_bytes_per_s,
            "dram_feed_bytes_per_s": chiplets.dram_feed_bytes_per_s,
            "layer_feeds": [{"layer": name, "intake_bytes_per_s": taken,
                             "dram_bytes_per_s": delivered}
                            for name, taken, delivered in chiplets.layer_feeds]}
           if chiplets.layer_feeds else {}),
    }


def _layer(row: Any) -> dict[str, Any]:  # noqa: ANN401 - a LayerReport
    stats = row.stats
    return {
        "name": stats.name,
        "op": stats.op,
        "shape": dict(stats.shape),
        "cycles": stats.cycles,
        "compute_cycles": stats.compute_cycles,
        "stall_cycles": stats.stall_cycles,
        "utilization": stats.utilization,
        "macs": stats.macs,
        "energy_j": dict(row.energy_j),
        "psum_energy_j": dict(row.psum_energy_j),
        "counts": dict(sorted(stats.counts.items())),
        "mapping": None if stats.mapping is None else dict(stats.mapping),
    }


# A count key of a memory or link component: sram.*, dram, dram<i>, psum_buffer, reram, link.*
# (also under chiplet<i>.). Their read/write bits are the per-layer accesses the CSV shows.
_MEMORY_COUNT = re.compile(r"(?:^|\.)(?:sram|dram\d*|psum_buffer|reram)\.|^link\.")


def memory_count_columns(counts: Mapping[str, int]) -> dict[str, int]:
    """``count.<component>.<action>`` for every SRAM, DRAM, PSUM-buffer, ReRAM and link count
    of a layer (bits read and written, accesses), sorted by key."""
    return {f"count.{key}": value for key, value in sorted(counts.items())
            if _MEMORY_COUNT.search(key)}


def mapping_columns(mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    """The key columns of a layer's searched mapping (none when it was not searched)."""
    if mapping is None:
        return {}
    residency, moved = mapping["residency"], mapping["dram_bits"]
    return {"mapping.loop_order": mapping["loop_order"],
            "mapping.stream_chunk": mapping["stream_chunk"],
            "mapping.ifmap": residency["ifmap"], "mapping.weight": residency["weight"],
            "mapping.psum_home": mapping["psum_home"],
            "mapping.dram_bits": sum(moved.values()),
            "mapping.compulsory_dram_bits": sum(mapping["compulsory_dram_bits"].values()),
            "mapping.objective": mapping["objective"],
            "mapping.objective_value": mapping["objective_value"],
            "mapping.fixed_objective_value": mapping["fixed_objective_value"]}


def result_to_dict(result: Result) -> dict[str, Any]:
    """The JSON report (schema ``accelsim.report/1``); deterministic key order."""
    prov = result.provenance
    return {
        "schema": SCHEMA,
        "accelsim_version": prov.accelsim_version,
        "name": result.name,
        "config": dict(result.config),
        "workload": {"name": result.workload.name, "source": result.workload.source},
        "totals": _totals(result),
        "layers": [_layer(row) for row in result.layers],
        "energy_j": dict(result.energy.by_component_j),
        "psum_energy_j": dict(result.energy.psum_by_component_j),
        "area_m2": dict(result.area.by_component_m2),
        "notes": list(result.notes),
        "provenance": {"tables": [dict(t) for t in prov.tables], "python": prov.python,
                       "git": prov.git, "git_tree": prov.git_tree,
                       "overrides": list(prov.overrides),
                       "inputs": [{"path": path, "sha256": digest}
                                  for path, digest in prov.inputs]},
    }


def result_to_json(result: Result) -> str:
    """The JSON report as text (stable: same inputs, same bytes)."""
    return json.dumps(result_to_dict(result), indent=2, sort_keys=False) + "\n"


def _layer_records(result: Result) -> list[dict[str, Any]]:
    """One record per layer: the rows of ``result_to_frame`` and ``result_to_csv``."""
    rows = []
    for row in result.layers:
        stats = row.stats
        record: dict[str, Any] = {
            "layer": stats.name, "op": stats.op, "cycles": stats.cycles,
            "compute_cycles": stats.compute_cycles, "stall_cycles": stats.stall_cycles,
            "utilization": stats.utilization, "macs": stats.macs,
            "seconds": stats.cycles / result.stats.clock_hz,
            "energy_j": row.total_energy_j,
            "psum_energy_j": sum(row.psum_energy_j.values()),
        }
        record.update({f"energy_j.{k}": v for k, v in row.energy_j.items()})
        record.update(memory_count_columns(stats.counts))
        record.update(mapping_columns(stats.mapping))
        rows.append(record)
    return rows


def result_to_frame(result: Result) -> pd.DataFrame:
    """One row per layer; energy columns are ``energy_j.<component>``, memory and link access
    counts ``count.<component>.<action>`` (``count.dram.read_bits``, ...)."""
    import pandas as pd  # imported here: the CLI starts faster without it

    return pd.DataFrame(_layer_records(result))


def result_to_csv(result: Result) -> str:
    """The per-layer frame as CSV (units in the column names); the same bytes as
    ``result_to_frame(result).to_csv(index=False)``, without loading pandas."""
    return records_to_csv(_layer_records(result))


def result_to_timeline(result: Result) -> str:
    """Chrome/Perfetto trace-event JSON: one complete event per layer, in microseconds."""
    scale_us = 1e6 / result.stats.clock_hz
    spans = result.stats.timeline or _layer_spans(result)
    events = [{"name": name, "cat": "layer", "ph": "X", "pid": 0, "tid": 0,
               "ts": start * scale_us, "dur": (end - start) * scale_us}
              for name, start, end in spans]
    events += _track_events(result.stats.spans, scale_us)
    events += _counter_events(result.stats.counters, scale_us)
    return json.dumps({"traceEvents": events, "displayTimeUnit": "ns"}, indent=1) + "\n"


def _track_events(spans: tuple[tuple[str, str, int, int], ...],
                  scale_us: float) -> list[dict[str, Any]]:
    """One thread (track) per chiplet array, link and DRAM channel, named by metadata events;
    tid 0 stays the layer track."""
    tracks = sorted({track for track, _, _, _ in spans})
    tid = {track: index + 1 for index, track in enumerate(tracks)}
    events: list[dict[str, Any]] = [
        {"name": "thread_name", "ph": "M", "pid": 0, "tid": 0, "args": {"name": "layers"}}
    ] if spans else []
    events += [{"name": "thread_name", "ph": "M", "pid": 0, "tid": tid[t], "args": {"name": t}}
               for t in tracks]
    events += [{"name": label, "cat": track.split(".")[0].rstrip("0123456789"), "ph": "X",
                "pid": 0, "tid": tid[track], "ts": start * scale_us,
                "dur": (end - start) * scale_us}
               for track, label, start, end in spans]
    return events


def _counter_events(counters: tuple[tuple[str, int, int], ...],
                    scale_us: float) -> list[dict[str, Any]]:
    """Perfetto counter tracks ("C" events): each chiplet's on-chip buffer bytes over time."""
    return [{"name": track, "cat": "buffer", "ph": "C", "pid": 0, "tid": 0,
             "ts": cycle * scale_us, "args": {"bytes": value}}
            for track, cycle, value in counters]


def _layer_spans(result: Result) -> list[tuple[str, int, int]]:
    spans, now = [], 0
    for layer in result.stats.layers:
        spans.append((layer.name, now, now + layer.cycles))
        now += layer.cycles
    return spans
