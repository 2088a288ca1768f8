"""Run the real SCALE-Sim 3.0.0 on one config + topology and print its per-layer report as JSON.

Executed with the interpreter of ``.venv-scalesim`` (SCALE-Sim needs numpy<2.4), never imported
by accelsim. Usage::

    python scalesim_driver.py CONFIG.cfg TOPOLOGY.csv WORKDIR [--gemm]

SCALE-Sim insists on a layout file even when custom layouts are off, so a header-only one is
written into WORKDIR. Its chatter goes to stderr; stdout carries exactly one JSON document.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time


def _layout_file(workdir: str) -> str:
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "layout.csv")
    with open(path, "w") as handle:
        handle.write("Layer name, IFMAP Height Intraline Factor,\n")
    return path


def _layer_report(layer: object) -> dict[str, object]:
    compute = layer.get_compute_report_items()  # type: ignore[attr-defined]
    detail = layer.get_detail_report_items()  # type: ignore[attr-defined]
    bandwidth = layer.get_bandwidth_report_items()  # type: ignore[attr-defined]
    return {
        "total_cycles_incl_prefetch": int(compute[0]),
        "total_cycles": int(compute[1]),
        "stall_cycles": int(compute[2]),
        "overall_util_pct": float(compute[3]),
        "mapping_efficiency_pct": float(compute[4]),
        "compute_util_pct": float(compute[5]),
        "ifmap_sram_reads": int(detail[2]),
        "filter_sram_reads": int(detail[5]),
        "ofmap_sram_writes": int(detail[8]),
        "ifmap_dram_start": int(detail[9]),
        "ifmap_dram_stop": int(detail[10]),
        "ifmap_dram_reads": int(detail[11]),
        "filter_dram_start": int(detail[12]),
        "filter_dram_stop": int(detail[13]),
        "filter_dram_reads": int(detail[14]),
        "ofmap_dram_start": int(detail[15]),
        "ofmap_dram_stop": int(detail[16]),
        "ofmap_dram_writes": int(detail[17]),
        "bandwidth": dict(zip(("ifmap_sram_bw", "filter_sram_bw", "ofmap_sram_bw",
                               "ifmap_dram_bw", "filter_dram_bw", "ofmap_dram_bw"),
                              (float(x) for x in bandwidth), strict=True)),
    }


def main(argv: list[str]) -> int:
    config, topology, workdir = argv[0], argv[1], argv[2]
    gemm = "--gemm" in argv[3:]
    from scalesim.scale_sim import scalesim

    start_s, start_cpu_s = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(sys.stderr):
        sim = scalesim(save_disk_space=True, verbose=False, config=config, topology=topology,
                       layout=_layout_file(workdir), input_type_gemm=gemm)
        sim.run_scale(top_path=workdir)
    wall_s, cpu_s = time.perf_counter() - start_s, time.process_time() - start_cpu_s
    layers = sim.runner.single_layer_sim_object_list
    names = sim.topo.get_layer_names()
    report = {
        "wall_s": wall_s,
        "cpu_s": cpu_s,
        "layers": [dict(name=name, **_layer_report(obj))
                   for name, obj in zip(names, layers, strict=True)],
    }
    json.dump(report, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
