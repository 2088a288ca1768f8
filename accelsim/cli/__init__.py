"""`accelsim` command line: run, validate, quantize, sweep, plot, rtl. The only place that prints
and exits.

Exit codes: 0 success, 2 bad input (one line on stderr naming file:line and key), 1 internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from accelsim.cli.common import (  # noqa: F401 - re-exported for callers and tests
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_SIGTERM,
    Terminated,
    _overrides,
    _reason,
    add_scalesim_arguments,
    check_output_path,
    check_output_paths,
    end_process,
    interruption,
    run_inputs,
    sigterm_as_interrupt,
    stdout_failed,
    write_all_atomic,
    write_atomic,
)
from accelsim.cli.rtl_command import add_rtl, cmd_rtl
from accelsim.cli.sweep_commands import _add_plot, _add_sweep, _cmd_plot, _cmd_sweep
from accelsim.errors import AccelsimError, InputError

if TYPE_CHECKING:
    from accelsim.config.run_spec import RunSpec


class _LazyApi:
    """``accelsim.api``, imported on first use: ``accelsim --help`` and usage errors do not
    pay for pydantic, numpy and the pipeline."""

    def __getattr__(self, name: str) -> object:
        from accelsim import api as module

        return getattr(module, name)


api: Any = _LazyApi()


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{message} (see '{self.prog} --help')", file="command line")


def _add_config_arguments(p: argparse.ArgumentParser, verb: str) -> None:
    """The config, ``--workload`` and ``--set`` arguments that run and validate share."""
    p.add_argument("config", help="run config (.yaml) or SCALE-Sim config (.cfg)")
    p.add_argument("--workload", help=f"{verb} this workload file instead of the config's")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. --set system.array.rows=64, or a .cfg's "
                   "as section.Key, e.g. architecture_presets.ArrayHeight=64 (repeatable)")


def _add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="simulate a config and print a summary")
    _add_config_arguments(p, "use")
    add_scalesim_arguments(p)
    p.add_argument("--json", dest="json_path", metavar="FILE", help="write the JSON report")
    p.add_argument("--csv", dest="csv_path", metavar="FILE", help="write per-layer CSV")
    p.add_argument("--timeline", metavar="FILE", help="write a Chrome/Perfetto trace (JSON)")
    p.add_argument("--all-layers", action="store_true", help="print every layer in the summary")
    p.add_argument("--mapping", action="store_true",
                   help="print each layer's searched mapping (loop order, chunk, residency, "
                   "PSUM home, DRAM bits vs compulsory, objective vs the fixed mapping)")
    _add_input_shape(p)


def _add_input_shape(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input-shape", action="append", default=[], metavar="[NAME=]D1xD2...",
                   help="fix an ONNX workload's symbolic input, e.g. input_ids=1x128 "
                   "(repeatable; the name may be left out when the graph has one input)")


@contextlib.contextmanager
def _pinned_workload(args: argparse.Namespace) -> Iterator[str | None]:
    """The workload to run: ``--workload``, or with ``--input-shape`` a reference file (in a
    scratch directory that lives as long as the context) that fixes the ONNX model's input
    shapes."""
    if not args.input_shape:
        yield getattr(args, "workload", None)
        return
    import tempfile
    from pathlib import Path

    from accelsim.workload.onnx_ref import pin_input_shapes

    model = getattr(args, "workload", None) or api.load(
        args.config, set=_overrides(args.overrides)).workload
    with tempfile.TemporaryDirectory(prefix="accelsim-") as tmp:
        yield str(pin_input_shapes(model, args.input_shape, Path(tmp)))


def _add_validate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a config and its workload without running")
    _add_config_arguments(p, "check")
    add_scalesim_arguments(p)
    _add_input_shape(p)


def _add_quantize(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("quantize", help="quantize real weights into a trace (.npz)")
    p.add_argument("weights", help=".npz, .safetensors or .onnx weights, or 'minilm' (the "
                   "packaged all-MiniLM-L6-v2)")
    p.add_argument("--scheme", required=True, help="int2..int8 or fineq")
    p.add_argument("--out", required=True, metavar="TRACE.npz", help="where to write the trace")
    p.add_argument("--granularity", help="tensor, channel or group (default per scheme)")
    p.add_argument("--weight-group-size", type=int, default=64,
                   help="group size along the input dimension for per-group schemes")
    p.add_argument("--calibration", help="minmax, percentile or mse (FineQ: minmax or mse); "
                   "default: minmax for int2..int8, mse for fineq")
    p.add_argument("--fineq-format", metavar="NAME", help="FineQ cluster format: offset8 "
                   "(default), full12, full9, wide8, two_outliers, no_outliers "
                   "(docs/quantization.md section 7)")
    p.add_argument("--fineq", action="append", default=[], metavar="KEY=VALUE",
                   help="override a field of the FineQ format (e.g. packing=enumerated, "
                   "outlier_magnitudes=2,3,4,5); repeatable")
    p.add_argument("--activation-bits", type=int, default=8, help="activation bits")
    p.add_argument("--psum", help="partial-sum scheme: apsq")
    p.add_argument("--psum-bits", type=int, default=8, help="APSQ partial-sum bits")
    p.add_argument("--group-size", type=int, default=2, dest="psum_group_size",
                   help="APSQ group size (K tiles accumulated before one requantization)")
    p.add_argument("--pwl", action="append", default=[], metavar="FN=N",
                   help="fit an N-segment GQA-LUT table for FN (gelu, exp, ...); repeatable")
    p.add_argument("--tokens", type=int, help="rows (M) of each linear GEMM whose file does "
                   "not give it (default: minilm's sequence length, 256; else 1, with a "
                   "warning); ONNX graphs with fixed input shapes give their own")
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
    add_rtl(sub)
    return parser


def _cmd_run(args: argparse.Namespace) -> int:
    from accelsim.report import result_to_csv, result_to_json, result_to_timeline, summary_text

    outputs_given = (args.json_path, args.csv_path, args.timeline)
    if any(outputs_given):
        check_output_paths(outputs_given, run_inputs(
            args.config, _overrides(args.overrides), (args.workload, args.topology)))
    with _pinned_workload(args) as workload:
        result = api.run(args.config, set=_overrides(args.overrides),
                         workload=workload, topology=args.topology,
                         gemm=args.gemm)
    outputs: list[tuple[str, Callable[[], str]]] = []
    if args.json_path:
        outputs.append((args.json_path, lambda: result_to_json(result)))
    if args.csv_path:
        outputs.append((args.csv_path, lambda: result_to_csv(result)))
    if args.timeline:
        outputs.append((args.timeline, lambda: result_to_timeline(result)))
    rendered = [(path, render()) for path, render in outputs]
    sys.stdout.write(summary_text(result, max_layers=None if args.all_layers else 40,
                                  mapping=args.mapping))
    write_all_atomic(rendered)
    for path, _ in rendered:
        sys.stdout.write(f"wrote {path}\n")
    return EXIT_OK


def _validate_cfg(args: argparse.Namespace) -> int:
    from accelsim.compat.scalesim.run import check_scalesim_workload

    run = api.load(args.config, set=_overrides(args.overrides), topology=args.topology,
                   gemm=args.gemm)
    assert not isinstance(run, api.RunSpec)
    wl = check_scalesim_workload(run)
    cfg = run.config
    sys.stdout.write(f"{args.config}: ok ({cfg.run_name}, {cfg.array_rows}x{cfg.array_cols} "
                     f"{cfg.dataflow.value}, InterfaceBandwidth {cfg.bandwidth_mode.value}; "
                     f"topology {run.topology} with {len(wl.layers)} layers, {wl.macs:,} MACs)\n")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    if api.is_cfg(args.config):
        return _validate_cfg(args)
    with _pinned_workload(args) as pinned:
        overrides = _overrides(args.overrides) | ({} if pinned is None else {"workload": pinned})
        spec = api.load(args.config, set=overrides, topology=args.topology)
        assert isinstance(spec, api.RunSpec)
        return _validate(args, spec)


def _validate(args: argparse.Namespace, spec: RunSpec) -> int:
    from accelsim import runner

    sys.stdout.write(f"{args.config}: ok ({runner.validate(spec)})\n")
    return EXIT_OK


def _cmd_quantize(args: argparse.Namespace) -> int:
    from accelsim.quant.command import quantize_command

    result = quantize_command(
        args.weights, scheme=args.scheme, out=args.out, granularity=args.granularity,
        weight_group_size=args.weight_group_size, calibration=args.calibration,
        activation_bits=args.activation_bits, psum=args.psum, psum_bits=args.psum_bits,
        psum_group_size=args.psum_group_size, pwl=args.pwl, tokens=args.tokens,
        ifmap=args.ifmap, stat_tile=args.stat_tile, weights_for=args.weights_for,
        include=args.include, exclude=args.exclude, fineq_format=args.fineq_format,
        fineq=args.fineq)
    sys.stdout.write("\n".join(result.lines()) + "\n")
    for warning in result.warnings:
        sys.stderr.write(f"accelsim: warning: {warning}\n")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _cmd_run,
    "validate": _cmd_validate,
    "quantize": _cmd_quantize,
    "sweep": _cmd_sweep,
    "plot": _cmd_plot,
    "rtl": cmd_rtl,
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


def _dispatch(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.version:
        from accelsim.report.provenance import accelsim_version

        sys.stdout.write(f"accelsim {accelsim_version()}\n")
        return EXIT_OK
    if args.command is None:
        raise InputError("missing command: run, validate, quantize, sweep, plot, rtl (see "
                         "'accelsim --help')", file="command line")
    code = COMMANDS[args.command](args)
    sys.stdout.flush()  # a closed pipe surfaces here, not in Python's exit handler
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `accelsim` console script."""
    try:
        with sigterm_as_interrupt():  # SIGTERM unwinds like Ctrl-C in every command
            return _dispatch(argv)
    except BrokenPipeError:
        return _stdout_gone()
    except OSError as exc:  # stdout on a full device
        failed = stdout_failed(exc)
        if failed is None:
            raise
        return failed
    except InputError as exc:
        sys.stderr.write(f"accelsim: error: {one_line(exc.render())}\n")
        return EXIT_INPUT
    except AccelsimError as exc:
        sys.stderr.write(f"accelsim: internal error: {one_line(str(exc))} (please report this)\n")
        return EXIT_INTERNAL
    except SystemExit as exc:  # --help: argparse prints and exits; in-process callers get a code
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except Terminated:
        sys.stderr.write("accelsim: terminated (SIGTERM)\n")
        return EXIT_SIGTERM
    except KeyboardInterrupt:
        sys.stderr.write("accelsim: interrupted\n")
        return 130
    except Exception as exc:  # a library's error wrapping a Ctrl-C or SIGTERM
        hidden = interruption(exc)
        if hidden is None:
            raise
        terminated = isinstance(hidden, Terminated)
        sys.stderr.write("accelsim: terminated (SIGTERM)\n" if terminated
                         else "accelsim: interrupted\n")
        return EXIT_SIGTERM if terminated else 130


def entry() -> NoReturn:
    """The `accelsim` console script and ``python -m accelsim``: ``main``, then the process
    ends with its exit code (``end_process``); in-process callers use ``main``."""
    end_process(main())


if __name__ == "__main__":  # pragma: no cover
    entry()
