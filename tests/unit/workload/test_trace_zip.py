"""A trace's .npz is read without trusting it: a zip-bomb member is refused before it is
unpacked, and a header nested too deeply is an error, not a crash."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from accelsim.errors import TraceError
from accelsim.workload.trace import read_trace
from accelsim.workload.trace_zip import HEADER_KEY, NPY_SLACK_BYTES, declared_bytes

HEADER = {"layers": [{"arrays": {"w": {"key": "layer0000.w", "dtype": "<i8", "shape": [4]}}}]}


def _npz(path: Path, header: object, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        buffer = io.BytesIO()
        blob = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        np.save(buffer, blob)
        archive.writestr(f"{HEADER_KEY}.npy", buffer.getvalue())
        for name, data in members.items():
            archive.writestr(f"{name}.npy", data)
    return path


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_declared_bytes_come_from_every_array_description() -> None:
    header = {**HEADER, "nonlinear": [{"arrays": {"s": {"key": "pwl00.s", "dtype": "<f8",
                                                        "shape": [3, 2]}}}],
              "bad": {"key": "x", "dtype": "nonsense", "shape": [1]}}
    assert dict(declared_bytes(header)) == {"layer0000.w": 32, "pwl00.s": 48}


def test_a_member_larger_than_its_header_declares_is_refused_unread(tmp_path: Path) -> None:
    huge = np.zeros(4 * NPY_SLACK_BYTES, dtype="<i8")  # 2 MiB of zeros, a few KB zipped
    path = _npz(tmp_path / "bomb.npz", HEADER, {"layer0000.w": _npy(huge)})
    assert path.stat().st_size < 64 * 1024
    start = time.monotonic()
    with pytest.raises(TraceError, match="unpacks to 2,097,280 bytes but the header declares "
                                         "32; refused unread") as caught:
        read_trace(path)
    assert caught.value.key_path == "layer0000.w" and time.monotonic() - start < 2.0


def test_an_undeclared_member_may_not_be_large_either(tmp_path: Path) -> None:
    extra = np.zeros(NPY_SLACK_BYTES, dtype=np.uint8)
    path = _npz(tmp_path / "x.npz", HEADER, {"layer0000.w": _npy(np.zeros(4, "<i8")),
                                             "sneaky": _npy(extra)})
    with pytest.raises(TraceError, match="header declares 0"):
        read_trace(path)


def test_a_deeply_nested_header_is_an_error(tmp_path: Path) -> None:
    blob = np.frombuffer(b"[" * 100_000 + b"]" * 100_000, dtype=np.uint8)
    np.savez(tmp_path / "deep.npz", **{HEADER_KEY: blob})
    with pytest.raises(TraceError, match="nested too deeply") as caught:
        read_trace(tmp_path / "deep.npz")
    assert caught.value.key_path == HEADER_KEY


def test_a_packaged_trace_still_reads() -> None:
    path = Path(__file__).resolve().parents[3] / "workloads" / "traces" / "minilm_int4.npz"
    assert len(read_trace(path).layers) == 48
