"""Writes of single offerings: the same validation and write path as the bulk importer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from offerings.importing import ImportReport, SourceRow, offerings_import
from offerings.models import Notification, Offering, SecurityIncident, Venue, Watch


def _raise_for(report: ImportReport) -> None:
    if report.errors:
        errors: dict[str, list[str]] = {}
        for problem in report.errors:
            errors.setdefault(problem.field, []).append(
                f"{problem.message} (got {problem.value!r})"
            )
        raise ValidationError(errors)


def offering_create(*, record: dict[str, Any], user: Any = None) -> Offering:
    """Create an offering from an interchange record; refuses one that already exists."""
    slug = record.get("slug")
    if slug and Offering.all_objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"an offering with slug {slug!r} already exists"})
    name, symbol = record.get("name") or "", record.get("symbol") or ""
    if (
        not slug
        and name
        and Offering.objects.filter(name__iexact=name, symbol__iexact=symbol).exists()
    ):
        raise ValidationError(
            {"name": f"an offering named {name!r} with symbol {symbol!r} already exists"}
        )
    report = offerings_import(rows=[SourceRow(1, record)], user=user, change_reason="created")
    _raise_for(report)
    return Offering.objects.get(slug=report.slugs[0])


def offering_update(*, offering: Offering, record: dict[str, Any], user: Any = None) -> Offering:
    """Change the fields named in `record` (a partial record leaves the others as they are)."""
    report = offerings_import(
        rows=[SourceRow(1, record)], user=user, change_reason="updated", target=offering
    )
    _raise_for(report)
    return Offering.objects.get(pk=offering.pk)


def venue_upsert(
    *, name: str, incidents: list[dict[str, Any]] | None = None, **fields: Any
) -> Venue:
    """Create or update a venue by name (and replace its incidents when given), validated."""
    with transaction.atomic():
        venue = Venue.objects.filter(name__iexact=name).first() or Venue(name=name)
        for field_name, value in fields.items():
            setattr(venue, field_name, value)
        if not venue.slug:
            venue.slug = slugify(name)[:140]
        venue.full_clean()
        venue.save()
        if incidents is not None:
            venue.incidents.all().delete()
            for values in incidents:
                incident = SecurityIncident(venue=venue, **values)
                incident.full_clean()
                incident.save()
    return venue


def watch_toggle(*, user: Any, offering: Offering, watching: bool | None = None) -> bool:
    """Start or stop `user` watching `offering` and say whether they now watch it.

    With `watching` given the call sets that state, so a repeated request changes nothing;
    without it the call flips the current state. Never more than one watch per user and offering.
    """
    watches = Watch.objects.filter(user=user, offering=offering)
    with transaction.atomic():
        if watching is None:
            watching = not watches.exists()
        if watching:
            # A concurrent request may have just created it: the constraint decides, quietly.
            Watch.objects.bulk_create([Watch(user=user, offering=offering)], ignore_conflicts=True)
        else:
            watches.delete()
    return watching


def notifications_mark_read(*, user: Any) -> int:
    """Mark every unread notification of `user` as read; returns how many were unread."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


DELETE_PERMISSION = "offerings.delete_offering"


def offering_delete(*, offering: Offering, user: Any) -> None:
    """Soft-delete an offering (the admin role only): it leaves every list, page, API reply,
    export and rescoring, while its reviews, assessments and change history are kept."""
    if user is None or not user.has_perm(DELETE_PERMISSION):
        raise PermissionDenied(
            f"deleting {offering.slug!r} needs the permission {DELETE_PERMISSION} (the admin role)"
        )
    with transaction.atomic():
        offering.deleted_at = timezone.now()
        offering._change_reason = "deleted"
        offering._history_user = user
        offering.save()
        Watch.objects.filter(offering=offering).delete()
