"""Benchmarks: each prints its numbers beside a baseline measured in the same run, as ratios."""
