"""Benchmarks: ratios measured side by side in the same run."""
