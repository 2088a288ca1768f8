"""Which family a workload file belongs to, told from its first lines (or, for a Hugging Face
``config.json``, its ``model_type``) without importing the family's reader: a run of a layer
model never loads the LLM, MoE or ONNX modules.
"""

from __future__ import annotations

from pathlib import Path

LLM_SCHEMA = "accelsim.llm/1"
MOE_SCHEMA = "accelsim.moe/1"
ONNX_REF_SCHEMA = "accelsim.onnx/1"


def declares_schema(path: str | Path, schema: str) -> bool:
    """True when ``path`` is a YAML file whose first lines declare ``schema: <schema>``: how the
    loader tells the model-file families (layers, LLM, ONNX reference) apart by content."""
    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
        return False
    with path.open(encoding="utf-8") as handle:
        head = [next(handle, "") for _ in range(5)]
    return any(line.split("#")[0].strip() == f"schema: {schema}" for line in head)


def is_moe_file(path: str | Path) -> bool:
    """A YAML file whose first non-comment line declares the MoE schema, or a Hugging Face
    ``config.json`` of a MoE family (``hf_config``)."""
    from accelsim.workload.hf_config import is_moe_config, read_hf_config

    path = Path(path)
    config = read_hf_config(path)
    if config is not None:
        return is_moe_config(config)
    if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
        return False
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped.replace(" ", "") == f"schema:{MOE_SCHEMA}"
    return False


def is_llm_file(path: str | Path) -> bool:
    """True when ``path`` is a YAML file whose first lines declare ``schema: accelsim.llm/1``,
    or a Hugging Face ``config.json`` of a dense decoder (``hf_config``)."""
    from accelsim.workload.hf_config import is_moe_config, read_hf_config

    config = read_hf_config(path)
    return declares_schema(path, LLM_SCHEMA) or (config is not None
                                                 and not is_moe_config(config))


def is_onnx_ref(path: str | Path) -> bool:
    """True when ``path`` is a YAML file whose first lines declare ``schema: accelsim.onnx/1``."""
    return declares_schema(path, ONNX_REF_SCHEMA)
