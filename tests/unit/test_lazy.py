"""accelsim.lazy: a module imported on first use, then read like the module itself."""

from __future__ import annotations

import subprocess
import sys

from accelsim.lazy import LazyModule


def test_attribute_is_the_modules_and_is_kept() -> None:
    json_lazy = LazyModule("json")
    import json

    assert json_lazy.dumps is json.dumps
    assert "dumps" in vars(json_lazy)


def test_dunder_probes_do_not_import() -> None:
    lazy = LazyModule("accelsim_no_such_module")
    assert not hasattr(lazy, "__wrapped__")
    assert "accelsim_no_such_module" in repr(lazy)


def test_cli_import_leaves_numpy_and_pandas_unloaded() -> None:
    code = ("import sys, accelsim.cli, accelsim.api, accelsim.report; "
            "print(sorted({'numpy', 'pandas', 'matplotlib'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
