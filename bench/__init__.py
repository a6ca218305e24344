"""Benchmarks: deterministic seed data and the measurements on it (never part of the tests)."""
