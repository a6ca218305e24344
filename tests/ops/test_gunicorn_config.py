"""config/gunicorn.py is production's gunicorn and the one `make load` measures."""

from __future__ import annotations

import importlib

from config import gunicorn


def test_production_runs_threaded_workers_sized_by_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    configured = importlib.reload(gunicorn)
    try:
        assert (configured.worker_class, configured.workers, configured.threads) == (
            "gthread",
            3,
            4,
        )
    finally:
        monkeypatch.delenv("GUNICORN_WORKERS")
        monkeypatch.delenv("GUNICORN_THREADS")
        importlib.reload(gunicorn)
    assert (gunicorn.workers, gunicorn.threads) == (2, 2)
