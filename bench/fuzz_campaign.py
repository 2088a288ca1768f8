"""Fuzzing campaign: run the CLI on hostile inputs and signals (bench/fuzz_cases.py) as a user
would, each in its own process under a 4 GB address-space cap, and check what must hold:
the expected exit code, no traceback, one error line, within the time limit, no worker left
alive, no input or previous output lost or clobbered, no temporary file left behind.

    .venv/bin/python bench/fuzz_campaign.py [--group aliases|huge|signals] [--markdown]

Prints one row per case (exit code, seconds, peak RSS, the first stderr line) and exits 1
if any case fails. tests/bench/test_fuzz_campaign.py runs every case.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzz_cases import ROOT, Case, all_cases  # noqa: E402

MEMORY_CAP_BYTES = 4 << 30
REAP_GRACE_S = 5.0


@dataclass
class Outcome:
    """What one case did."""

    case: Case
    code: int | None = None
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    stderr: str = ""
    signalled: bool = False
    folder: Path | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every check held."""
        return not self.problems


def _limits() -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP_BYTES, MEMORY_CAP_BYTES))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1"})
    return env


def descendants(pid: int) -> set[int]:
    """Live descendants of ``pid`` (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _spawn(argv: list[str], folder: Path) -> tuple[int, Path, Path]:
    out, err = folder / "stdout.txt", folder / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        pid = os.fork()
        if pid == 0:  # child: own process group (so Ctrl-C can be sent to it), capped memory
            try:
                os.setpgid(0, 0)
                _limits()
                os.chdir(folder)
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
                os.dup2(stdout.fileno(), 1)
                os.dup2(stderr.fileno(), 2)
                os.execve(sys.executable, [sys.executable, "-m", "accelsim", *argv], _env())
            finally:
                os._exit(127)
    return pid, out, err


def _wait(pid: int, timeout_s: float) -> tuple[int | None, float]:
    """(exit code, negative for a signal; None when it hung and was killed), peak RSS MB."""
    deadline = time.monotonic() + timeout_s
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return code, usage.ru_maxrss / 1024
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return None, usage.ru_maxrss / 1024
        time.sleep(0.02)


def _deliver(pid: int, sig: int, at_s: float, started: float) -> tuple[set[int], bool]:
    """Wait until ``at_s``, note the process tree, send ``sig``: SIGINT to the whole group
    (as Ctrl-C in a terminal does), SIGTERM and SIGKILL to the driver only (as ``kill``)."""
    while time.monotonic() - started < at_s:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return set(), False  # finished before the signal
        time.sleep(0.02)
    tree = descendants(pid)
    try:
        if sig == signal.SIGINT:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        return tree, False
    return tree, True


def _check_output(outcome: Outcome, folder: Path, before: dict[str, str | None]) -> None:
    for name, digest in before.items():
        path = folder / name
        now = _digest(path)
        if now == digest:
            continue
        if outcome.code != 0 or now is None:
            outcome.problems.append(f"{name} lost or changed by a failed run")
        elif not _complete(path):
            outcome.problems.append(f"{name} rewritten but incomplete")
    leftovers = [p.name for p in folder.iterdir() if re.fullmatch(r"\..*\.tmp", p.name)]
    if leftovers:
        outcome.problems.append(f"temporary files left: {leftovers}")


def _complete(path: Path) -> bool:
    """Whether a rewritten output is whole (parses as what it claims to be)."""
    try:
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".npz":
            import numpy as np

            with np.load(path, allow_pickle=False) as data:
                _ = [data[k] for k in data.files]
        elif path.suffix == ".csv":
            return path.read_text().startswith("point,")
    except (OSError, ValueError):
        return False
    return True


def _check_stderr(outcome: Outcome) -> None:
    err = outcome.stderr
    if "Traceback" in err and not _startup_only(outcome):
        outcome.problems.append("traceback on stderr")
    lines = err.splitlines()
    if outcome.code == 2 and (len(lines) != 1 or not lines[0].startswith("accelsim: error: ")):
        outcome.problems.append(f"exit 2 without exactly one error line ({len(lines)} lines)")
    if outcome.code in (130, 143, -signal.SIGINT) and not _startup_only(outcome) and not any(
            line.startswith(("accelsim: interrupted", "accelsim: terminated")) for line in lines):
        outcome.problems.append("interrupted without saying so")


def _startup_only(outcome: Outcome) -> bool:
    """A start-up-window case whose traceback has no frame of accelsim's own code."""
    frames = [line for line in outcome.stderr.splitlines() if line.lstrip().startswith("File ")]
    return outcome.case.startup_window and not any(
        "/accelsim/" in line and "site-packages" not in line for line in frames)


