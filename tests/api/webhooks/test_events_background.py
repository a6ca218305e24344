"""On PostgreSQL, rescoring writes chunks from threads: each commit still publishes its events."""

import pytest
from django.db import connection

from api.webhooks import dispatch
from api.webhooks.models import WebhookDelivery
from diligence.rescoring import assessments_refresh
from tests.factories import full_offering

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="background writers need PostgreSQL"
    ),
]


def test_every_chunk_written_in_the_background_announces_its_assessments(
    make_endpoint, monkeypatch
):
    queued: list[list[int]] = []
    monkeypatch.setattr(dispatch, "_send", queued.extend)
    offerings = [full_offering() for _ in range(5)]
    endpoint, _ = make_endpoint(events=["assessment.changed"])
    report = assessments_refresh(chunk=2)
    assert report.assessed == 5
    slugs = [d["data"]["slug"] for d in endpoint.deliveries.values_list("payload", flat=True)]
    assert sorted(slugs) == sorted(o.slug for o in offerings)
    assert sorted(pk for batch in queued for pk in batch) == sorted(
        WebhookDelivery.objects.values_list("pk", flat=True)
    )
