"""ZigZag 3.9.1 against accelsim side by side: same layers, hardware and per-access energies.

For each layer (the 128x512x512 GEMM and the ResNet-18 convolutions) it prints each tool's DRAM
traffic, energy, cycles and time per evaluation, the compulsory DRAM traffic (each operand read
once, the output written once, at the operands' precisions), accelsim's speed-up and the peak
Python memory of one accelsim run. ZigZag runs in its own environment (``.venv-zigzag``, or
``$ACCELSIM_ZIGZAG_PYTHON``) through ``bench/zigzag_driver.py``, one layer per ZigZag run.

Hardware: ``configs/systems/int8_32x32.yaml`` (through ``configs/int8_sa.yaml``), described to
ZigZag as follows (accelsim -> ZigZag accelerator YAML; numbers read from the loaded spec):

- array 32x32, WS -> ``operational_array`` D1 x D2 = 32 x 32 (D1 = columns, D2 = rows),
  ``systolic_dimensions: [D1, D2]``, ``input_precision: [8, 8]``; mapping file: spatial
  unrolling ``D1: K, 32`` (output channels / GEMM N on the columns), ``D2: C, 32`` (input
  channels / GEMM K on the rows), the weight-stationary unrolling of a TPU-style array.
- PE registers -> three per-PE memories (``served_dimensions: []``): ``reg_W`` 8 b (I2),
  ``reg_I`` 8 b (I1) and ``reg_O`` 32 b (O, the psum register), 8/8/32 b per cycle.
- SRAMs (ifmap, weight, ofmap; 64 KiB each, double-buffered) -> ``sram_ifmap`` (I1),
  ``sram_weight`` (I2), ``sram_ofmap`` (O), 524288 b each, ``force_double_buffering: True``
  (ZigZag then maps tiles into half the capacity, as accelsim's two halves), one read and one
  write port each of ``width x banks`` bits per cycle (256, 256, 1024), serving D1 and D2.
- DRAM (LPDDR4, 25.6 GB/s = 204.8 b/cycle at 1 GHz, 100 ns) -> ``dram`` for I1, I2 and O, one
  shared read-write port of 205 b/cycle (ZigZag bandwidths are integers), latency 100 (which
  ZigZag's cost model does not use).
- Precisions: ifmap 8, weight 8, psum 32, ofmap 8 -> ``operand_precision`` I 8, W 8, O 32,
  O_final 8.

Energies (accelsim.cost.action_energies of the system's tables, J per counted action, given to
ZigZag in pJ): ``array.mac`` -> ``unit_energy``; ``array.reg_write_bits`` x register width ->
the registers' ``w_cost`` (accelsim charges register writes only, so ``r_cost`` 0);
``sram.X.read_bits`` / ``write_bits`` x port width -> ``r_cost`` / ``w_cost`` of the SRAM
(ZigZag charges one cost per word of ``bandwidth_max`` bits; ``bandwidth_min`` 8 makes the word
count ~ bits / width, so the cost is per bit); ``dram.read_bits`` / ``write_bits`` x 205 -> the
DRAM's. Leakage: ZigZag has none, so accelsim's energy is shown as its dynamic part (counts x the
same per-action energies), with the total including leakage in the next column.

What ZigZag cannot express (see docs/peers_zigzag.md): accelsim's im2col row packing of a
convolution (rows = C x FY x FX flattened; ZigZag unrolls C alone on D2, which matters for
conv1's C=3), leakage, DRAM latency, bank structure beyond bandwidth, and accelsim's
cycle-level stalls (ZigZag's latency is analytical).

Times: ZigZag's is the wall time of one layer's run inside the driver (its mapping search: spatial
mapping fixed, LOMA temporal search with ``lpf_limit``, optimising energy), without interpreter
start-up; ``evals`` is how many mappings it costed, so ``s/eval`` is the time per cost-model
evaluation. accelsim's is the best of a few ``accelsim.run`` of that layer alone after a warm-up
(config and workload loading included). Speed-up = ZigZag's layer time / accelsim's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import accelsim
from accelsim import cost
from accelsim.cost.builtin import default_tables, resolve_table

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "bench" / "zigzag_driver.py"
CONFIG = ROOT / "configs" / "int8_sa.yaml"
# ZigZag carries one partial-sum precision through every level, so its PE psum register is the
# edge width (32 b); accelsim runs with the same 32-bit PE register (not its narrower derived
# width) so that both tools price the same hardware.
SAME_HARDWARE: Mapping[str, object] = {"system.array.precision.psum_bits": 32}
RESNET18 = ROOT / "workloads" / "resnet18.yaml"
DOC = ROOT / "docs" / "peers_zigzag.md"
REPEATS = 5
LPF_LIMIT = 6
OPT = "energy"
DRAM_PORT_BITS = 205  # 25.6 GB/s at 1 GHz = 204.8 b/cycle; ZigZag bandwidths are integers
DEFAULT_LAYERS = ("gemm_128x512x512", "layer1.0.conv1", "layer2.0.conv1", "layer2.0.conv2",
                  "layer2.0.downsample.0", "layer3.0.conv2", "layer4.0.conv2")
PJ = 1e12


@dataclass(frozen=True)
class Layer:
    """A layer in the shape both tools take: a convolution, or a GEMM as a 1x1 one (M = OX,
    K = C, N = K): ``O[m][n] += A[m][k] * B[k][n]``, B being the weights."""

    name: str
    op: str  # "conv2d" | "gemm"
    channels: int
    filters: int
    ifmap: tuple[int, int] = (1, 1)
    kernel: int = 1
    stride: int = 1
    padding: int = 0

    @classmethod
    def gemm(cls, name: str, m: int, k: int, n: int) -> Layer:
        return cls(name, "gemm", channels=k, filters=n, ifmap=(1, m))

    @property
    def ofmap(self) -> tuple[int, int]:
        h, w = self.ifmap
        return tuple((x + 2 * self.padding - self.kernel) // self.stride + 1  # type: ignore[return-value]
                     for x in (h, w))

    @property
    def macs(self) -> int:
        oh, ow = self.ofmap
        return oh * ow * self.filters * self.channels * self.kernel ** 2


def _touched(size: int, out: int, kernel: int, stride: int, padding: int) -> int:
    """How many of an input axis' ``size`` positions some output reads (all of them unless the
    stride skips some, as a 1x1 stride-2 convolution does)."""
    return len({o * stride - padding + f for o in range(out) for f in range(kernel)}
               & set(range(size)))


def compulsory_bits(layer: Layer, ifmap_bits: int = 8, weight_bits: int = 8,
                    ofmap_bits: int = 8) -> dict[str, int]:
    """The least DRAM traffic of ``layer``: each input element some output uses (the whole
    unpadded input, except where a stride skips pixels) and each weight read once, each output
    written once, at the operands' precisions."""
    (h, w), (oh, ow) = layer.ifmap, layer.ofmap
    used = (_touched(h, oh, layer.kernel, layer.stride, layer.padding)
            * _touched(w, ow, layer.kernel, layer.stride, layer.padding))
    return {"ifmap": used * layer.channels * ifmap_bits,
            "weight": layer.kernel ** 2 * layer.channels * layer.filters * weight_bits,
            "ofmap": oh * ow * layer.filters * ofmap_bits}


