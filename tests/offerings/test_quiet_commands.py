"""Issue 13.6: `make run` shows the server, the admin login and real warnings, nothing else:
no "Task … succeeded in …" line per eager task, no "No hostname was supplied" per command."""

from __future__ import annotations

import io
import logging

import pytest
from celery import Celery
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_load_demo_logs_no_line_per_eager_task(caplog, django_capture_on_commit_callbacks):
    with caplog.at_level(logging.NOTSET), django_capture_on_commit_callbacks(execute=True) as run:
        call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert run, "load_demo queues its rescores after commit"
    messages = [record.getMessage() for record in caplog.records]
    assert not [m for m in messages if "succeeded in" in m]
    # A task's failure (ERROR) and retry (WARNING) are still logged.
    assert logging.getLogger("celery.app.trace").isEnabledFor(logging.WARNING)


def test_an_eager_task_without_a_broker_url_does_not_warn_about_a_hostname(caplog):
    # A fresh app configured like the project's: the project app's producer pool, once made by
    # an earlier test, would not warn again.
    app = Celery("probe", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    assert app.conf.task_always_eager
    # kombu warns when the broker URL names no host (it falls back to its default one).
    assert app.connection_for_write().hostname
    with caplog.at_level(logging.DEBUG, logger="kombu"), app.producer_or_acquire(None):
        pass
    assert not [r for r in caplog.records if "No hostname" in r.getMessage()]
