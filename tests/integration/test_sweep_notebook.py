"""docs/notebooks/sweep_array_sizes.ipynb runs top to bottom without an error (so it never rots);
its own asserts check the sweeps it makes."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebooks" / "sweep_array_sizes.ipynb"


@pytest.mark.slow
def test_the_sweep_notebook_executes() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    outputs = [out for cell in notebook.cells if cell.cell_type == "code"
               for out in cell.get("outputs", [])]
    assert not [out for out in outputs if out.output_type == "error"]
    images = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(images) == 5  # every plot rendered
    printed = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
    assert "least energy:" in printed


def _setup_cell() -> str:
    """The notebook's first code cell (imports, ROOT, CONFIG, the grid), without IPython magics."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    return "\n".join(line for line in first.source.splitlines() if not line.startswith("%"))


@pytest.mark.parametrize("where", ["repo root", "docs/notebooks", "docs"])
def test_the_notebook_finds_the_configs_from_the_repo_root_or_its_folder(
        where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = NOTEBOOK.parents[2]
    cwd = {"repo root": root, "docs/notebooks": NOTEBOOK.parent, "docs": root / "docs"}[where]
    monkeypatch.chdir(cwd)
    names: dict[str, object] = {}
    exec(compile(_setup_cell(), str(NOTEBOOK), "exec"), names)  # noqa: S102 - our notebook
    assert names["ROOT"] == root.resolve()
    assert Path(str(names["CONFIG"])).is_file() and Path(str(names["LLAMA"])).is_file()


def test_the_notebook_outside_the_checkout_says_where_to_run_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="run this notebook inside the accelsim checkout"):
        exec(compile(_setup_cell(), str(NOTEBOOK), "exec"), {})  # noqa: S102
