"""The requests of the load test's mix (bench/load/locustfile.py), shared with bench/cpu.py so
that the CPU figures measure the same requests."""

from __future__ import annotations

API_LISTS = (
    "",
    "?kind=ico&ordering=-start_date",
    "?risk=high&ordering=-score",
    "?ordering=name",
    "?kind=sto",
)
PAGES = ("/offerings/", "/offerings/?kind=ico&sort=-start_date", "/offerings/?sort=name")
FRAGMENTS = ("/offerings/?kind=ico&page=2", "/offerings/?risk=high", "/offerings/?q=bench")
KINDS = ("ico", "sto")  # an IEO or IDO needs a venue
