"""gunicorn's configuration for `make prod` (Procfile) and deploy/offerwatch-web.service."""

from __future__ import annotations

import os

bind = f"{os.environ.get('OFFERWATCH_BIND', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Threaded workers: a request waiting on PostgreSQL or Redis leaves its process's CPU to another,
# and a client's connection is kept alive between its requests (the sync worker closes it).
# 2 processes x 2 threads is what `make load` measures on 2 cores (it starts gunicorn with this
# file): 318 requests/s there, against 309 for 3 x 1 (README, Performance).
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# On SIGTERM a worker finishes the request it is answering for up to this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# The app logs one JSON line per request itself (ops.middleware); gunicorn's own would repeat it.
accesslog = None
errorlog = "-"
# X-Forwarded-* headers are believed from the local reverse proxy only (deploy/nginx).
forwarded_allow_ips = "127.0.0.1"


def child_exit(server, worker) -> None:
    """A dead worker's metric files stop counting as live (prometheus-client multiprocess)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
