"""Sweep throughput: a 1,000-point ResNet-18 sweep on the local process pool (all cores).

Grid: array rows x cols (10 x 10 sizes, 4..256) x ifmap SRAM capacity (10 sizes, 8 KiB..4 MiB),
per-point totals. Prints wall time, points/s, and the peak resident memory of the driver and of
its worker processes (ru_maxrss). Target (issue 12, mapping search on): <= 30 s on the 2-core
reference machine, measured with nothing else running on it.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import accelsim

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "int8_sa.yaml"
SIZES = [4, 8, 16, 24, 32, 48, 64, 96, 128, 256]
CAPACITIES = ["8KiB", "16KiB", "32KiB", "64KiB", "128KiB", "256KiB", "512KiB", "1MiB", "2MiB",
              "4MiB"]
GRID = {"system.array.rows": SIZES, "system.array.cols": SIZES,
        "system.sram.ifmap.capacity": CAPACITIES}
TARGET_S = 30.0


def _max_rss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def main() -> int:
    """Run the measurement in a fresh process; 0 if it met the target, 1 if not."""
    return subprocess.run([sys.executable, __file__, "--measure"], check=False).returncode


def measure() -> int:
    """Run the sweep once; 0 if it met the target, 1 if not."""
    points = len(SIZES) * len(SIZES) * len(CAPACITIES)
    workers = len(os.sched_getaffinity(0))
    print(f"sweep of {points} points: ResNet-18, {CONFIG.relative_to(ROOT)}, rows x cols x "
          f"ifmap capacity, local pool of {workers} workers, per-point rows")
    start = time.perf_counter()
    frame = accelsim.sweep(CONFIG, GRID, per_layer=False)
    wall = time.perf_counter() - start
    assert len(frame) == points and frame["point"].tolist() == list(range(points))
    best = frame.loc[frame["cycles"].idxmin()]
    print(f"fastest point: {best['system.array.rows']}x{best['system.array.cols']}, "
          f"{best['system.sram.ifmap.capacity']} ifmap: {best['cycles']:,} cycles")
    print(f"wall {wall:.1f} s, {points / wall:.1f} points/s, "
          f"{wall / points * workers * 1e3:.0f} ms per point per core")
    print(f"peak RSS: driver {_max_rss_mib(resource.RUSAGE_SELF):.0f} MiB, largest worker "
          f"{_max_rss_mib(resource.RUSAGE_CHILDREN):.0f} MiB")
    ok = wall <= TARGET_S
    print(f"1,000-point sweep: {wall:.1f} s (target <= {TARGET_S:.0f} s: "
          f"{'met' if ok else 'MISSED'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(measure() if sys.argv[1:] == ["--measure"] else main())
