"""The sweep progress bar: points done, rate, ETA; redrawn on a terminal, a line per tenth in a
log."""

from __future__ import annotations

from accelsim.sweep.progress import ProgressBar, format_duration, format_progress


def test_format_progress_shows_done_rate_and_eta() -> None:
    assert format_progress(412, 1000, 23.1) == (
        "[#########...............]  412/1000 points  23.1 points/s  ETA 25s")
    assert format_progress(0, 10, None) == "[........................]  0/10 points"
    assert format_progress(10, 10, 5.0, elapsed_s=2.0) == (
        "[########################] 10/10 points  5.0 points/s  took 2s")


def test_format_duration() -> None:
    assert [format_duration(s) for s in (4.4, 75, 4000)] == ["4s", "1m15s", "1h06m"]


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_terminal_bar_is_throttled_but_always_shows_the_end() -> None:
    clock = _Clock()
    bar = ProgressBar(interactive=True, min_interval_s=0.1, clock=clock)
    assert bar.update(0, 4) == "\r[........................] 0/4 points"
    clock.now += 0.05
    assert bar.update(1, 4) is None
    clock.now += 0.5
    assert bar.update(2, 4) == "\r[############............] 2/4 points  3.6 points/s  ETA 1s"
    clock.now += 0.01
    assert bar.update(4, 4) == ("\r[########################] 4/4 points  7.1 points/s  "
                                "took 1s\n")


def test_rate_counts_only_points_run_in_this_session() -> None:
    clock = _Clock()
    bar = ProgressBar(interactive=False, clock=clock)
    assert bar.update(50, 100) is not None  # resumed: 50 already stored
    clock.now += 10
    line = bar.update(60, 100)
    assert line is not None and "1.0 points/s  ETA 40s" in line


def test_log_bar_prints_one_line_per_tenth() -> None:
    bar = ProgressBar(interactive=False, clock=_Clock())
    lines = [bar.update(done, 100) for done in range(101)]
    shown = [line for line in lines if line]
    assert len(shown) == 11 and all(line.endswith("\n") for line in shown)
