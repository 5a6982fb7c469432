"""Benchmarks: `make bench` (python -m bench). Each prints its figures beside a baseline measured
in the same run, so the ratio means something on whatever machine runs it."""
