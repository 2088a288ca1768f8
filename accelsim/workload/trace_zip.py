"""Reading a trace's ``.npz`` without trusting it: the JSON header first (bounded in size and
nesting), then each array only when the size it unpacks to is what the header declares, so
that a 2 MB zip member cannot expand into gigabytes before anything is checked."""

from __future__ import annotations

import json
import math
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from accelsim.errors import TraceError

HEADER_KEY = "__header__"
MAX_HEADER_BYTES = 64 << 20
# An .npy member is its array's bytes plus a header of at most a few hundred bytes.
NPY_SLACK_BYTES = 1 << 16


def read_npz(path: Path) -> tuple[object, dict[str, np.ndarray]]:
    """The parsed header and the arrays of the trace at ``path``."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
            if HEADER_KEY not in members:
                raise TraceError(f"no {HEADER_KEY} entry: not an accelsim trace", file=str(path))
            header_info = members.pop(HEADER_KEY)
            if header_info.file_size > MAX_HEADER_BYTES:
                raise TraceError(f"header unpacks to {header_info.file_size:,} bytes (at most "
                                 f"{MAX_HEADER_BYTES:,}); refused unread", file=str(path),
                                 key_path=HEADER_KEY)
            header = parse_header(_load(archive, header_info), path)
            declared = dict(declared_bytes(header))
            for name, info in members.items():
                _check_size(name, info, declared.get(name, 0), path)
            arrays = {name: _load(archive, info) for name, info in members.items()}
    except ValueError as exc:
        raise TraceError(f"trace holds pickled objects, refused: {exc}", file=str(path)) from exc
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise TraceError(f"not a readable .npz trace: {exc}", file=str(path)) from exc
    except MemoryError:
        raise TraceError("too large to load into memory", file=str(path)) from None
    return header, arrays


def _load(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    with archive.open(info) as member:
        return np.asarray(np.lib.format.read_array(member, allow_pickle=False))


def _check_size(name: str, info: zipfile.ZipInfo, declared: int, path: Path) -> None:
    if info.file_size > declared + NPY_SLACK_BYTES:
        raise TraceError(f"array {name!r} unpacks to {info.file_size:,} bytes but the header "
                         f"declares {declared:,}; refused unread", file=str(path),
                         key_path=name)


def parse_header(raw: np.ndarray, path: Path) -> object:
    """The header's JSON (no NaN/Infinity; too deep a nesting is an error, not a crash)."""
    try:
        return json.loads(raw.astype(np.uint8).tobytes().decode("utf-8"),
                          parse_constant=_reject_constant)
    except RecursionError:
        raise TraceError("header is not valid JSON: nested too deeply", file=str(path),
                         key_path=HEADER_KEY) from None
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError, TypeError) as exc:
        raise TraceError(f"header is not valid JSON: {exc}", file=str(path),
                         key_path=HEADER_KEY) from exc


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed in a trace header")


def declared_bytes(node: object) -> Iterator[tuple[str, int]]:
    """``(array key, bytes)`` of every array the header describes (``{key, dtype, shape}``
    anywhere in it); a description that is not well formed declares nothing (the checker
    names it later)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            described = _described(item)
            if described is not None:
                yield described
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _described(item: dict[str, object]) -> tuple[str, int] | None:
    key, dtype, shape = item.get("key"), item.get("dtype"), item.get("shape")
    if not (isinstance(key, str) and isinstance(dtype, str) and isinstance(shape, list)):
        return None
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        return None
    try:
        itemsize = np.dtype(dtype).itemsize
    except (TypeError, ValueError):
        return None
    return key, itemsize * math.prod(shape)
