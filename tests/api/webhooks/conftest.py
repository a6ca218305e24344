from __future__ import annotations

import pytest

from api.webhooks.models import Event
from api.webhooks.services import endpoint_create
from tests.api.webhooks.receiver import Receiver
from tests.conftest import with_role
from tests.factories import UserFactory

# The real Redis, Celery worker and PostgreSQL fixtures of the fault drills (test_worker.py).
from tests.integration.conftest import (  # noqa: F401
    broker,
    celery_workers,
    postgres,
    redis_server,
)

PUBLIC = "93.184.216.34"


def public_resolver(host: str, port: int) -> list[str]:
    return [PUBLIC]


@pytest.fixture
def owner(db):
    return with_role(UserFactory(username="hook-owner"), "analyst")


@pytest.fixture
def outsider(db):
    return with_role(UserFactory(username="hook-outsider"), "analyst")


@pytest.fixture
def receiver(settings):
    """A live local receiver; private addresses and http:// allowed for the test."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    with Receiver() as live:
        yield live


@pytest.fixture
def make_endpoint(owner):
    def make(url: str = "https://hooks.example.com/in", events=None, user=None, **kwargs):
        return endpoint_create(
            owner=user or owner,
            url=url,
            events=events or list(Event.values),
            resolver=public_resolver,
            **kwargs,
        )

    return make