def resnet18_layers(path: Path = RESNET18) -> list[Layer]:
    """The convolutions of the reference ResNet-18 workload file."""
    doc = yaml.safe_load(path.read_text())
    return [Layer(row["name"], "conv2d", row["channels"], row["filters"], tuple(row["ifmap"]),
                  row["kernel"], row["stride"], row["padding"])
            for row in doc["layers"] if row["op"] == "conv2d"]


def all_layers() -> dict[str, Layer]:
    layers = [Layer.gemm("gemm_128x512x512", m=128, k=512, n=512), *resnet18_layers()]
    return {layer.name: layer for layer in layers}


def accelsim_workload(layer: Layer) -> dict[str, object]:
    """A one-layer accelsim model file (``accelsim.workload/1``) for ``layer``."""
    if layer.op == "gemm":
        row: dict[str, object] = {"name": layer.name, "op": "gemm", "m": layer.ifmap[1],
                                  "k": layer.channels, "n": layer.filters}
    else:
        row = {"name": layer.name, "op": "conv2d", "ifmap": list(layer.ifmap),
               "channels": layer.channels, "filters": layer.filters, "kernel": layer.kernel,
               "stride": layer.stride, "padding": layer.padding}
    return {"schema": "accelsim.workload/1", "name": layer.name,
            "source": "bench/bench_zigzag.py (one layer, for the ZigZag comparison)",
            "layers": [row]}


