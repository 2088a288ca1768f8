"""Run ZigZag (zigzag-dse 3.9.1) on layers and print, per layer, its best mapping's costs as JSON.

Executed with the interpreter of ``.venv-zigzag``, never imported by accelsim (ZigZag's own
dependencies would otherwise enter accelsim's environment). Usage::

    python zigzag_driver.py REQUEST.json

``REQUEST.json`` holds ``{"accelerator": {...}, "mapping": [...], "layers": [{...}, ...],
"opt": "energy" | "latency" | "EDP", "lpf_limit": int}``: the accelerator and mapping are
ZigZag's YAML documents as JSON objects, each layer one ZigZag workload layer (the dict its
YAML parser takes). ``bench/bench_zigzag.py`` writes the request; this script only runs ZigZag.

Each layer is a separate ZigZag run (its own one-layer workload file), so its wall time is that
layer's whole mapping search. ``evaluations`` counts the cost-model evaluations ZigZag made
(one per spatial x temporal mapping it tried). Its logging and progress bars go to stderr;
stdout carries exactly one JSON document::

    {"zigzag_version": str, "peak_rss_mib": float,
     "layers": [{"name", "energy_pj", "mac_energy_pj", "cycles", "ideal_cycles", "wall_s",
                 "evaluations", "dram_bits": {"W"|"I"|"O": {"read", "write"}},
                 "mem_energy_pj": {operand: [per level, innermost first]},
                 "temporal_mapping": str, "spatial_mapping": str}]}

DRAM bits are the elements moved at the top memory level of each operand times their
precision (ZigZag's own data-movement record, before it rounds to words for the energy).
"""

from __future__ import annotations

import contextlib
import json
import logging
import resource
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any


def _count_evaluations() -> list[int]:
    """Wrap ZigZag's cost model so that every evaluation increments the returned counter."""
    from zigzag.cost_model.cost_model import CostModelEvaluation

    counter = [0]
    original = CostModelEvaluation.run

    def run(self: Any) -> None:
        counter[0] += 1
        original(self)

    CostModelEvaluation.run = run  # type: ignore[method-assign]
    return counter


def _dram_bits(cme: Any) -> dict[str, dict[str, int]]:
    """Bits each operand moves at its top memory level (DRAM): reads out to the level below and
    writes in from it (outputs and psums spilled to DRAM)."""
    from zigzag.hardware.architecture.memory_port import DataDirection
    from zigzag.mapping.data_movement import DataMoveAttr

    bits: dict[str, dict[str, int]] = {}
    for layer_op in cme.layer.layer_operands:
        top = cme.mapping.mem_level[layer_op] - 1
        move = cme.mapping.unit_mem_data_movement[layer_op][top]
        amount = move.get_attribute(DataMoveAttr.DATA_TRANS_AMOUNT_PER_PERIOD)
        precision = move.get_attribute(DataMoveAttr.DATA_PRECISION)
        periods = move.get_attribute(DataMoveAttr.DATA_TRANS_PERIOD_COUNT)
        units = cme.mapping.spatial_mapping.unit_count[layer_op][top + 1]

        def moved(direction: Any, amount: Any = amount, precision: Any = precision,
                  periods: Any = periods, units: Any = units) -> int:
            return int(amount.get(direction) * precision.get(direction)
                       * periods.get(direction) * units)

        bits[str(layer_op)] = {"read": moved(DataDirection.RD_OUT_TO_LOW),
                               "write": moved(DataDirection.WR_IN_BY_LOW)}
    return bits


def _summary(cme: Any, wall_s: float, evaluations: int, name: str) -> dict[str, object]:
    return {
        "name": name,
        "energy_pj": float(cme.energy_total),
        "mac_energy_pj": float(cme.mac_energy),
        "cycles": float(cme.latency_total2),
        "ideal_cycles": float(cme.ideal_cycle),
        "wall_s": wall_s,
        "evaluations": evaluations,
        "dram_bits": _dram_bits(cme),
        "mem_energy_pj": {str(op): [float(e) for e in levels]
                          for op, levels in cme.mem_energy_breakdown.items()},
        "temporal_mapping": str(cme.temporal_mapping.mapping_dic_stationary),
        "spatial_mapping": str(cme.spatial_mapping),
    }


def run_layer(request: dict[str, Any], layer: dict[str, Any], tmp: Path,
              counter: list[int]) -> dict[str, object]:
    """One ZigZag run of one layer; its best mapping (by ``request['opt']``)."""
    import yaml
    from zigzag.api import get_hardware_performance_zigzag

    run = tmp / f"layer{layer['id']}_{len(list(tmp.iterdir()))}"
    run.mkdir()
    for file, doc in (("accelerator.yaml", request["accelerator"]),
                      ("mapping.yaml", request["mapping"]), ("workload.yaml", [layer])):
        (run / file).write_text(yaml.safe_dump(doc, sort_keys=False))
    before = counter[0]
    start = time.perf_counter()
    _, _, cmes = get_hardware_performance_zigzag(
        str(run / "workload.yaml"), str(run / "accelerator.yaml"), str(run / "mapping.yaml"),
        opt=request["opt"], dump_folder=str(run / "out"), lpf_limit=request["lpf_limit"],
        loma_show_progress_bar=False)
    wall_s = time.perf_counter() - start
    cme = cmes[0][1][0][0]  # the SumStage's single layer: (its CME, extra info)
    return _summary(cme, wall_s, counter[0] - before, str(layer["name"]))


def main(argv: list[str]) -> int:
    request = json.loads(Path(argv[0]).read_text())
    with contextlib.redirect_stdout(sys.stderr):
        logging.disable(logging.INFO)  # ZigZag's api sets INFO; keep warnings and errors
        counter = _count_evaluations()
        with tempfile.TemporaryDirectory(prefix="zigzag_") as tmp:
            layers = [run_layer(request, layer, Path(tmp), counter)
                      for layer in request["layers"]]
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    json.dump({"zigzag_version": version("zigzag-dse"), "peak_rss_mib": peak_mib,
               "layers": layers}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
