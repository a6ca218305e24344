"""The Prometheus series Offerwatch exports (prometheus-client).

Under gunicorn and Celery's prefork pool every process records its own samples; with
PROMETHEUS_MULTIPROC_DIR set (make prod sets it) they write them to files there, and /metrics
sums them across processes. Nothing here imports the rest of the project, so any layer may
record a sample."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Seconds: API and page requests are expected well under a second.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
QUERY_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0)

request_latency = Histogram(
    "offerwatch_request_duration_seconds",
    "Time to answer a request, by route (URL name, never the raw path) and status.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
request_queries = Histogram(
    "offerwatch_request_db_queries",
    "Database queries made while answering one request, by route.",
    ["route"],
    buckets=QUERY_BUCKETS,
)
task_runtime = Histogram(
    "offerwatch_celery_task_duration_seconds",
    "Run time of Celery tasks, by task name and final state.",
    ["task", "state"],
    buckets=TASK_BUCKETS,
)
task_failures = Counter(
    "offerwatch_celery_task_failures",
    "Celery tasks that raised (a retried attempt counts too).",
    ["task"],
)
provider_calls = Counter(
    "offerwatch_provider_calls",
    "HTTP calls made to an outside data provider, by provider and outcome.",
    ["provider", "outcome"],  # ok, error, retried
)
provider_breaker_opened = Counter(
    "offerwatch_provider_breaker_opened",
    "Times a provider's circuit breaker opened.",
    ["provider"],
)
offerings_rescored = Counter(
    "offerwatch_offerings_rescored",
    "Offerings the rescoring tasks evaluated (new assessment or unchanged).",
    ["result"],  # assessed, unchanged
)
webhook_deliveries = Counter(
    "offerwatch_webhook_deliveries",
    "Webhook delivery attempts, by outcome (succeeded, retrying, failed).",
    ["outcome"],
)
api_page_cache = Counter(
    "offerwatch_api_page_cache",
    "API list pages answered from a page built from the same rows (hit), built and stored "
    "(miss), or built because a row has no exact spelling to key it (uncacheable).",
    ["outcome"],
)
list_rows_cache = Counter(
    "offerwatch_list_rows_cache",
    "Offerings list pages (and their htmx fragments) whose table rows were taken from rows "
    "written for the same page rows (hit), written and stored (miss), or written because a "
    "row has no exact spelling to key them (uncacheable); searches are not counted.",
    ["outcome"],
)
