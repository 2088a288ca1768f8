"""The per-cycle register-level reference model that the timing formulas are proved against."""

from accelsim.reference.stepper import FoldRecord, MacCyclesFn, StepperResult, run_gemm

__all__ = ["FoldRecord", "MacCyclesFn", "StepperResult", "run_gemm"]
