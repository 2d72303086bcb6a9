"""Benchmark, evaluation and comparison reports."""
