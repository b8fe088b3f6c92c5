"""Benchmarks that print figures; run them all with `make bench` (bench/run_all.py)."""