def zigzag_layer(layer: Layer, layer_id: int = 0, ifmap_bits: int = 8, weight_bits: int = 8,
                 psum_bits: int = 32, ofmap_bits: int = 8) -> dict[str, object]:
    """``layer`` as a ZigZag workload layer (the dict its YAML parser takes), batch 1."""
    oh, ow = layer.ofmap
    h, w = layer.ifmap
    return {
        "id": layer_id, "name": layer.name, "operator_type": "Conv",
        "equation": "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
        "dimension_relations": [f"ix={layer.stride}*ox+1*fx", f"iy={layer.stride}*oy+1*fy"],
        "loop_dims": ["B", "K", "C", "OY", "OX", "FY", "FX"],
        "loop_sizes": [1, layer.filters, layer.channels, oh, ow, layer.kernel, layer.kernel],
        "operand_precision": {"W": weight_bits, "I": ifmap_bits, "O": psum_bits,
                              "O_final": ofmap_bits},
        "operand_source": {"I": layer_id, "W": layer_id},
        "pr_loop_dims": ["IX", "IY"], "pr_loop_sizes": [w, h],
        "padding": [[layer.padding, layer.padding], [layer.padding, layer.padding]],
    }


def _ports(operand: str, bits: int, *, low_to_high: bool = False,
           minimum: int | None = None) -> list[dict[str, object]]:
    """A read and a write port of ``bits`` per cycle for one operand; outputs also move
    psums up (``th``) and back down (``fl``)."""
    low = minimum if minimum is not None else bits
    reads, writes = [f"{operand}, tl"], [f"{operand}, fh"]
    if low_to_high:
        reads.append(f"{operand}, th")
        writes.append(f"{operand}, fl")
    return [{"name": "r_port_1", "type": "read", "bandwidth_min": low, "bandwidth_max": bits,
             "allocation": reads},
            {"name": "w_port_1", "type": "write", "bandwidth_min": low, "bandwidth_max": bits,
             "allocation": writes}]


def _memory(size_bits: int, operands: list[str], ports: list[dict[str, object]],
            r_cost: float, w_cost: float, served: list[str], *, latency: int = 1,
            double_buffer: bool = False) -> dict[str, object]:
    return {"size": int(size_bits), "r_cost": r_cost, "w_cost": w_cost, "area": 0.0,
            "latency": latency, "operands": operands, "ports": ports,
            "served_dimensions": served, "force_double_buffering": double_buffer}


def zigzag_accelerator(system: Any, energies_j: Mapping[str, float], *,
                       double_buffering: bool = True) -> dict[str, object]:
    """The ZigZag accelerator document for accelsim's ``system`` (a SystemSpec) priced with
    accelsim's per-action energies (J); ZigZag costs are in pJ per access of a port's width.
    ``double_buffering=False`` drops ``force_double_buffering`` (a sensitivity check: ZigZag
    may then fill a double-buffered SRAM whole)."""
    # ZigZag carries one partial-sum precision through every level (operand_precision O), so
    # its PE register holds the edge width; the bench runs accelsim at that width too
    # (SAME_HARDWARE).
    p, psum = system.array.precision, system.array.accumulation_width
    reg = energies_j["array.reg_write_bits"] * PJ
    memories: dict[str, object] = {
        "reg_W": _memory(p.weight_bits, ["I2"], _ports("I2", p.weight_bits), 0.0,
                         reg * p.weight_bits, []),
        "reg_I": _memory(p.ifmap_bits, ["I1"], _ports("I1", p.ifmap_bits), 0.0,
                         reg * p.ifmap_bits, []),
        "reg_O": _memory(psum, ["O"], _ports("O", psum, low_to_high=True), 0.0,
                         reg * psum, []),
    }
    for name, operand in (("ifmap", "I1"), ("weight", "I2"), ("ofmap", "O")):
        buf = getattr(system.sram, name)
        width = int(buf.width_bits * buf.banks)
        memories[f"sram_{name}"] = _memory(
            int(buf.capacity_bits), [operand],
            _ports(operand, width, low_to_high=operand == "O", minimum=8),
            energies_j[f"sram.{name}.read_bits"] * PJ * width,
            energies_j[f"sram.{name}.write_bits"] * PJ * width, ["D1", "D2"],
            double_buffer=buf.double_buffered and double_buffering)
    allocation = [f"{op}, {d}" for op in ("I1", "I2") for d in ("fh", "tl")] + \
                 [f"O, {d}" for d in ("fh", "tl", "fl", "th")]
    memories["dram"] = _memory(
        10 ** 12, ["I1", "I2", "O"],
        [{"name": "rw_port_1", "type": "read_write", "bandwidth_min": 8,
          "bandwidth_max": DRAM_PORT_BITS, "allocation": allocation}],
        energies_j["dram.read_bits"] * PJ * DRAM_PORT_BITS,
        energies_j["dram.write_bits"] * PJ * DRAM_PORT_BITS, ["D1", "D2"],
        latency=round(system.dram.latency_s * system.clock_hz))
    return {
        "name": system.name, "memories": memories,
        "operational_array": {
            "input_precision": [p.ifmap_bits, p.weight_bits],
            "unit_energy": energies_j["array.mac"] * PJ, "unit_area": 1.0,
            "dimensions": ["D1", "D2"], "sizes": [system.array.cols, system.array.rows],
            "systolic_dimensions": ["D1", "D2"]},
    }


