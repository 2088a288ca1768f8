"""``accelsim quantize``: what the CLI calls. Parses strings it is handed, never ``sys.argv``.

``quantize_command(...)`` imports the weights, quantizes them, writes the trace and returns a
``QuantizeResult`` whose ``lines()`` the CLI prints. Every bad input is a ``QuantError`` (or a
``TraceError``) naming the file, flag or layer, which the CLI turns into exit code 2.

``WEIGHTS`` may be a ``.npz``/``.safetensors``/``.onnx`` path or ``minilm``: the packaged
all-MiniLM-L6-v2, its 36 GEMMs in execution order plus the 12 attention GEMMs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from accelsim.errors import QuantError
from accelsim.quant import minilm
from accelsim.quant.fineq import FINEQ_CALIBRATIONS, FineQConfig
from accelsim.quant.fineq_format import DEFAULT_FORMAT, build_config, describe, parse_overrides
from accelsim.quant.frontend import (
    PWL_FUNCTIONS,
    PwlRequest,
    QuantOptions,
    QuantReport,
    quantize_model,
)
from accelsim.quant.model_import import ImportedModel, load_model
from accelsim.workload.trace import Trace, write_trace

BUILTIN_MINILM = "minilm"


def parse_pwl(spec: str) -> PwlRequest:
    """``"gelu=8"`` -> fit an 8-segment GELU table."""
    m = re.fullmatch(r"\s*([a-z_]+)\s*=\s*(\d+)\s*", spec)
    if m is None:
        raise QuantError(f"expected FUNCTION=SEGMENTS (e.g. gelu=8), got {spec!r}",
                         key_path="--pwl")
    if m.group(1) not in PWL_FUNCTIONS:
        raise QuantError(f"no PWL target {m.group(1)!r}; choose one of "
                         f"{', '.join(PWL_FUNCTIONS)}", key_path="--pwl")
    return PwlRequest(m.group(1), int(m.group(2)))


def parse_pair(spec: str, flag: str) -> tuple[int, int]:
    """``"8x8"`` -> (8, 8)."""
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", spec)
    if m is None or int(m.group(1)) < 1 or int(m.group(2)) < 1:
        raise QuantError(f"expected two positive integers like 8x8, got {spec!r}",
                         key_path=flag)
    return int(m.group(1)), int(m.group(2))


@dataclass(frozen=True)
class QuantizeResult:
    """What the command did: the trace written and the per-layer report."""

    out_path: Path
    trace: Trace
    report: QuantReport
    skipped: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    fineq: FineQConfig | None = None

    def header(self) -> tuple[str, ...]:
        return ("layer", "op", "shape", "weights", "bits", "MSE", "SQNR dB", "stored")

    def rows(self) -> list[tuple[str, ...]]:
        """One row of strings per quantized layer."""
        return [(r.name, r.op, r.shape, str(r.weights), f"{r.avg_bits:.2f}", f"{r.mse:.3e}",
                 "inf" if math.isinf(r.sqnr_db) else f"{r.sqnr_db:.2f}",
                 "weights" if r.stored else "stats")
                for r in self.report.layers]

    def summary(self) -> list[str]:
        """Lines after the table: totals, PWL fits, where the trace went."""
        rep = self.report
        lines = [f"{len(rep.layers)} layers, {rep.total_weights} weights, average "
                 f"{rep.avg_bits:.3f} bits/weight (codes; scales excluded), scheme {rep.scheme}"]
        if self.fineq is not None:
            lines.append(f"FineQ format: {describe(self.fineq)}, {self.fineq.calibration} "
                         f"scales ({self.fineq.scale_bits} bits each, not in the average)")
        lines += [f"PWL {fn}: {n} segments, MSE {mse:.3e} on its range"
                  for fn, n, mse in rep.pwl_mse]
        if self.skipped:
            lines.append(f"not GEMM weights (skipped): {len(self.skipped)} tensors")
        lines.append(f"wrote {self.out_path} (trace schema {self.trace.schema_version})")
        return lines

    def lines(self) -> list[str]:
        """The whole printout: an aligned table and the summary."""
        table = [self.header(), *self.rows()]
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        out = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
               for row in table]
        return out + self.summary()


def quantize_command(
    weights: str,
    *,
    scheme: str,
    out: str,
    granularity: str | None = None,
    weight_group_size: int = 64,
    calibration: str | None = None,
    activation_bits: int = 8,
    psum: str | None = None,
    psum_bits: int = 8,
    psum_group_size: int = 2,
    pwl: Sequence[str] = (),
    tokens: int | None = None,
    ifmap: str | None = None,
    stat_tile: str = "8x8",
    weights_for: str | None = ".*",
    include: str | None = None,
    exclude: str | None = None,
    fineq_format: str | None = None,
    fineq: Sequence[str] = (),
) -> QuantizeResult:
    """Run the front-end on ``weights`` and write the trace to ``out``.

    ``weight_group_size`` is the per-group weight quantization group (int4 default);
    ``psum_group_size`` is APSQ's group of K tiles (the CLI's ``--group-size``). ``tokens`` is
    the M of linear layers whose file does not give it (ONNX graphs with fixed input shapes
    do); unset, the built-in MiniLM runs its sequence length and other files M = 1, with a
    warning, since a one-row GEMM leaves almost all of an array idle. ``calibration`` None is
    each scheme's historical default (min-max for INT, MSE for FineQ); ``fineq_format`` names a
    FineQ format of ``fineq_format.FORMATS`` and ``fineq`` overrides its fields (KEY=VALUE)."""
    opts = QuantOptions(
        scheme=scheme, granularity=granularity, group_size=weight_group_size,
        calibration=calibration or "minmax", activation_bits=activation_bits, psum=psum,
        psum_bits=psum_bits, psum_group_size=psum_group_size,
        pwl=tuple(parse_pwl(p) for p in pwl),
        rows=tokens if tokens is not None else (
            minilm.sequence_length() if weights == BUILTIN_MINILM else 1),
        ifmap_hw=None if ifmap is None else parse_pair(ifmap, "--ifmap"),
        stat_tile=parse_pair(stat_tile, "--stat-tile"), store_weights=weights_for,
        fineq=_fineq_config(scheme, fineq_format, fineq, calibration, granularity,
                            weight_group_size))
    _check_regex(weights_for, "--weights-for")
    out_path = Path(out)
    if out_path.suffix != ".npz":
        raise QuantError("a trace file must end in .npz", file=out, key_path="--out")
    if not out_path.parent.is_dir():
        raise QuantError("the output folder does not exist", file=out, key_path="--out")
    if weights != BUILTIN_MINILM and _same_file(out_path, Path(weights)):
        raise QuantError("the output trace is the input weights file; refusing to overwrite "
                         "it", file=out, key_path="--out")
    warnings: tuple[str, ...] = ()
    if weights == BUILTIN_MINILM:
        if include or exclude:
            raise QuantError("--include/--exclude do not apply to the built-in minilm",
                             key_path="--include")
        mw = minilm.load_weights()
        trace, report = minilm.quantize_minilm(opts, mw)
        skipped = minilm.imported_model(mw, opts.rows).skipped
    else:
        model = load_model(weights, include=include, exclude=exclude)
        _check_not_empty(model)
        trace, report = quantize_model(model, opts)
        skipped = model.skipped
        if tokens is None:
            warnings, trace = _default_rows(model, trace)
    try:
        write_trace(out_path, trace)
    except OSError as exc:
        raise QuantError(f"cannot write the trace: {exc.strerror or exc}", file=out,
                         key_path="--out") from exc
    return QuantizeResult(out_path, trace, report, skipped, warnings, opts.fineq)


def _fineq_config(scheme: str, name: str | None, overrides: Sequence[str],
                  calibration: str | None, granularity: str | None, group_size: int
                  ) -> FineQConfig | None:
    """The FineQ format the flags describe (None for the INT schemes, which take none)."""
    if scheme != "fineq":
        if name is not None or overrides:
            raise QuantError(f"--fineq-format and --fineq apply to --scheme fineq, not {scheme}",
                             key_path="--fineq-format" if name is not None else "--fineq")
        return None
    if calibration is not None and calibration not in FINEQ_CALIBRATIONS:
        raise QuantError(f"FineQ calibrates with {' or '.join(FINEQ_CALIBRATIONS)}, not "
                         f"{calibration!r}", key_path="--calibration")
    if granularity not in (None, "channel", "group"):
        raise QuantError(f"FineQ scales are per output channel or per group of inputs, not per "
                         f"{granularity}", key_path="--granularity")
    cfg = build_config(name or DEFAULT_FORMAT, parse_overrides(overrides),
                       calibration=calibration)
    if granularity != "group":
        return cfg
    if group_size % cfg.cluster_size:
        raise QuantError(f"a FineQ scale group must be a multiple of the cluster size "
                         f"{cfg.cluster_size}, got {group_size}", key_path="--weight-group-size")
    return build_config(name or DEFAULT_FORMAT, parse_overrides(overrides),
                        calibration=calibration, scale_group_size=group_size)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except (OSError, ValueError):
        return False


def _check_not_empty(model: ImportedModel) -> None:
    """A tensor with no elements has no range to calibrate nor a GEMM to time."""
    for layer in model.layers:
        if layer.weight.size == 0:
            shape = "x".join(str(d) for d in layer.weight.shape)
            raise QuantError(f"the weight tensor is empty (shape {shape}); nothing to "
                             "quantize (leave it out with --exclude)", file=model.source,
                             key_path=layer.name)


def _default_rows(model: ImportedModel, trace: Trace) -> tuple[tuple[str, ...], Trace]:
    """The warning (and trace note) when linear layers got M = 1 because nothing said more."""
    guessed = [lay.name for lay in model.layers if lay.op == "linear" and lay.rows is None]
    if not guessed:
        return (), trace
    what = (f"M = 1 in {len(guessed)} of {len(model.layers)} layers ({guessed[0]}"
            f"{', ...' if len(guessed) > 1 else ''}): the file does not give their rows and "
            "--tokens was not set")
    note = f"{what}; a one-token pass, not the model at its sequence length"
    notes = f"{trace.notes}; {note}" if trace.notes else note
    return (f"{what}; pass --tokens T for T tokens per GEMM",), replace(trace, notes=notes)


def _check_regex(pattern: str | None, flag: str) -> None:
    if pattern is None:
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        raise QuantError(f"bad regular expression: {exc}", key_path=flag) from exc
