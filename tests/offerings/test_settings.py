import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "secret",
    [None, "", "dev-only-insecure-key-do-not-use-in-production", "short"],
    ids=["missing", "empty", "development-default", "too-short"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    env = {"DJANGO_DEBUG": "0"}
    if secret is not None:
        env["DJANGO_SECRET_KEY"] = secret
    result = _check(env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("s" * 50)
    result = _check({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY_FILE": str(secret_file)})
    assert result.returncode == 0, result.stderr


def test_a_malformed_boolean_setting_fails_loudly():
    result = _check({"DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr


def test_development_runs_without_any_configuration():
    result = _check({"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr


def test_every_environment_variable_the_settings_read_is_documented_in_env_example():
    import re

    pattern = r'env(?:str|int|bool|list|secret)\(\s*"([A-Z0-9_]+)"'
    read = set(re.findall(pattern, _settings_source()))
    documented = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "the pattern no longer finds the settings' environment variables"
    assert read - documented == set()


def _settings_source() -> str:
    return (ROOT / "config" / "settings.py").read_text()


def test_every_beat_entry_names_a_task_a_worker_registers(settings):
    from config.celery import app

    app.loader.import_default_modules()  # what a worker imports at start
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "diligence.queueing.rescore_sweep_task" in scheduled
    assert scheduled - set(app.tasks) == set()