def zigzag_mapping(system: Any) -> list[dict[str, object]]:
    """Weight-stationary spatial unrolling: output channels on the columns (D1), input
    channels on the rows (D2); the temporal mapping is left to ZigZag's search."""
    return [{"name": "default",
             "spatial_mapping": {"D1": [f"K, {system.array.cols}"],
                                 "D2": [f"C, {system.array.rows}"]},
             "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"}}]


def action_energies(spec: Any) -> dict[str, float]:
    """accelsim's J per counted action for the run's system: the default tables its component
    kinds need, then the tables the system lists (as the runner merges them)."""
    listed = tuple(spec.system.tables)
    defaults = tuple(resolve_table(e, ".") for e in default_tables(["array", "sram", "dram"]))
    paths = (*(p for p in defaults if p not in listed), *listed)
    return cost.action_energies(spec.system, cost.load_tables(paths))


def zigzag_python() -> Path | None:
    """$ACCELSIM_ZIGZAG_PYTHON, else the repository's .venv-zigzag interpreter."""
    override = os.environ.get("ACCELSIM_ZIGZAG_PYTHON")
    path = Path(override) if override else ROOT / ".venv-zigzag" / "bin" / "python"
    return path if path.exists() else None


def run_zigzag(python: Path, request: Mapping[str, object], workdir: Path) -> dict[str, Any]:
    """The driver's JSON answer to ``request``."""
    path = workdir / "request.json"
    path.write_text(json.dumps(request))
    done = subprocess.run([str(python), str(DRIVER), str(path)], capture_output=True, text=True,
                          check=False)
    if done.returncode:
        raise RuntimeError(f"ZigZag failed:\n{done.stderr[-3000:]}")
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


@dataclass(frozen=True)
class AccelsimRow:
    wall_s: float
    dram_bits: int
    energy_j: float
    dynamic_j: float
    cycles: int
    peak_bytes: int
    counts: Mapping[str, int]


def run_accelsim(layer: Layer, energies_j: Mapping[str, float], workdir: Path) -> AccelsimRow:
    """Best of ``REPEATS`` runs of the one-layer workload after a warm-up, and one traced run."""
    path = workdir / f"{layer.name}.yaml"
    path.write_text(yaml.safe_dump(accelsim_workload(layer), sort_keys=False))
    result = accelsim.run(CONFIG, workload=path, set=SAME_HARDWARE)
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = accelsim.run(CONFIG, workload=path, set=SAME_HARDWARE)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    accelsim.run(CONFIG, workload=path, set=SAME_HARDWARE)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    (row,) = result.to_dict()["layers"]
    counts = row["counts"]
    dynamic = sum(n * energies_j[key] for key, n in counts.items())
    return AccelsimRow(best, counts.get("dram.read_bits", 0) + counts.get("dram.write_bits", 0),
                       result.energy_j, dynamic, result.total_cycles, peak, counts)


COLUMNS = ("layer", "compulsory Mb", "ZigZag Mb", "accelsim Mb", "ZigZag uJ", "accelsim uJ",
           "accelsim uJ +leak", "ZigZag cycles", "accelsim cycles", "ZigZag s/layer",
           "ZigZag evals", "ZigZag s/eval", "accelsim s", "speed-up", "accelsim peak MiB")


