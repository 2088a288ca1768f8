"""Records as CSV text, byte for byte what ``pandas.DataFrame(records).to_csv(index=False)``
writes, without importing pandas (it is most of a ``--csv`` run's start-up).

pandas' rules, reproduced per column: columns in first-seen key order; a column of only ints
stays integral; ints mixed with floats or with missing values become floats (``3`` -> ``3.0``);
floats print as their shortest round-trip repr; missing values and NaN are empty; anything else
(strings, bools with gaps, mixed kinds) prints as ``str``. Quoting is the csv module's minimal
quoting, lines end in ``\\n``. ``tests/unit/report/test_csv_text.py`` checks it against pandas.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence

_MISSING = object()


def _missing(value: object) -> bool:
    return value is _MISSING or value is None or (isinstance(value, float) and math.isnan(value))


def _fits_machine_ints(values: Sequence[object]) -> bool:
    """Whether pandas stores these ints as int64 or uint64 (else it keeps Python objects)."""
    ints = [v for v in values if type(v) is int]
    if any(v < -(2**63) or v >= 2**64 for v in ints):
        return False
    return not (any(v >= 2**63 for v in ints) and any(v < 0 for v in ints))


def _numeric_kind(values: Sequence[object]) -> str | None:
    """``int``, ``float`` or ``bool`` when pandas would store the column as that kind, else
    None (an object column)."""
    present = [v for v in values if not _missing(v)]
    if present and all(type(v) is bool for v in present):
        return "bool" if len(present) == len(values) else None
    if not all(type(v) in (int, float) for v in present) or not _fits_machine_ints(present):
        return None
    if any(type(v) is float for v in present) or len(present) < len(values):
        return "float"
    return "int"


def _cells(values: Sequence[object]) -> list[str]:
    """The column's cells as pandas writes them."""
    kind = _numeric_kind(values)
    if kind == "float":
        return ["" if _missing(v) else repr(float(v)) for v in values]  # type: ignore[arg-type]
    if kind is not None:
        return [str(v) for v in values]
    return ["" if _missing(v) else str(v) for v in values]


def records_to_csv(records: Sequence[Mapping[str, object]]) -> str:
    """``records`` (one mapping per row; a key a row lacks is a missing value) as CSV text."""
    columns = list(dict.fromkeys(key for record in records for key in record))
    if not columns:
        return "\n" * (len(records) + 1)  # pandas: an empty header, then one empty line a row
    cells = [_cells([record.get(key, _MISSING) for record in records]) for key in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(*cells, strict=True))
    return buffer.getvalue()
