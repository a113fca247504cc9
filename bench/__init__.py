"""Benchmarks for cyberkg: a synthetic policy-graph generator and side-by-side store measurements."""
