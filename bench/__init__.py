"""Performance figures for the service: ``python -m bench`` (see bench/README.md).

Kept empty of imports on purpose: ``bench.baseline_app`` is the cold-start
baseline, and importing this package must cost nothing.
"""
