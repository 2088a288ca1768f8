"""`accelsim` command line: run, validate, quantize, sweep, plot. The only place that prints
and exits.

Exit codes: 0 success, 2 bad input (one line on stderr naming file:line and key), 1 internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from accelsim import api, config
from accelsim.errors import AccelsimError, InputError

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{message} (see '{self.prog} --help')", file="command line")


def _add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="simulate a config and print a summary")
    p.add_argument("config", help="run config (.yaml) or SCALE-Sim config (.cfg)")
    p.add_argument("--workload", help="use this workload file instead of the config's")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. --set system.array.rows=64 (repeatable)")
    p.add_argument("--topology", help="SCALE-Sim topology CSV (with a .cfg config)")
    p.add_argument("--gemm", action="store_true", help="the topology is in GEMM (M,N,K) form")
    p.add_argument("--json", dest="json_path", metavar="FILE", help="write the JSON report")
    p.add_argument("--csv", dest="csv_path", metavar="FILE", help="write per-layer CSV")
    p.add_argument("--timeline", metavar="FILE", help="write a Chrome/Perfetto trace (JSON)")
    p.add_argument("--all-layers", action="store_true", help="print every layer in the summary")


def _add_validate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a config and its workload without running")
    p.add_argument("config")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")


def _add_quantize(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("quantize", help="quantize real weights into a trace (.npz)")
    p.add_argument("weights", help=".npz, .safetensors or .onnx weights, or 'minilm' (the "
                   "packaged all-MiniLM-L6-v2)")
    p.add_argument("--scheme", required=True, help="int2..int8 or fineq")
    p.add_argument("--out", required=True, metavar="TRACE.npz", help="where to write the trace")
    p.add_argument("--granularity", help="tensor, channel or group (default per scheme)")
    p.add_argument("--weight-group-size", type=int, default=64,
                   help="group size along the input dimension for per-group schemes")
    p.add_argument("--calibration", default="minmax", help="minmax, percentile or mse")
    p.add_argument("--activation-bits", type=int, default=8, help="activation bits")
    p.add_argument("--psum", help="partial-sum scheme: apsq")
    p.add_argument("--psum-bits", type=int, default=8, help="APSQ partial-sum bits")
    p.add_argument("--group-size", type=int, default=2, dest="psum_group_size",
                   help="APSQ group size (K tiles accumulated before one requantization)")
    p.add_argument("--pwl", action="append", default=[], metavar="FN=N",
                   help="fit an N-segment GQA-LUT table for FN (gelu, exp, ...); repeatable")
    p.add_argument("--tokens", type=int, default=1, help="rows (M) of each GEMM in the trace")
    p.add_argument("--ifmap", metavar="HxW", help="ifmap size for conv layers")
    p.add_argument("--stat-tile", default="8x8", metavar="KxN",
                   help="block of the per-tile weight statistics")
    p.add_argument("--weights-for", default=".*", metavar="REGEX",
                   help="layers whose integer weights are stored (others keep statistics)")
    p.add_argument("--include", metavar="REGEX", help="only tensors matching this")
    p.add_argument("--exclude", metavar="REGEX", help="skip tensors matching this")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for docs and tests)."""
    parser = _Parser(prog="accelsim", description="Cycle-accurate simulator for quantized "
                     "DNN/LLM accelerators.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    _add_run(sub)
    _add_validate(sub)
    _add_quantize(sub)
    _add_sweep(sub)
    _add_plot(sub)
    return parser


def _overrides(items: Sequence[str]) -> dict[str, object]:
    return dict(config.parse_override(item) for item in items)


def check_output_path(path: str) -> None:
    """Refuse an output path that cannot be written, before spending time on a run."""
    target = Path(path)
    try:
        parent_ok, is_dir = target.parent.is_dir(), target.is_dir()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte
        raise InputError(f"cannot write output file: {_reason(exc)}", file=path) from None
    if not parent_ok:
        raise InputError("output directory does not exist", file=str(target.parent))
    if is_dir:
        raise InputError("output path is a directory", file=path)


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename, so a failure never leaves
    a half-written file or destroys the previous one."""
    check_output_path(path)
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", text=True)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise InputError(f"cannot write output file: {_reason(exc)}", file=path) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write output file: {_reason(exc)}", file=path) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc)


def _cmd_run(args: argparse.Namespace) -> int:
    from accelsim.report import result_to_csv, result_to_json, result_to_timeline, summary_text

    for path in (args.json_path, args.csv_path, args.timeline):
        if path:
            check_output_path(path)
    result = api.run(args.config, set=_overrides(args.overrides), workload=args.workload,
                     topology=args.topology, gemm=args.gemm)
    outputs: list[tuple[str, Callable[[], str]]] = []
    if args.json_path:
        outputs.append((args.json_path, lambda: result_to_json(result)))
    if args.csv_path:
        outputs.append((args.csv_path, lambda: result_to_csv(result)))
    if args.timeline:
        outputs.append((args.timeline, lambda: result_to_timeline(result)))
    rendered = [(path, render()) for path, render in outputs]
    sys.stdout.write(summary_text(result, max_layers=None if args.all_layers else 40))
    for path, text in rendered:
        write_atomic(path, text)
        sys.stdout.write(f"wrote {path}\n")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from accelsim import cost, workload

    spec = api.load(args.config, set=_overrides(args.overrides))
    wl = workload.load(spec.workload, spec.workload_format)
    # Price every action and part once, so a missing table entry is found here, not in a run.
    tables = cost.load_tables(spec.system.tables)
    cost.action_energies(spec.system, tables)
    cost.estimate_area(spec.system, tables)
    sys.stdout.write(f"{args.config}: ok ({spec.system.name}, {spec.system.array.rows}x"
                     f"{spec.system.array.cols} {spec.system.array.dataflow.value}; workload "
                     f"{wl.name} with {len(wl.layers)} layers, {wl.macs:,} MACs)\n")
    return EXIT_OK


def _cmd_quantize(args: argparse.Namespace) -> int:
    from accelsim.quant.command import quantize_command

    result = quantize_command(
        args.weights, scheme=args.scheme, out=args.out, granularity=args.granularity,
        weight_group_size=args.weight_group_size, calibration=args.calibration,
        activation_bits=args.activation_bits, psum=args.psum, psum_bits=args.psum_bits,
        psum_group_size=args.psum_group_size, pwl=args.pwl, tokens=args.tokens,
        ifmap=args.ifmap, stat_tile=args.stat_tile, weights_for=args.weights_for,
        include=args.include, exclude=args.exclude)
    sys.stdout.write("\n".join(result.lines()) + "\n")
    return EXIT_OK


def _add_sweep(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="run a config over a grid of overrides (resumable)")
    p.add_argument("config", help="run config (.yaml)")
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
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(f"cannot write output file: {_reason(exc)}", file=path) from None
    finally:
        Path(tmp).unlink(missing_ok=True)


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

    check_output_path(args.out)
    suffix = results_format(args.out)
    grid = _unique_options([parse_grid_option(g) for g in args.grid], "--grid")
    zipped = _unique_options([parse_grid_option(z, "--zip") for z in args.zip], "--zip")
    derived = _unique_options([parse_derive_option(d) for d in args.derive], "--derive")
    store = args.out if suffix == ".sqlite" else f"{args.out}.sweep.sqlite"
    try:
        frame = api.sweep(args.config, grid, zip=zipped or None, derived=derived,
                          set=_overrides(args.overrides), backend=args.backend,
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
    if args.kind == "metric":
        plots.plot_metric(frame, args.x, args.y, hue=args.hue, path=out)
    elif args.kind == "energy":
        plots.plot_energy_breakdown(frame, x=args.x, path=out)
    elif args.kind == "utilization":
        plots.plot_layer_utilization(frame, point=args.point, path=out)
    else:
        plots.plot_pareto(frame, path=out)
    sys.stdout.write(f"wrote {out}\n")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _cmd_run,
    "validate": _cmd_validate,
    "quantize": _cmd_quantize,
    "sweep": _cmd_sweep,
    "plot": _cmd_plot,
}


def one_line(text: str) -> str:
    """``text`` with every line break (including \\r, \\x85, \\u2028 that a path or a value may
    carry) turned into a space: an error is exactly one line on stderr."""
    return " ".join(text.splitlines()) if text else text


EXIT_SIGPIPE = 128 + 13


def _stdout_gone() -> int:
    """The reader of stdout went away (``accelsim run ... | head``): stop quietly, with the
    status a SIGPIPE gives, and keep Python from complaining when it flushes at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests)
        pass
    return EXIT_SIGPIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `accelsim` console script."""
    try:
        args = build_parser().parse_args(argv)
        if args.version:
            from accelsim.report.provenance import accelsim_version

            sys.stdout.write(f"accelsim {accelsim_version()}\n")
            return EXIT_OK
        if args.command is None:
            raise InputError("missing command: run, validate, quantize, sweep, plot (see "
                             "'accelsim --help')",
                             file="command line")
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe surfaces here, not in Python's exit handler
        return code
    except BrokenPipeError:
        return _stdout_gone()
    except InputError as exc:
        sys.stderr.write(f"accelsim: error: {one_line(exc.render())}\n")
        return EXIT_INPUT
    except AccelsimError as exc:
        sys.stderr.write(f"accelsim: internal error: {one_line(str(exc))} (please report this)\n")
        return EXIT_INTERNAL
    except SystemExit as exc:  # --help: argparse prints and exits; in-process callers get a code
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except KeyboardInterrupt:
        sys.stderr.write("accelsim: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
