"""`accelsim sweep` and `accelsim plot`: their arguments and what they print and write."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from accelsim.cli.common import (
    EXIT_OK,
    _overrides,
    add_scalesim_arguments,
    check_output_path,
    run_inputs,
    sigterm_as_interrupt,
    write_atomic,
)
from accelsim.errors import InputError
from accelsim.files import staged_outputs


def _add_sweep(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="run a config over a grid of overrides (resumable)")
    p.add_argument("config", help="run config (.yaml) or SCALE-Sim config (.cfg; grid keys "
                   "section.Key, topology, gemm)")
    add_scalesim_arguments(p)
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="sweep a key over these values; several --grid are crossed")
    p.add_argument("--zip", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="keys whose values advance together (same count), crossed with --grid")
    p.add_argument("--derive", action="append", default=[], metavar="KEY=OTHER_KEY",
                   help="set KEY to OTHER_KEY's value at every point, e.g. "
                   "system.array.cols=system.array.rows")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="fixed override for every point (repeatable)")
    p.add_argument("--out", required=True, metavar="RESULTS",
                   help="results file: .csv, .parquet or .sqlite (the store itself)")
    p.add_argument("--backend", default="local",
                   help="local (process pool, default), inprocess, or dask")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster)")
    p.add_argument("--workers", type=int, help="processes (default: all CPUs)")
    p.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="give up reaching the Dask scheduler after this long (default 10)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted sweep: run only the points not yet stored")
    p.add_argument("--per-point", action="store_true",
                   help="one row per point (totals) instead of one per point and layer")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def _add_plot(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot", help="plot sweep results (PNG, SVG or PDF)")
    p.add_argument("results", help=".csv, .parquet or .sqlite written by 'accelsim sweep'")
    p.add_argument("--kind", choices=("metric", "energy", "utilization", "pareto"),
                   default="metric", help="metric vs --x (default), energy breakdown per "
                   "point, utilization per layer, or Pareto energy vs latency coloured by area")
    p.add_argument("--x", help="swept key on the x axis (metric; labels the energy bars)")
    p.add_argument("--y", default="cycles",
                   help="metric: cycles, seconds, energy_j, area_m2, utilization, ...")
    p.add_argument("--hue", help="one line per value of this key (metric)")
    p.add_argument("--point", type=int, help="the point whose layers to show (utilization)")
    p.add_argument("--where", action="append", default=[], metavar="KEY=VALUE",
                   help="keep only the rows where KEY equals VALUE (repeatable)")
    p.add_argument("--out", metavar="FILE", help="figure file (default: next to RESULTS, .png)")


def _unique_options(items: Sequence[tuple[str, object]], option: str) -> dict[str, object]:
    found: dict[str, object] = {}
    for key, value in items:
        if key in found:
            raise InputError(f"{key} is given twice", file=option)
        found[key] = value
    return found


def _write_results(frame: object, path: str) -> None:
    """CSV or Parquet, through a temporary file and a rename (never a half-written file)."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    if path.lower().endswith(".csv"):
        write_atomic(path, frame.to_csv(index=False))
        return
    with staged_outputs([path]) as (tmp,):
        frame.to_parquet(tmp, index=False)


def _progress_writer(enabled: bool) -> Callable[[int, int], None] | None:
    from accelsim.sweep import ProgressBar

    if not enabled:
        return None
    bar = ProgressBar(interactive=sys.stderr.isatty())

    def show(done: int, total: int) -> None:
        line = bar.update(done, total)
        if line:
            sys.stderr.write(line)
            sys.stderr.flush()

    return show


def _cmd_sweep(args: argparse.Namespace) -> int:
    from accelsim.sweep import parse_derive_option, parse_grid_option, remove_store
    from accelsim.sweep.results import results_format

    sweep_set = _overrides(args.overrides)
    inputs = run_inputs(args.config, sweep_set) if Path(args.config).is_file() else []
    check_output_path(args.out, inputs)
    suffix = results_format(args.out)
    grid = _unique_options([parse_grid_option(g) for g in args.grid], "--grid")
    zipped = _unique_options([parse_grid_option(z, "--zip") for z in args.zip], "--zip")
    derived = _unique_options([parse_derive_option(d) for d in args.derive], "--derive")
    store = args.out if suffix == ".sqlite" else f"{args.out}.sweep.sqlite"
    from accelsim import api

    fixed = dict(sweep_set)
    if args.topology is not None or args.gemm:
        if not api.is_cfg(args.config):
            raise InputError("--topology and --gemm go with a SCALE-Sim .cfg config",
                             file=args.config)
        fixed = {**({"topology": args.topology} if args.topology else {}),
                 **({"gemm": True} if args.gemm else {}), **fixed}
    try:
        with sigterm_as_interrupt():
            frame = api.sweep(args.config, grid, zip=zipped or None, derived=derived,
                              set=fixed, backend=args.backend,
                              scheduler=args.scheduler, workers=args.workers,
                              per_layer=not args.per_point, store=store, resume=args.resume,
                              progress=_progress_writer(not args.no_progress),
                              connect_timeout_s=args.connect_timeout)
    except KeyboardInterrupt:
        if Path(store).exists():
            sys.stderr.write(f"accelsim: finished points are kept in {store}; run the same "
                             f"command with --resume to continue\n")
        raise
    if suffix != ".sqlite":
        _write_results(frame, args.out)
        remove_store(store)  # everything it held is in the results file now
    points = frame["point"].nunique() if len(frame) else 0
    sys.stdout.write(f"wrote {args.out} ({points} points, {len(frame)} rows)\n")
    return EXIT_OK


def _filtered(frame: object, conditions: Sequence[str]) -> object:
    import pandas as pd

    from accelsim import config

    assert isinstance(frame, pd.DataFrame)
    for text in conditions:
        key, value = config.parse_override(text)
        if key not in frame.columns:
            raise InputError(f"no column {key!r} in the results", file="--where")
        frame = frame[frame[key].astype(str) == str(value)]
        if frame.empty:
            raise InputError(f"no rows where {key} = {value!r}", file="--where")
    return frame


def _cmd_plot(args: argparse.Namespace) -> int:
    from accelsim.report import plots
    from accelsim.sweep import load_results

    frame = _filtered(load_results(args.results), args.where)
    if args.kind == "metric" and not args.x:
        raise InputError("a metric plot needs --x KEY (a swept key)", file="command line")
    name = {"metric": f"{args.y}_vs_{args.x}", "energy": "energy", "pareto": "pareto",
            "utilization": "utilization"}[args.kind]
    out = args.out or str(Path(args.results).with_suffix(f".{name}.png"))
    # The title names the sweep's config (its config_name column); a results file from
    # before that column is named by its file.
    named = "config_name" in getattr(frame, "columns", ())
    label = None if named else f"sweep {Path(args.results).name}"
    if args.kind == "metric":
        plots.plot_metric(frame, args.x, args.y, hue=args.hue, config=label, path=out)
    elif args.kind == "energy":  # a two-key sweep: the first value of the other key, titled
        plots.plot_energy_breakdown(frame, x=args.x, config=label, path=out)
    elif args.kind == "utilization":
        plots.plot_layer_utilization(frame, point=args.point, config=label, path=out)
    else:
        plots.plot_pareto(frame, config=label, path=out)
    sys.stdout.write(f"wrote {out}\n")
    return EXIT_OK
