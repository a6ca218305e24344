"""What the signed-in home page shows: each block one cheap, limited query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q

from analyst.models import Notification
from offerings.models import Offering, UnlockEvent

BLOCK_ROWS = 8
SALE_DAYS = 14
UNLOCK_DAYS = 30


def sales_soon(today: dt.date) -> list[Offering]:
    """Public sales starting or ending within SALE_DAYS, soonest first (1 query)."""
    until = today + dt.timedelta(days=SALE_DAYS)
    starting = Q(start_date__gte=today, start_date__lte=until)
    ending = Q(end_date__gte=today, end_date__lte=until)
    offerings = list(
        Offering.objects.filter(starting | ending)
        .only("name", "slug", "symbol", "start_date", "end_date")
        .order_by("start_date", "id")[: BLOCK_ROWS * 2]
    )
    for offering in offerings:
        starts = offering.start_date is not None and today <= offering.start_date <= until
        offering.soon = ("starts", offering.start_date) if starts else ("ends", offering.end_date)
    return sorted(offerings, key=lambda o: (o.soon[1], o.name))[:BLOCK_ROWS]


def unlocks_over(today: dt.date, threshold: Decimal) -> list[UnlockEvent]:
    """The next unlocks of at least `threshold`% of circulating supply (1 query)."""
    return list(
        UnlockEvent.objects.between(today, today + dt.timedelta(days=UNLOCK_DAYS))
        .at_least(threshold)
        .select_related("offering")
        .only(
            "date",
            "bucket",
            "percent_of_circulating",
            "offering__name",
            "offering__slug",
            "offering__symbol",
        )
        .order_by("date", "-percent_of_circulating", "id")[:BLOCK_ROWS]
    )


def risk_news(user: Any, since: dt.datetime | None) -> list[Notification]:
    """Risk changes and new flags on watched offerings since the last visit (1 query)."""
    notifications = user.notifications.filter(
        kind__in=[Notification.Kind.RISK_CHANGED, Notification.Kind.NEW_FLAG]
    )
    if since is not None:
        notifications = notifications.filter(created_at__gt=since)
    return list(
        notifications.select_related("offering").only(
            "user_id", "kind", "message", "created_at", "offering__slug"
        )[:BLOCK_ROWS]
    )


def watched_changes(user: Any, since: dt.datetime | None) -> list[Offering]:
    """Watched offerings whose record changed since the last visit, latest first (1 query)."""
    offerings = Offering.objects.filter(watches__user=user)
    if since is not None:
        offerings = offerings.filter(updated_at__gt=since)
    return list(
        offerings.only("name", "slug", "symbol", "updated_at").order_by("-updated_at", "-id")[
            :BLOCK_ROWS
        ]
    )
