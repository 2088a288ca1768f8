"""The mapping search (issue 12): fixed vs searched mapping side by side.

For issue 12's 128x512x512 GEMM, ResNet-18 and BERT-base (seq 128) on configs/int8_sa.yaml
(int8_32x32, ws): DRAM traffic against the compulsory minimum (each operand read once, each
output written once), energy, cycles, wall time of the whole run (best of N, after a warm-up)
and the peak Python memory of one searched run (tracemalloc).

Targets: the GEMM's DRAM traffic within 1.25x of compulsory; ResNet-18 with search <= 0.2 s.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import accelsim

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_native import best_run, peak_bytes  # noqa: E402  (timing, one run's peak memory)

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "int8_sa.yaml"
REPEATS = 3
GEMM_YAML = ("schema: accelsim.workload/1\nname: gemm_128x512x512\nsource: 'synthetic: the "
             "GEMM of issue 12'\nlayers:\n  - {name: gemm, op: gemm, m: 128, n: 512, k: 512}\n")


def _dram_bits(result: accelsim.api.Result) -> int:
    return sum(value for row in result.layers for key, value in row.stats.counts.items()
               if key.startswith("dram."))


def _compulsory_bits(result: accelsim.api.Result) -> int:
    total = 0
    for row in result.layers:
        mapping = row.stats.mapping
        assert mapping is not None, "a searched run reports every layer's mapping"
        total += sum(mapping["compulsory_dram_bits"].values())  # type: ignore[attr-defined]
    return total


def main() -> int:
    """Print the table; 0, or 1 if a target is missed."""
    with tempfile.TemporaryDirectory() as tmp:
        gemm = Path(tmp) / "gemm.yaml"
        gemm.write_text(GEMM_YAML)
        workloads = {"gemm 128x512x512": gemm,
                     "resnet18": ROOT / "workloads" / "resnet18.yaml",
                     "bert_base_seq128": ROOT / "workloads" / "bert_base_seq128.yaml"}
        accelsim.run(CONFIG)  # warm-up
        print(f"mapping search, {CONFIG.relative_to(ROOT)} (32x32 ws), best of {REPEATS}")
        print(f"{'workload':18} {'mapping':>8} {'DRAM Mbit':>10} {'x compuls.':>10} "
              f"{'energy':>10} {'cycles':>12} {'wall s':>8}")
        ratios: dict[str, float] = {}
        walls: dict[str, float] = {}
        for name, path in workloads.items():
            wall_on, on = best_run(CONFIG, path, {"mapping.search": "on"}, REPEATS)
            wall_off, off = best_run(CONFIG, path, {"mapping.search": "off"}, REPEATS)
            least = _compulsory_bits(on)
            for label, wall, result in (("fixed", wall_off, off), ("searched", wall_on, on)):
                ratio = _dram_bits(result) / least
                print(f"{name:18} {label:>8} {_dram_bits(result) / 1e6:>10.3f} {ratio:>10.2f} "
                      f"{result.energy_j * 1e3:>8.4f}mJ {result.total_cycles:>12,} {wall:>8.4f}")
            ratios[name], walls[name] = _dram_bits(on) / least, wall_on
        peak = peak_bytes(workloads["resnet18"])
    print(f"peak Python memory of one searched ResNet-18 run: {peak / 2**20:.2f} MiB")
    gemm_ok = ratios["gemm 128x512x512"] <= 1.25
    speed_ok = walls["resnet18"] <= 0.2
    print(f"GEMM DRAM traffic {ratios['gemm 128x512x512']:.3f}x compulsory (target <= 1.25x: "
          f"{'met' if gemm_ok else 'MISSED'})")
    print(f"ResNet-18 with search {walls['resnet18']:.4f} s (target <= 0.2 s: "
          f"{'met' if speed_ok else 'MISSED'})")
    return 0 if gemm_ok and speed_ok else 1


if __name__ == "__main__":
    sys.exit(main())
