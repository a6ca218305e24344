"""Real parts for the fault drills: a Redis of our own, Celery workers, PostgreSQL kills.

Every drill starts its own redis-server on a free loopback port (never the shared one on 6379,
which other work uses) and its own worker processes, and stops them afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.test import Client

from tests.conftest import with_role
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")

# A worker with the visibility timeout the drill asks for (a message taken but never acked
# goes back to the queue after that many seconds); otherwise the project's own settings.
WORKER_MAIN = """
import os, sys
from config.celery import app
timeout = os.environ.get("DRILL_VISIBILITY_TIMEOUT")
if timeout:
    app.conf.broker_transport_options = {
        "visibility_timeout": int(timeout),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
app.worker_main(["worker", *sys.argv[1:]])
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.1):
    """Poll `condition` until it returns something truthy; fail the drill after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


class RedisServer:
    """A redis-server process of our own: no persistence, loopback only."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.answers, timeout=10, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def queue_length(self, queue: str = "celery") -> int:
        import redis

        return redis.Redis.from_url(self.url).llen(queue)


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def signed_in(transactional_db) -> Client:
    """An analyst's browser; a server error comes back as the 500 page, not an exception."""
    client = Client(raise_request_exception=False)
    client.force_login(with_role(UserFactory(username="drill-analyst"), "analyst"))
    return client


class ApiCaller:
    """Signed requests to the API with a key of its own (reads and offering writes)."""

    def __init__(self, client: Client) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from api.services import api_key_create
        from api.signing import public_key_text

        self.client = client
        self.private_key = Ed25519PrivateKey.generate()
        _, self.key = api_key_create(
            user=with_role(UserFactory(username="drill-machine"), "editor"),
            name="drill",
            scopes=["offerings:read", "offerings:write"],
            allowed_ips=["127.0.0.1/32"],
            public_key=public_key_text(self.private_key),
        )

    def get(self, path: str):
        return self.client.get(path, headers={"Authorization": f"Bearer {self.key}"})

    def post(self, path: str, record: dict):
        from api.client import key_id_of, signature_headers

        body = json.dumps(record).encode()
        signed = signature_headers(
            private_key=self.private_key,
            key_id=key_id_of(self.key),
            host="testserver",
            method="POST",
            path=path,
            query="",
            body=body,
        )
        headers = {"Authorization": f"Bearer {self.key}", **signed}
        return self.client.post(path, body, content_type="application/json", headers=headers)


@pytest.fixture
def api(transactional_db) -> ApiCaller:
    """A machine calling the API; skipped while the API is not in the tree."""
    pytest.importorskip("api.services", reason="the API (api/) is not in this tree yet")
    return ApiCaller(Client(raise_request_exception=False))


@pytest.fixture
def postgres(transactional_db) -> None:
    """Skip unless the tests run on PostgreSQL (the drill needs a server to kill)."""
    if connection.vendor != "postgresql":
        pytest.skip("this drill needs PostgreSQL (set DATABASE_URL to a postgres:// URL)")


def database_url() -> str:
    """The test database as a URL, so that processes we start see the committed rows."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def backend_terminate(pid: int) -> None:
    """Kill a PostgreSQL backend for real, from a second connection."""
    with psycopg.connect(database_url(), autocommit=True) as admin:
        killed = admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    assert killed, f"PostgreSQL backend {pid} was not terminated"


class CeleryWorker:
    """A real `celery worker` (solo pool) against our Redis and the test database."""

    def __init__(self, redis: RedisServer, logdir: Path, name: str, **env: str) -> None:
        self.redis, self.name = redis, name
        self.log_path = logdir / f"worker-{name}.log"
        self.env = {
            **os.environ,
            "CELERY_BROKER_URL": redis.url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DATABASE_URL": database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> CeleryWorker:
        command = [sys.executable, "-c", WORKER_MAIN, "--pool", "solo", "-c", "1", "-l", "INFO"]
        command += ["-n", f"{self.name}@drill", "--without-gossip", "--without-mingle"]
        command += ["--without-heartbeat"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for(self._ready, timeout=60, what=f"worker {self.name} ready")
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"worker {self.name} exited:\n{self.log()[-3000:]}")
        return " ready." in self.log()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no ack, no cleanup, like a machine that loses power."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_workers(postgres, tmp_path) -> Iterator:
    """Start workers with `celery_workers(redis, name, **env)`; all are stopped afterwards,
    before the test database is flushed."""
    started: list[CeleryWorker] = []

    def start(redis: RedisServer, name: str = "w1", **env: str) -> CeleryWorker:
        worker = CeleryWorker(redis, tmp_path, name, **env)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def broker(redis_server) -> Iterator[RedisServer]:
    """This process publishes tasks to our Redis instead of running them eagerly."""
    from config.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    _pools_reset(app)
    app.conf.update(broker_url=redis_server.url, task_always_eager=False)
    yield redis_server
    _pools_reset(app)
    app.conf.update(saved)


def _pools_reset(app) -> None:
    """Drop cached broker connections, so the next publish connects to the broker now set.

    kombu keeps its pools in process-wide registries keyed by connection: closing a pool
    without clearing them hands the closed pool to the next publish ("Acquire on closed pool")."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
