"""`make prod`'s launcher (ops/prod.py): production settings whatever the shell says, a secret
made once outside the repository, the Procfile's queues and the graceful-stop settings. The
whole stack runs in `make prod-smoke` (ops/smoke.py)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.conf import settings
from honcho.environ import parse_procfile

from ops.prod import ROOT, environment

PROCFILE = parse_procfile((ROOT / "Procfile").read_text()).processes


def test_debug_is_off_and_a_secret_is_made_once_readable_by_its_owner_only(tmp_path):
    base = {"DJANGO_DEBUG": "1", "OFFERWATCH_STATE_DIR": str(tmp_path / "state")}
    base["OFFERWATCH_SECRET_KEY_PATH"] = str(tmp_path / "config" / "secret_key")

    env = environment(base)

    assert env["DJANGO_DEBUG"] == "0"
    secret = Path(env["DJANGO_SECRET_KEY_FILE"])
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text()) >= 64
    assert "DJANGO_SECRET_KEY" not in env
    made = secret.read_text()
    assert Path(environment(base)["DJANGO_SECRET_KEY_FILE"]).read_text() == made


def test_a_secret_given_by_the_environment_is_used_as_it_is(tmp_path):
    base = {"OFFERWATCH_STATE_DIR": str(tmp_path), "DJANGO_SECRET_KEY_FILE": "/run/secrets/k"}
    assert environment(base)["DJANGO_SECRET_KEY_FILE"] == "/run/secrets/k"


def test_a_secret_file_inside_the_repository_is_refused(tmp_path):
    base = {
        "OFFERWATCH_STATE_DIR": str(tmp_path),
        "OFFERWATCH_SECRET_KEY_PATH": str(ROOT / "secret_key"),
    }
    with pytest.raises(SystemExit, match="inside the repository"):
        environment(base)
    assert not (ROOT / "secret_key").exists()


def test_the_metrics_directory_starts_empty(tmp_path):
    stale = tmp_path / "prometheus" / "counter_123.db"
    stale.parent.mkdir()
    stale.write_text("old")
    env = environment({"OFFERWATCH_STATE_DIR": str(tmp_path)})
    assert env["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path / "prometheus")
    assert not stale.exists()


def test_the_procfile_runs_web_worker_and_beat_with_every_named_queue():
    assert set(PROCFILE) == {"web", "worker", "beat"}
    queues = PROCFILE["worker"].split("--queues ")[1].split()[0].split(",")
    assert sorted(queues) == sorted(settings.OPS_CELERY_QUEUES)
    assert {"market", "contract-check"} <= set(queues)
    # exec: the supervisor's SIGTERM reaches the server itself, not a shell.
    assert all(command.startswith("exec ") for command in PROCFILE.values())


def test_every_task_is_routed_to_a_queue_the_worker_consumes():
    from config.celery import app

    app.loader.import_default_modules()
    queues = set(settings.OPS_CELERY_QUEUES)
    for name in app.tasks:
        if name.startswith("celery."):
            continue
        route = app.amqp.router.route({}, name)
        assert route["queue"].name in queues, name
    assert app.amqp.router.route({}, "offerings.tasks.refresh_market_batch")["queue"].name == (
        "market"
    )
    assert app.amqp.router.route({}, "offerings.tasks.refresh_contract_risk_batch")[
        "queue"
    ].name == ("contract-check")


def test_a_stopped_task_goes_back_to_the_queue():
    # Warm shutdown finishes tasks; one a worker could not finish was never acknowledged.
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True


def test_the_deploy_examples_agree_with_the_app():
    deploy = ROOT / "deploy"
    env = (deploy / "offerwatch.env.example").read_text()
    nginx = (deploy / "nginx-offerwatch.conf").read_text()
    proxy = (deploy / "nginx-offerwatch-proxy.conf").read_text()
    # One proxy appending the client address: the app must trust exactly one hop.
    assert "API_TRUSTED_PROXY_COUNT=1" in env
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in proxy
    assert "DJANGO_BEHIND_TLS_PROXY=1" in env and "X-Forwarded-Proto $scheme" in proxy
    assert "listen 443 ssl" in nginx and "alias /srv/offerwatch/staticfiles/" in nginx
    worker = (deploy / "offerwatch-worker.service").read_text()
    assert "--queues celery,market,contract-check" in worker
    assert "--queues celery,market,contract-check" in PROCFILE["worker"]
    assert "KillMode=mixed" in worker


def test_empty_values_as_the_env_example_lists_them_mean_the_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    keep = tmp_path / "keep.txt"
    keep.write_text("not a metrics file")
    base = {
        "OFFERWATCH_STATE_DIR": str(tmp_path / "state"),
        "PROMETHEUS_MULTIPROC_DIR": "",
        "OFFERWATCH_SECRET_KEY_PATH": str(tmp_path / "secret"),
        "PORT": "",
    }
    env = environment(base)
    assert env["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path / "state" / "prometheus")
    assert env["PORT"] == "8000"
    assert keep.exists()
