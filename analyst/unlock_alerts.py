"""Telling watchers of coming unlocks: 30, 7 and 1 days before (UNLOCK_ALERT_LEAD_DAYS).

Daily (celery beat) and idempotent: every alert sent is recorded (UnlockAlert) under the
unlock's offering, bucket and date and the lead time, so a re-run, or a run after the events
were recomputed, sends nothing twice. An analyst hears of the unlocks of the offerings they
watch whose share of circulating supply reaches their threshold (default 1%); webhook
subscribers get one `unlock.upcoming` event per unlock and lead time at the default threshold.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from analyst.models import AnalystPreferences, Notification, Watch
from offerings.amounts import canonical
from offerings.models import TokenAllocation, UnlockAlert, UnlockEvent
from offerings.signals import unlocks_upcoming

MESSAGE_LENGTH = Notification._meta.get_field("message").max_length
BUCKETS = dict(TokenAllocation.Bucket.choices)


@dataclass(frozen=True)
class Announcement:
    """One unlock (an offering's bucket on a date, its allocations summed) at one lead time."""

    offering_id: int
    offering_name: str
    bucket: str
    date: dt.date
    lead_days: int
    kind: str
    percent_of_circulating: Decimal
    percent_of_supply: Decimal | None
    tokens: Decimal | None

    @property
    def key(self) -> tuple[int, str, dt.date, int]:
        return (self.offering_id, self.bucket, self.date, self.lead_days)

    def message(self) -> str:
        when = "tomorrow" if self.lead_days == 1 else f"in {self.lead_days} days"
        return (
            f"{BUCKETS.get(self.bucket, self.bucket)} unlock of {self.offering_name} {when} "
            f"({self.date.isoformat()}): {canonical(self.percent_of_circulating)}% of "
            "circulating supply"
        )[:MESSAGE_LENGTH]

    def data(self) -> dict:
        return {
            "unlock": {
                "date": self.date.isoformat(),
                "bucket": self.bucket,
                "kind": self.kind,
                "days_ahead": self.lead_days,
                "percent_of_circulating": canonical(self.percent_of_circulating),
                "percent_of_supply": _text(self.percent_of_supply),
                "tokens": _text(self.tokens),
            }
        }


@dataclass
class AlertReport:
    notifications: int = 0
    announcements: int = 0
    already_sent: int = 0
    users: set[int] = field(default_factory=set)


def unlock_alerts_send(*, today: dt.date) -> AlertReport:
    """Send the alerts due today that were not sent before (at most 5 queries and 3 inserts)."""
    report = AlertReport()
    upcoming = _upcoming(today)
    if not upcoming:
        return report
    watchers = _watchers({a.offering_id for a in upcoming})
    default = AnalystPreferences.DEFAULT_UNLOCK_THRESHOLD
    wanted = [
        (user_id, a)
        for a in upcoming
        for user_id, threshold in watchers.get(a.offering_id, ())
        if a.percent_of_circulating >= (default if threshold is None else threshold)
    ]
    announced = [a for a in upcoming if a.percent_of_circulating >= default]
    with transaction.atomic():
        sent = _sent(upcoming)
        new_alerts = [(u, a) for u, a in wanted if (u, *a.key) not in sent]
        new_announcements = [a for a in announced if (None, *a.key) not in sent]
        report.already_sent = len(wanted) - len(new_alerts) + len(announced)
        report.already_sent -= len(new_announcements)
        # The constraints make a concurrent run fail here rather than send twice.
        UnlockAlert.objects.bulk_create(
            [_alert(user_id, a) for user_id, a in new_alerts]
            + [_alert(None, a) for a in new_announcements]
        )
        Notification.objects.bulk_create(
            [
                Notification(
                    user_id=user_id,
                    offering_id=a.offering_id,
                    kind=Notification.Kind.UNLOCK_SOON,
                    message=a.message(),
                )
                for user_id, a in new_alerts
            ],
            batch_size=1000,
        )
        if new_announcements:
            unlocks_upcoming.send(sender=UnlockAlert, announcements=new_announcements)
    report.notifications = len(new_alerts)
    report.announcements = len(new_announcements)
    report.users = {user_id for user_id, _ in new_alerts}
    return report


def _upcoming(today: dt.date) -> list[Announcement]:
    """The unlocks of known share on each lead day, an offering's bucket summed (1 query)."""
    leads = {today + dt.timedelta(days=days): days for days in settings.UNLOCK_ALERT_LEAD_DAYS}
    rows = (
        UnlockEvent.objects.filter(date__in=list(leads), percent_of_circulating__isnull=False)
        .order_by("offering_id", "date", "bucket", "pk")
        .values_list(
            "offering_id",
            "offering__name",
            "bucket",
            "date",
            "kind",
            "percent_of_circulating",
            "percent_of_supply",
            "tokens",
        )
    )
    merged: dict[tuple, list] = defaultdict(list)
    for row in rows:
        merged[(row[0], row[2], row[3])].append(row)
    upcoming = []
    for (offering_id, bucket, date), group in merged.items():
        upcoming.append(
            Announcement(
                offering_id=offering_id,
                offering_name=group[0][1],
                bucket=bucket,
                date=date,
                lead_days=leads[date],
                kind=group[0][4],
                percent_of_circulating=sum((r[5] for r in group), Decimal(0)),
                percent_of_supply=_sum([r[6] for r in group]),
                tokens=_sum([r[7] for r in group]),
            )
        )
    return upcoming


def _watchers(offering_ids: set[int]) -> dict[int, list[tuple[int, Decimal | None]]]:
    """Each offering's watchers with their threshold (None: the default), one query."""
    watchers: dict[int, list[tuple[int, Decimal | None]]] = defaultdict(list)
    rows = Watch.objects.filter(offering_id__in=sorted(offering_ids)).values_list(
        "offering_id", "user_id", "user__preferences__unlock_threshold_percent"
    )
    for offering_id, user_id, threshold in rows.order_by("offering_id", "user_id"):
        watchers[offering_id].append((user_id, threshold))
    return watchers


def _sent(upcoming: list[Announcement]) -> set[tuple]:
    """(user id or None, offering, bucket, date, lead) of the alerts already sent (1 query)."""
    dates = sorted({a.date for a in upcoming})
    rows = UnlockAlert.objects.filter(
        Q(date__in=dates), offering_id__in=sorted({a.offering_id for a in upcoming})
    ).values_list("user_id", "offering_id", "bucket", "date", "lead_days")
    return set(rows)


def _alert(user_id: int | None, a: Announcement) -> UnlockAlert:
    return UnlockAlert(
        user_id=user_id,
        offering_id=a.offering_id,
        bucket=a.bucket,
        date=a.date,
        lead_days=a.lead_days,
    )


def _sum(values: list[Decimal | None]) -> Decimal | None:
    return None if any(v is None for v in values) else sum(values, Decimal(0))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else canonical(value)
