"""Webhooks follow the roles: endpoints are capped per user, and an owner who leaves the team
(the analyst role) stops receiving events at once."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from api.webhooks.dispatch import OfferingEvent, events_publish
from api.webhooks.models import Event, WebhookDelivery
from diligence.roles import role_assign
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def test_endpoints_per_user_are_capped_with_the_rule_named(make_endpoint, settings):
    settings.WEBHOOKS_ENDPOINTS_PER_USER = 2
    make_endpoint()
    make_endpoint()
    with pytest.raises(ValidationError, match=r"WEBHOOKS_ENDPOINTS_PER_USER=2"):
        make_endpoint()


def test_an_owner_who_loses_the_analyst_role_receives_nothing(make_endpoint, owner):
    make_endpoint(events=["offering.updated"])
    offering = OfferingFactory()
    events = [OfferingEvent(Event.OFFERING_UPDATED, offering.pk)]
    assert events_publish(events=events, occurred_at=timezone.now()) == 1
    role_assign(user=owner, role="analyst", remove=True)
    assert events_publish(events=events, occurred_at=timezone.now()) == 0
    assert WebhookDelivery.objects.count() == 1
