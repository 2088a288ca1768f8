"""A text progress bar for sweeps: points done, rate, ETA. Formats only; the CLI writes it.

The rate counts only points run in this session (points already in a resumed store are done
but cost nothing), so the ETA stays honest after a resume.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

WIDTH = 24


def format_duration(seconds: float) -> str:
    """``75`` -> ``1m15s``; ``4000`` -> ``1h06m``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def format_progress(done: int, total: int, rate_per_s: float | None,
                    elapsed_s: float | None = None) -> str:
    """``[#########...............]  412/1000 points  23.1 points/s  ETA 25s``; once done,
    the time taken instead of the ETA."""
    filled = WIDTH if total == 0 else WIDTH * done // total
    bar = "#" * filled + "." * (WIDTH - filled)
    text = f"[{bar}] {done:>{len(str(total))}}/{total} points"
    if rate_per_s:
        text += f"  {rate_per_s:.1f} points/s"
        if done < total:
            text += f"  ETA {format_duration((total - done) / rate_per_s)}"
    if done >= total and elapsed_s is not None:
        text += f"  took {format_duration(elapsed_s)}"
    return text


@dataclass
class ProgressBar:
    """Turns ``(done, total)`` updates into lines, at most ``min_interval_s`` apart (the last
    update always gets one). ``interactive``: lines redraw in place (a terminal)."""

    interactive: bool
    min_interval_s: float = 0.1
    clock: Callable[[], float] = time.monotonic
    _start: tuple[float, int] | None = None
    _last_s: float = field(default=-1e9)
    _last_decile: int = -1

    def update(self, done: int, total: int) -> str | None:
        """The text to show now, or None (throttled)."""
        now = self.clock()
        if self._start is None:
            self._start = (now, done)
        start_s, start_done = self._start
        rate = (done - start_done) / (now - start_s) if now > start_s and done > start_done \
            else None
        final = done >= total
        if self.interactive:
            if not final and now - self._last_s < self.min_interval_s:
                return None
            self._last_s = now
            return "\r" + format_progress(done, total, rate, now - start_s) + \
                ("\n" if final else "")
        decile = 10 if final else (10 * done // total if total else 10)
        if decile == self._last_decile:  # a log: one line per tenth of the sweep
            return None
        self._last_decile = decile
        return format_progress(done, total, rate, now - start_s) + "\n"
