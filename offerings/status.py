"""An offering's status: declared by staff, or derived from its public-sale dates."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models.functions import Coalesce, NullIf


class Status(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"
    CANCELLED = "cancelled", "Cancelled"


def derive_status(start: dt.date | None, end: dt.date | None, today: dt.date) -> str | None:
    """The status the sale dates imply on `today`, or None when the dates do not say."""
    if start and start > today:
        return Status.UPCOMING
    if end and end < today:
        return Status.ENDED
    if start and start <= today:
        return Status.ACTIVE
    return None


def status_expression(today: dt.date) -> models.Expression:
    """The same rule as derive_status() as a database expression, honouring a declared status."""
    derived = models.Case(
        models.When(start_date__gt=today, then=models.Value(Status.UPCOMING.value)),
        models.When(end_date__lt=today, then=models.Value(Status.ENDED.value)),
        models.When(start_date__lte=today, then=models.Value(Status.ACTIVE.value)),
        default=models.Value(None),
        output_field=models.CharField(),
    )
    return Coalesce(NullIf("declared_status", models.Value("")), derived)
