"""The spec -> RTL shape, and the refusals by name of what the RTL does not build."""

from __future__ import annotations

import pytest

pytest.importorskip("amaranth", reason="the [rtl] extra (amaranth) is not installed")

from accelsim.config.system_spec import SystemSpec  # noqa: E402
from accelsim.errors import ConfigError  # noqa: E402
from accelsim.rtl.spec import MAX_SIDE, RtlRequest, array_shape, pe_shape  # noqa: E402
from accelsim.types import Dataflow  # noqa: E402


def _system(**array: object) -> SystemSpec:
    base: dict[str, object] = {"rows": 4, "cols": 4, "dataflow": "ws"}
    return SystemSpec.model_validate({
        "name": "t", "clock": "1GHz", "array": {**base, **array},
        "sram": {"shared": {"capacity": "64KiB", "width": "64b"}},
        "dram": {"bandwidth": "10GB/s"},
    })


def test_multiplier_pe_takes_the_configured_widths() -> None:
    pe = pe_shape(_system(dataflow="is", precision={"ifmap_bits": 6, "weight_bits": 4,
                                                    "psum_bits": 20}))
    assert (pe.a_bits, pe.b_bits, pe.psum_bits, pe.temporal) == (6, 4, 20, False)
    assert (pe.x_bits, pe.y_bits) == (4, 6)  # is: B moves right, A is stationary
    assert array_shape(_system()).control == "cycle"


@pytest.mark.parametrize(("code", "cap", "digit_bits"), [("magnitude", None, 8),
                                                         ("segmented", 3, 2),
                                                         ("segmented", 7, 3)])
def test_temporal_pe_digits_follow_the_code(code: str, cap: int | None, digit_bits: int) -> None:
    temporal: dict[str, object] = {"code": code, "policy": "per_wavefront"}
    if cap is not None:
        temporal["cap"] = cap
    shape = array_shape(_system(pe="temporal", temporal=temporal))
    assert shape.pe.temporal and shape.pe.digit_bits == digit_bits
    assert shape.control == "done" and shape.pe.dataflow is Dataflow.WS


@pytest.mark.parametrize(("array", "key", "words"), [
    ({"pe": "temporal", "temporal": {"policy": "per_row"}}, "temporal.policy", "'per_row'"),
    ({"pe": "temporal", "temporal": {"accumulate": "local"}}, "temporal.accumulate", "local"),
    ({"pe": "temporal", "temporal": {"code": "magnitude", "cap": 3}}, "temporal.cap", "cap"),
    ({"fold_overlap": "weights"}, "fold_overlap", "fold_overlap"),
])
def test_what_the_rtl_does_not_build_is_refused_by_name(array: dict[str, object], key: str,
                                                        words: str) -> None:
    with pytest.raises(ConfigError, match="not covered by the RTL") as err:
        array_shape(_system(**array), source="cfg.yaml")
    assert err.value.key_path == f"system.array.{key}" and words in err.value.message
    assert err.value.file == "cfg.yaml"


def test_large_arrays_need_the_override() -> None:
    big = _system(rows=MAX_SIDE + 1, cols=2)
    with pytest.raises(ConfigError, match="--allow-large"):
        array_shape(big)
    assert array_shape(big, RtlRequest(allow_large=True)).rows == MAX_SIDE + 1
    small = array_shape(big, RtlRequest(rows=8, cols=8))
    assert (small.rows, small.cols) == (8, 8)
