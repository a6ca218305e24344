"""Turning the domain's signals into webhook events, published once the change commits.

offerings_changed sent for an Offering → offering.created / offering.updated (`created_ids`
tells them apart);
diligence's assessments_changed → assessment.changed for every new assessment, and
risk.changed when an assessed offering's risk level moved; listings_changed → listing.changed;
contract_changed → contract.changed, carrying the changes the contract re-check found.
unlocks_upcoming (the daily unlock alerts) → unlock.upcoming, once per unlock and lead time.
The receivers only note the events: the fan-out runs after commit (see dispatch.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from api.webhooks.dispatch import OfferingEvent, events_publish
from api.webhooks.models import Event
from api.webhooks.payloads import score_text
from diligence.changes import AssessmentChange
from offerings.models import Offering


def on_offerings_changed(
    sender, offering_ids: Iterable[int], created_ids: Iterable[int] = (), **kwargs
) -> None:
    # Only the offering's own record: market data, venues and documents announce themselves
    # through listing.changed and the assessment events their rescoring brings.
    if sender is not Offering:
        return
    created = set(created_ids or ())
    _publish_on_commit(
        [
            OfferingEvent(Event.OFFERING_CREATED if pk in created else Event.OFFERING_UPDATED, pk)
            for pk in dict.fromkeys(offering_ids)
        ]
    )


def on_listings_changed(sender, offering_ids: Iterable[int], **kwargs) -> None:
    _publish_on_commit(
        [OfferingEvent(Event.LISTING_CHANGED, pk) for pk in dict.fromkeys(offering_ids)]
    )


def on_contract_changed(sender, changes: dict[int, list[dict]], **kwargs) -> None:
    _publish_on_commit(
        [
            OfferingEvent(Event.CONTRACT_CHANGED, pk, {"changes": diffs})
            for pk, diffs in changes.items()
        ]
    )


def on_unlocks_upcoming(sender, announcements: Iterable, **kwargs) -> None:
    _publish_on_commit(
        [
            OfferingEvent(Event.UNLOCK_UPCOMING, announcement.offering_id, announcement.data())
            for announcement in announcements
        ]
    )


def on_assessments_changed(sender, changes: Iterable[AssessmentChange], **kwargs) -> None:
    events = []
    for change in changes:
        data = {
            "old": {
                "score": score_text(change.old_score),
                "grade": change.old_grade or None,
                "risk": change.old_risk or None,
                "flags": list(change.old_flags),
            },
            "new": {
                "score": score_text(change.new_score),
                "grade": change.new_grade or None,
                "risk": change.new_risk or None,
                "flags": list(change.new_flags),
            },
        }
        events.append(OfferingEvent(Event.ASSESSMENT_CHANGED, change.offering_id, data))
        if change.risk_changed:
            events.append(OfferingEvent(Event.RISK_CHANGED, change.offering_id, data))
    _publish_on_commit(events)


def _publish_on_commit(events: Sequence[OfferingEvent]) -> None:
    if events:
        occurred_at = timezone.now()
        # robust: the change has committed; a failed fan-out is logged, not the caller's error.
        transaction.on_commit(
            lambda: events_publish(events=events, occurred_at=occurred_at), robust=True
        )
