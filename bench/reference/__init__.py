"""Benchmark-only Django app: the floor and the minimal reference list view.

Used only by bench/pages.py through bench.reference.settings; never installed in
config.settings, so none of this is reachable in the real application.
"""
