"""`make prod`: the production stack in one command.

Fills in production defaults for what the environment leaves unset (DEBUG off, PostgreSQL,
Redis broker and cache, JSON logs), makes a secret key once in a file outside the repository,
starts PostgreSQL and Redis when they are local and not running, migrates, collects the static
files, then supervises the Procfile's processes with honcho. SIGTERM (or Ctrl-C) stops them
gracefully: gunicorn finishes the requests in flight, Celery's warm shutdown finishes its tasks
(acks_late: a task it could not finish goes back to the queue), and only after
OFFERWATCH_STOP_TIMEOUT_S is anything left killed."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from honcho import manager as honcho_manager
from honcho.environ import expand_processes, parse_procfile
from honcho.manager import Manager

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/offerwatch",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "OPS_LOG_FORMAT": "json",
    "OPS_METRICS_ALLOWED_IPS": "127.0.0.1/32",
    "PORT": "8000",
    "OFFERWATCH_STATE_DIR": str(Path.home() / ".local" / "state" / "offerwatch"),
    "OFFERWATCH_STOP_TIMEOUT_S": "40",
}


def say(message: str) -> None:
    print(f"[prod] {message}", flush=True)


def environment(base: dict[str, str]) -> dict[str, str]:
    """The stack's environment: `base` with the production defaults where it is silent."""
    # An empty value (as .env.example lists them) means "unset": the default applies.
    given = {name: value for name, value in base.items() if value.strip()}
    env = {**DEFAULTS, **given, "DJANGO_DEBUG": "0"}
    # The Procfile's gunicorn and celery are this interpreter's (the project's virtualenv).
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    state = Path(env["OFFERWATCH_STATE_DIR"])
    state.mkdir(parents=True, exist_ok=True)
    if not env.get("DJANGO_SECRET_KEY") and not env.get("DJANGO_SECRET_KEY_FILE"):
        env["DJANGO_SECRET_KEY_FILE"] = str(secret_key_file(env))
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(state / "prometheus"))
    metrics_dir = Path(env["PROMETHEUS_MULTIPROC_DIR"])
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in metrics_dir.glob("*.db"):  # samples of a previous run are not live
        stale.unlink()
    return env


def secret_key_file(env: dict[str, str]) -> Path:
    """The secret key's file (made once, readable by its owner only), never in the repo."""
    default = Path.home() / ".config" / "offerwatch" / "secret_key"
    path = Path(env.get("OFFERWATCH_SECRET_KEY_PATH") or default).expanduser().resolve()
    if path.is_relative_to(ROOT):
        sys.exit(f"[prod] OFFERWATCH_SECRET_KEY_PATH={path} is inside the repository; refused")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
        say(f"made a secret key in {path}")
    return path


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _wait(host: str, port: int, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _answers(host, port):
            return
        time.sleep(0.5)
    sys.exit(f"[prod] {what} on {host}:{port} did not start")


def redis_ensure(url: str, state: Path) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    if _answers(host, port) or host not in LOOPBACK:
        return
    server = shutil.which("redis-server")
    if server is None:
        sys.exit(f"[prod] nothing answers on {host}:{port} and redis-server is not installed")
    say(f"starting redis-server on {host}:{port}")
    subprocess.run(
        [
            server,
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(state),
            "--logfile",
            str(state / "redis.log"),
        ],
        check=True,
    )
    _wait(host, port, "redis-server")


def postgres_ensure(url: str) -> None:
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    if not _answers(host, port) and host in LOOPBACK:
        clusters = Path("/etc/postgresql")
        if shutil.which("pg_ctlcluster") is None or not clusters.is_dir():
            sys.exit(f"[prod] PostgreSQL does not answer on {host}:{port}; start it first")
        version = sorted(path.name for path in clusters.iterdir())[0]
        say(f"starting PostgreSQL {version} on {host}:{port}")
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False
        )
        _wait(host, port, "PostgreSQL")
    database_ensure(url)


def database_ensure(url: str) -> None:
    """CREATE DATABASE when the URL's database does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            say(f"creating database {name}")
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_drop(url: str) -> None:
    """DROP DATABASE (the smoke test's throwaway one), ending its sessions first."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(parts.path.lstrip("/"))
            )
        )


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def supervise(env: dict[str, str]) -> int:
    """Run the Procfile under honcho until a process stops or a signal asks all to stop."""
    honcho_manager.KILL_WAIT = int(env["OFFERWATCH_STOP_TIMEOUT_S"])
    procfile = parse_procfile((ROOT / "Procfile").read_text())
    supervisor = GracefulManager()
    for process in expand_processes(procfile.processes, env=env):
        supervisor.add_process(process.name, process.cmd, env=process.env, cwd=str(ROOT))
    supervisor.loop()
    return supervisor.returncode or 0


class GracefulManager(Manager):
    """honcho signals each process's whole group; that would reach Celery's pool children and
    gunicorn's workers directly and cut their tasks and requests short. The stop goes to each
    entry's main process only, which stops its children gracefully."""

    def _killall(self, force: bool = False) -> None:
        if force:
            super()._killall(force=True)
            return
        for name, process in self._processes.items():
            if "returncode" in process or not process.get("pid"):
                continue
            self._system_print(f"sending SIGTERM to {name} (pid {process['pid']})\n")
            with contextlib.suppress(ProcessLookupError):
                os.kill(process["pid"], signal.SIGTERM)


def main() -> int:
    env = environment(dict(os.environ))
    state = Path(env["OFFERWATCH_STATE_DIR"])
    for url in {env["CELERY_BROKER_URL"], env["REDIS_URL"]}:
        if url.startswith("redis://"):
            redis_ensure(url, state)
    postgres_ensure(env["DATABASE_URL"])
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    say(f"serving on http://{env.get('OFFERWATCH_BIND', '127.0.0.1')}:{env['PORT']}/")
    return supervise(env)


if __name__ == "__main__":
    sys.exit(main())