def run_case(case: Case, scratch: Path) -> Outcome:
    """Run one case in ``scratch/<slug>`` and check it."""
    folder = scratch / re.sub(r"[^A-Za-z0-9]+", "_", case.name).strip("_")[:60]
    folder.mkdir(parents=True, exist_ok=True)
    argv = case.setup(folder)
    before = {name: _digest(folder / name) for name in case.protect}
    outcome = Outcome(case, folder=folder)
    started = time.monotonic()
    pid, _, err_path = _spawn(argv, folder)
    tree: set[int] = set()
    if case.signal_at is not None:
        tree, outcome.signalled = _deliver(pid, *case.signal_at, started)
    outcome.code, outcome.peak_rss_mb = _wait(pid, case.max_seconds)
    outcome.seconds = time.monotonic() - started
    outcome.stderr = err_path.read_text(errors="replace")
    if outcome.code is None:
        outcome.problems.append(f"hung: killed after {case.max_seconds} s")
    elif outcome.code not in case.expect:
        outcome.problems.append(f"exit {outcome.code}, expected {sorted(case.expect)}")
    _check_stderr(outcome)
    _reap(tree, outcome)
    _check_output(outcome, folder, before)
    if case.then and outcome.code not in (0, None):
        _resume(case, argv, folder, outcome)
    return outcome


def _reap(tree: set[int], outcome: Outcome) -> None:
    """Workers must end with their driver; any still alive after a grace period is a failure
    (and is killed here: they are this campaign's own processes)."""
    deadline = time.monotonic() + REAP_GRACE_S
    while time.monotonic() < deadline and any(_alive(p) for p in tree):
        time.sleep(0.05)
    alive = sorted(p for p in tree if _alive(p))
    if alive:
        outcome.problems.append(f"{len(alive)} worker(s) outlived the driver")
        for pid in alive:
            os.kill(pid, signal.SIGKILL)


def _resume(case: Case, argv: list[str], folder: Path, outcome: Outcome) -> None:
    pid, _, err_path = _spawn([*argv, *case.then], folder)
    code, _ = _wait(pid, case.max_seconds * 2)
    if code != 0:
        outcome.problems.append(f"{' '.join(case.then)} exited {code}: "
                                f"{err_path.read_text()[-200:]}")
    elif not all(_complete(folder / name) for name in case.protect):
        outcome.problems.append(f"{' '.join(case.then)} left an incomplete result")


def _row(outcome: Outcome) -> str:
    first = outcome.stderr.strip().splitlines()[0] if outcome.stderr.strip() else ""
    if outcome.folder is not None:
        first = first.replace(str(outcome.folder), "DIR")
    first = first.replace("|", "\\|")
    if len(first) > 150:
        first = first[:147] + "..."
    verdict = "ok" if outcome.ok else "FAIL: " + "; ".join(outcome.problems)
    sent = "" if outcome.case.signal_at is None or outcome.signalled else " (done first)"
    return (f"| {outcome.case.name}{sent} | {outcome.code} | {outcome.seconds:.2f} | "
            f"{outcome.peak_rss_mb:.0f} | `{first}` | {verdict} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--group", choices=("aliases", "huge", "signals"))
    args = parser.parse_args(argv)
    cases = [c for c in all_cases() if args.group in (None, c.group)]
    print("| case | exit | s | peak RSS MB | stderr (first line) | result |")
    print("|---|---|---|---|---|---|")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="accelsim-fuzz-") as scratch:
        for case in cases:
            outcome = run_case(case, Path(scratch))
            failed += not outcome.ok
            print(_row(outcome), flush=True)
    print(f"\n{len(cases) - failed} of {len(cases)} cases ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
