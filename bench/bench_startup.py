"""Whole-process start-up: ``accelsim run configs/int8_sa.yaml`` and ``accelsim --help``.

Each command runs as a fresh ``python -m accelsim`` process, ``RUNS`` times after one warm-up
run (not counted; it also writes the ``__pycache__`` bytecode an installed package has, so the
children run without ``PYTHONDONTWRITEBYTECODE``). Prints the minimum wall time, the minimum CPU
time (user + system of the process and anything it waited for, from ``wait4``) and the peak
resident memory (largest ``ru_maxrss``). Targets (issue 15) are on CPU time, since the shared
2-core machine's wall time mostly measures the other processes on it: run <= 0.3 s, --help
<= 0.15 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 10
COMMANDS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("accelsim run configs/int8_sa.yaml", ("run", "configs/int8_sa.yaml"), 0.3),
    ("accelsim --help", ("--help",), 0.15))
EXPORTS = ("--json", "r.json", "--csv", "r.csv")  # written into a temporary directory


@dataclass(frozen=True)
class Timing:
    """One process: wall and CPU seconds, peak resident MiB."""

    wall_s: float
    cpu_s: float
    rss_mib: float


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def time_once(args: tuple[str, ...], cwd: Path = ROOT) -> Timing:
    """Run ``python -m accelsim ARGS`` once (from the repository root unless ``cwd``)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "accelsim", *args], cwd=cwd, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"accelsim {' '.join(args)} exited {proc.returncode}: {stderr}")
    return Timing(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)  # KiB


def measure(args: tuple[str, ...], runs: int, cwd: Path = ROOT) -> Timing:
    """Minimum wall and CPU over ``runs`` runs (after a warm-up), largest peak memory."""
    time_once(args, cwd)
    timings = [time_once(args, cwd) for _ in range(runs)]
    return Timing(min(t.wall_s for t in timings), min(t.cpu_s for t in timings),
                  max(t.rss_mib for t in timings))


# Where a run's CPU time goes: each step is a fresh process doing the steps before it plus its
# own, so a step's share is its minimum CPU time less the previous step's.
_STEPS: tuple[tuple[str, str], ...] = (
    ("interpreter and site", "pass"),
    ("pydantic, PyYAML, SimPy", "import pydantic, pydantic.types, yaml, simpy"),
    ("accelsim's modules", "import accelsim.cli, accelsim.api, accelsim.report"),
    ("config load and validation", "from accelsim.config import load_run_and_inputs; "
     "s, _ = load_run_and_inputs('configs/int8_sa.yaml')"),
    ("the run (search, simulation, pricing)", "from accelsim import runner; runner.run(s)"),
)


def _cpu_of(code: str, runs: int) -> float:
    """Minimum CPU seconds of ``python -c code`` from the repository root (after a warm-up)."""
    def once() -> float:
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"python -c {code!r} failed")
        return usage.ru_utime + usage.ru_stime
    once()
    return min(once() for _ in range(runs))


def breakdown(runs: int) -> list[tuple[str, float]]:
    """The CPU seconds each step of ``accelsim run configs/int8_sa.yaml`` adds."""
    shares: list[tuple[str, float]] = []
    code, before = "", 0.0
    for label, step in _STEPS:
        code = f"{code}; {step}" if code else step
        total = _cpu_of(code, runs)
        shares.append((label, total - before))
        before = total
    return shares


def main(runs: int = RUNS) -> int:
    """Time both commands (and the run with exports, untargeted); 0 if both met their CPU-time
    target, 1 if not."""
    print(f"whole-process start-up, minimum of {runs} runs after one warm-up "
          f"({len(os.sched_getaffinity(0))} cores, load average "
          f"{os.getloadavg()[0]:.1f}); targets on CPU time")
    status = 0
    for label, args, target in COMMANDS:
        t = measure(args, runs)
        ok = t.cpu_s <= target
        status |= 0 if ok else 1
        print(f"{label:34s} wall {t.wall_s:.3f} s  CPU {t.cpu_s:.3f} s  peak RSS "
              f"{t.rss_mib:.0f} MiB  (target CPU <= {target:.2f} s: "
              f"{'met' if ok else 'MISSED'})")
    with tempfile.TemporaryDirectory(prefix="accelsim-bench-") as tmp:
        t = measure(("run", str(ROOT / "configs" / "int8_sa.yaml"), *EXPORTS), runs, Path(tmp))
    print(f"{'  the same with --json and --csv':34s} wall {t.wall_s:.3f} s  CPU {t.cpu_s:.3f} s"
          f"  peak RSS {t.rss_mib:.0f} MiB  (no target)")
    print("where the run's CPU time goes (each step: a fresh process, minimum of "
          f"{runs}, less the step before):")
    for label, seconds in breakdown(runs):
        print(f"  {label:40s} {seconds:6.3f} s")
    return status


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else RUNS))
