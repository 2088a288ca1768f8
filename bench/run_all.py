"""`make bench`: every benchmark, side by side, in one process run."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_mapper  # noqa: E402
import bench_native  # noqa: E402
import bench_scalesim  # noqa: E402
import bench_startup  # noqa: E402
import bench_sweep  # noqa: E402
import bench_zigzag  # noqa: E402


def main() -> int:
    """Run the benchmarks in order; non-zero if any missed its target."""
    status = 0
    for module in (bench_native, bench_scalesim, bench_sweep, bench_mapper, bench_zigzag,
                   bench_startup):
        print(f"\n=== {module.__name__} ===", flush=True)
        status |= module.main()
    return status


if __name__ == "__main__":
    sys.exit(main())