def table_row(layer: Layer, theirs: Mapping[str, Any], ours: AccelsimRow) -> tuple[str, ...]:
    """One row of the comparison, formatted."""
    zz_bits = sum(d["read"] + d["write"] for d in theirs["dram_bits"].values())
    return (layer.name, f"{sum(compulsory_bits(layer).values()) / 1e6:.2f}",
            f"{zz_bits / 1e6:.2f}", f"{ours.dram_bits / 1e6:.2f}",
            f"{theirs['energy_pj'] / 1e6:.2f}", f"{ours.dynamic_j * 1e6:.2f}",
            f"{ours.energy_j * 1e6:.2f}", f"{theirs['cycles']:,.0f}", f"{ours.cycles:,}",
            f"{theirs['wall_s']:.2f}", f"{theirs['evaluations']}",
            f"{theirs['wall_s'] / max(theirs['evaluations'], 1) * 1e3:.2f}ms",
            f"{ours.wall_s * 1e3:.2f}ms", f"{theirs['wall_s'] / ours.wall_s:,.0f}x",
            f"{ours.peak_bytes / 2**20:.2f}")


SPLIT_COLUMNS = ("layer", "ZigZag MAC", "ZigZag reg", "ZigZag SRAM", "ZigZag DRAM",
                 "accelsim MAC", "accelsim reg", "accelsim SRAM", "accelsim DRAM",
                 "ZigZag DRAM I/W/O Mb")


def zigzag_split_pj(theirs: Mapping[str, Any]) -> dict[str, float]:
    """ZigZag's energy by level: MACs, the per-PE registers (each operand's innermost level),
    the SRAMs (the levels between) and DRAM (the top level)."""
    split = {"MAC": float(theirs["mac_energy_pj"]), "reg": 0.0, "SRAM": 0.0, "DRAM": 0.0}
    for levels in theirs["mem_energy_pj"].values():
        split["reg"] += levels[0]
        split["SRAM"] += sum(levels[1:-1])
        split["DRAM"] += levels[-1]
    return split


def accelsim_split_pj(counts: Mapping[str, int], energies_j: Mapping[str, float]
                      ) -> dict[str, float]:
    """accelsim's dynamic energy by the same levels, from its action counts."""
    level = {"array.mac": "MAC", "array.reg_write_bits": "reg"}
    split = {"MAC": 0.0, "reg": 0.0, "SRAM": 0.0, "DRAM": 0.0}
    for key, n in counts.items():
        name = level.get(key) or ("SRAM" if key.startswith("sram.") else
                                  "DRAM" if key.startswith("dram.") else None)
        if name is not None:
            split[name] += n * energies_j[key] * PJ
    return split


def split_row(layer: Layer, theirs: Mapping[str, Any], ours: AccelsimRow,
              energies_j: Mapping[str, float]) -> tuple[str, ...]:
    """One row of the energy split (uJ) and ZigZag's DRAM traffic per operand."""
    zz, acc = zigzag_split_pj(theirs), accelsim_split_pj(ours.counts, energies_j)
    bits = theirs["dram_bits"]
    per_op = "/".join(f"{(bits[op]['read'] + bits[op]['write']) / 1e6:.2f}"
                      for op in ("I", "W", "O"))
    return (layer.name, *(f"{zz[k] / 1e6:.2f}" for k in zz),
            *(f"{acc[k] / 1e6:.2f}" for k in acc), per_op)


def targets(pairs: Sequence[tuple[Layer, Mapping[str, Any], AccelsimRow]]) -> list[str]:
    """Issue 12's targets against this run, one line each, saying met or MISSED."""
    lines = []
    for layer, _, ours in pairs:
        if layer.op == "gemm":
            ratio = ours.dram_bits / sum(compulsory_bits(layer).values())
            lines.append(f"{layer.name}: accelsim DRAM traffic {ratio:.2f}x compulsory "
                         f"(target <= 1.25x: {'met' if ratio <= 1.25 else 'MISSED'})")
    worse = [layer.name for layer, theirs, ours in pairs
             if ours.dynamic_j * PJ > theirs["energy_pj"]]
    lines.append(f"accelsim energy <= ZigZag's on every layer: "
                 f"{'met' if not worse else 'MISSED on ' + ', '.join(worse)}")
    slow = [layer.name for layer, theirs, ours in pairs if theirs["wall_s"] < 100 * ours.wall_s]
    lines.append(f">= 100x less time per layer than ZigZag: "
                 f"{'met' if not slow else 'MISSED on ' + ', '.join(slow)}")
    return lines


def format_text(rows: Sequence[Sequence[str]], columns: Sequence[str] = COLUMNS) -> str:
    widths = [max(len(r[i]) for r in (columns, *rows)) for i in range(len(columns))]
    return "\n".join(" ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                              enumerate(zip(r, widths, strict=True)))
                     for r in (columns, *rows))


