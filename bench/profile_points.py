"""Where a sweep point's CPU time goes: 12 points of bench_sweep.py's grid (rows 8/32/128 x
cols 16/64 x ifmap 16/256 KiB, ResNet-18 on configs/int8_sa.yaml, mapping search on) run in one
process with one shared ``InputCache``, as a sweep chunk runs them, under cProfile; prints the
wall time per point and the functions sorted by ``--sort`` (default tottime).

    PYTHONPATH=$PWD .venv/bin/python bench/profile_points.py [--sort cumulative] [--top 40]

Not part of ``make bench`` (it measures nothing against a target).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

import accelsim
from accelsim.runner import InputCache, run

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "int8_sa.yaml"


def points() -> list[dict[str, object]]:
    """The 12 overrides profiled."""
    return [{"system.array.rows": rows, "system.array.cols": cols,
             "system.sram.ifmap.capacity": ifmap}
            for rows in (8, 32, 128) for cols in (16, 64) for ifmap in ("16KiB", "256KiB")]


def main(argv: list[str] | None = None) -> int:
    """Profile the points once (after one warm-up run) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sort", default="tottime", help="a pstats sort key")
    parser.add_argument("--top", type=int, default=40, help="rows of the table")
    args = parser.parse_args(argv)
    specs = [accelsim.load(CONFIG, set=point) for point in points()]
    cache = InputCache()
    run(specs[0], cache, provenance=False)  # warm-up: tables, workload, imports
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    for spec in specs:
        run(spec, cache, provenance=False)
    profile.disable()
    wall = time.perf_counter() - start
    print(f"{len(specs)} points, {wall / len(specs) * 1e3:.1f} ms per point under cProfile")
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
