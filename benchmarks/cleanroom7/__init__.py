"""Clean room 7: the counter over time (see benchmarks/bench_cleanroom7.py)."""
