"""Results and their renderings: text summary, JSON report, CSV, DataFrame, timeline."""

from accelsim.report.export import (
    result_to_csv,
    result_to_dict,
    result_to_frame,
    result_to_json,
    result_to_timeline,
)
from accelsim.report.result import SCHEMA, LayerReport, Provenance, Result
from accelsim.report.text import summary_text

__all__ = [
    "SCHEMA", "LayerReport", "Provenance", "Result", "result_to_csv", "result_to_dict",
    "result_to_frame", "result_to_json", "result_to_timeline", "summary_text",
]
