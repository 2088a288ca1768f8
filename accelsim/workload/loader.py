"""One entry point for every workload file: model definition, SCALE-Sim topology or trace."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from accelsim.errors import WorkloadError
from accelsim.workload.kinds import is_llm_file, is_moe_file, is_onnx_ref
from accelsim.workload.layers import Workload
from accelsim.workload.model_file import load_model_file

TopologyFormat = Literal["auto", "conv", "gemm"]
FORMATS: tuple[str, ...] = get_args(TopologyFormat)
SUFFIXES = {".yaml": "model definition", ".yml": "model definition",
            ".csv": "SCALE-Sim topology", ".npz": "trace", ".onnx": "ONNX model",
            ".json": "Hugging Face config"}


def load(path: str | Path, fmt: str = "auto") -> Workload:
    """Load ``path`` by its suffix: ``.yaml``/``.yml``, ``.csv`` (``fmt`` picks SCALE-Sim's conv or
    GEMM form; "auto" reads the header), ``.npz`` (a trace written by the front-end) or
    ``.onnx`` (a graph: its shapes, not its weights; ``accelsim.onnx/1`` YAML fixes its inputs)
    or ``.json`` (a Hugging Face config: an LLM's one-token decode pass)."""
    path = Path(path)
    if fmt not in FORMATS:
        raise WorkloadError(f"unknown workload format {fmt!r}; expected one of "
                            f"{', '.join(FORMATS)}", file=str(path))
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        kinds = ", ".join(f"{s} ({kind})" for s, kind in SUFFIXES.items())
        raise WorkloadError(f"unsupported workload file type {suffix or '(none)'!r}; use {kinds}",
                            file=str(path))
    if suffix != ".csv" and fmt != "auto":
        raise WorkloadError(f"format {fmt!r} applies to .csv topologies only; "
                            f"a {SUFFIXES[suffix]} needs 'auto'", file=str(path))
    if suffix in (".yaml", ".yml", ".json"):
        return _load_model_file(path, suffix)
    if suffix == ".onnx":
        from accelsim.workload.onnx_import import load_onnx_workload

        return load_onnx_workload(path)
    if suffix == ".csv":
        # Imported here so that model files load even while these modules are absent or broken.
        from accelsim.workload.topology_csv import load_topology_csv

        gemm = is_gemm_topology(path) if fmt == "auto" else fmt == "gemm"
        return load_topology_csv(str(path), gemm=gemm)
    from accelsim.workload.trace import load_trace_workload

    return load_trace_workload(path)


def _load_model_file(path: Path, suffix: str) -> Workload:
    """A YAML model file of any family, or a Hugging Face ``config.json``, by its content."""
    if is_moe_file(path):
        raise WorkloadError("this is a MoE model (schema accelsim.moe/1): it runs on a "
                            "system of chiplets through `accelsim run` with a 'chiplets:' "
                            "section in the run config (docs/moe.md)", file=str(path))
    if is_llm_file(path):  # outside an `llm:` run: one token of batch-1 decode, no cache
        from accelsim.workload.llm import PassShape, decoder_pass, load_llm_model

        return decoder_pass(load_llm_model(path), PassShape(1, 0, 1))
    if suffix == ".json":
        raise WorkloadError("not a Hugging Face config.json (a JSON object with "
                            "model_type)", file=str(path))
    if is_onnx_ref(path):
        from accelsim.workload.onnx_ref import load_onnx_ref

        return load_onnx_ref(path)
    return load_model_file(path)


def is_gemm_topology(path: Path) -> bool:
    """True when the first non-blank line of a topology CSV names M, N and K columns.

    SCALE-Sim's GEMM form starts ``Layer, M, N, K,``; its conv form starts ``Layer name,
    IFMAP Height, ...``. Anything else is left to the conv reader, which reports the bad header.
    """
    try:
        with path.open(encoding="utf-8") as handle:
            header = next((line for line in handle if line.strip()), "")
    except FileNotFoundError:
        raise WorkloadError("workload file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkloadError(f"cannot read workload file: {exc}", file=str(path)) from None
    cells = {cell.strip().lower() for cell in header.split(",")}
    return {"m", "n", "k"} <= cells