def format_markdown(rows: Sequence[Sequence[str]], columns: Sequence[str] = COLUMNS) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def write_page(rows: Sequence[Sequence[str]], split: Sequence[Sequence[str]],
               status: Sequence[str], version: str, load: str, command: str,
               path: Path = DOC) -> None:
    """Replace the generated table in the docs page (between its markers) with ``rows``."""
    start, end = "<!-- bench_zigzag:start -->", "<!-- bench_zigzag:end -->"
    text = path.read_text()
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    body = (f"Measured {dt.date.today().isoformat()} with zigzag-dse {version}, "
            f"`{command}` (opt={OPT}, lpf_limit={LPF_LIMIT}; "
            f"accelsim best of {REPEATS}); {load}.\n\n{format_markdown(rows)}\n\n"
            f"Energy by level (uJ; accelsim dynamic) and ZigZag's DRAM traffic per operand:\n\n"
            f"{format_markdown(split, SPLIT_COLUMNS)}\n\nIssue 12's targets on this run:\n\n"
            + "".join(f"- {line}\n" for line in status))
    path.write_text(f"{head}{start}\n{body}{end}{tail}")


def main(argv: list[str] | None = None) -> int:
    """Print the side-by-side table; 0 when both tools ran and every issue-12 target was met,
    1 otherwise."""
    layers = all_layers()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", nargs="+", choices=sorted(layers), default=DEFAULT_LAYERS)
    parser.add_argument("--all", action="store_true", help="the GEMM and all 20 ResNet-18 convs")
    parser.add_argument("--markdown", action="store_true",
                        help=f"also write the table into {DOC.relative_to(ROOT)}")
    parser.add_argument("--no-double-buffering", action="store_true",
                        help="let ZigZag use each SRAM whole (sensitivity check)")
    args = parser.parse_args(argv)
    chosen = [layers[n] for n in (layers if args.all else args.layers)]
    python = zigzag_python()
    if python is None:
        print("ZigZag environment missing: run `make zigzag-env` (or set "
              "ACCELSIM_ZIGZAG_PYTHON); benchmark not run")
        return 1
    spec = accelsim.load(CONFIG, set=SAME_HARDWARE)
    energies = action_energies(spec)
    accelerator = zigzag_accelerator(spec.system, energies,
                                     double_buffering=not args.no_double_buffering)
    request = {"accelerator": accelerator,
               "mapping": zigzag_mapping(spec.system), "opt": OPT, "lpf_limit": LPF_LIMIT,
               "layers": [zigzag_layer(layer) for layer in chosen]}
    with tempfile.TemporaryDirectory(prefix="bench_zigzag_") as tmp_dir:
        tmp = Path(tmp_dir)
        answer = run_zigzag(python, request, tmp)
        ours = [run_accelsim(layer, energies, tmp) for layer in chosen]
    pairs = list(zip(chosen, answer["layers"], ours, strict=True))
    rows = [table_row(layer, theirs, mine) for layer, theirs, mine in pairs]
    split = [split_row(layer, theirs, mine, energies) for layer, theirs, mine in pairs]
    load = (f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the end of the "
            "run")
    print(f"ZigZag {answer['zigzag_version']} vs accelsim on {spec.system.name} "
          f"(same per-access energies; ZigZag opt={OPT}, lpf_limit={LPF_LIMIT}; accelsim's "
          f"searched mapping (mapping.search default), best of {REPEATS}). DRAM traffic in "
          "Mbit (1e6 b); accelsim uJ is "
          "dynamic (as ZigZag), '+leak' adds its leakage"
          + ("; ZigZag NOT forced to double-buffer" if args.no_double_buffering else ""))
    print(format_text(rows))
    print("energy by level (uJ; accelsim dynamic) and ZigZag's DRAM traffic per operand:")
    print(format_text(split, SPLIT_COLUMNS))
    print(load)
    status = targets(pairs)
    print("issue 12 targets:\n  " + "\n  ".join(status))
    print(f"peak memory: ZigZag driver process {answer['peak_rss_mib']:.0f} MiB RSS (all layers); "
          f"accelsim per layer: tracemalloc peak of one run (last column)")
    if args.markdown and not args.no_double_buffering:
        command = "python bench/bench_zigzag.py " + " ".join(sys.argv[1:] if argv is None else argv)
        write_page(rows, split, status, answer["zigzag_version"], load, command)
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 1 if any("MISSED" in line for line in status) else 0


if __name__ == "__main__":
    sys.exit(main())
