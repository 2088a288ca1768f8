"""Compatibility plug-ins: other simulators' inputs and conventions, run through accelsim.

``compat.scalesim`` takes a SCALE-Sim 3.0.0 ``.cfg`` and topology CSV and reproduces its cycles;
``accelsim.run`` (and the CLI's ``run``) accept a ``.cfg``. A plug-in builds on the stages (config,
workload, sim stats, cost, report) and nothing builds on it but the API and the CLI.
"""
