"""Machine-readable logs: the request id of the request (or of the request that queued the
task) on every log record, and a one-line JSON formatter for production (OPS_LOG_FORMAT=json).
Development keeps Django's human-readable lines."""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import os
import re

import orjson

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# What a proxy's X-Request-ID may look like to be kept (anything else gets a fresh id).
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

# Attributes every LogRecord has; anything else was passed in `extra=` and goes into the line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def request_id_for(incoming: str | None) -> str:
    """The proxy's X-Request-ID when it looks like one, else a new random id."""
    if incoming and _REQUEST_ID.match(incoming):
        return incoming
    return os.urandom(16).hex()  # as random as uuid4().hex, a quarter of its cost


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (empty outside a request or task) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        return True


class ProbeAnswerFilter(logging.Filter):
    """Drops django.request's "Service Unavailable: /readyz" error: a 503 from the readiness
    probe is its answer (the JSON names the failed check), not an error of the request, and a
    load balancer asking every few seconds would fill the log during an outage."""

    PROBES = frozenset({"/readyz", "/healthz"})

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        return not (
            getattr(record, "status_code", None) == 503
            and getattr(request, "path", None) in self.PROBES
        )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and the extras."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()
