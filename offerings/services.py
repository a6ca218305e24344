"""Writes of single offerings: the same validation and write path as the bulk importer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from offerings.importing import ImportReport, SourceRow, offerings_import
from offerings.models import (
    AnalystPreferences,
    Notification,
    Offering,
    SecurityIncident,
    Venue,
    Watch,
)
from offerings.models.watch import feed_token_new


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
    if slug and Offering.objects.filter(slug=slug).exists():
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


def offering_delete(*, offering: Offering, user: Any = None) -> None:
    """Delete an offering with its parts, documents, assessments and reviews (history is kept)."""
    with transaction.atomic():
        offering._change_reason = "deleted"
        if user is not None:
            offering._history_user = user
        offering.delete()


def preferences_get(*, user: Any) -> AnalystPreferences:
    """The analyst's preferences, created with the defaults on first use."""
    preferences, _ = AnalystPreferences.objects.get_or_create(user=user)
    return preferences


def preferences_update(*, user: Any, unlock_threshold_percent: Any) -> AnalystPreferences:
    """Set the share of circulating supply from which unlocks alert the analyst."""
    preferences = preferences_get(user=user)
    preferences.unlock_threshold_percent = unlock_threshold_percent
    preferences.full_clean()
    preferences.save(update_fields=["unlock_threshold_percent"])
    return preferences


def feed_token_renew(*, user: Any) -> str:
    """A new secret for the analyst's calendar feed URL; the previous URL stops working."""
    preferences = preferences_get(user=user)
    preferences.feed_token = feed_token_new()
    preferences.save(update_fields=["feed_token"])
    return preferences.feed_token


def feed_token_revoke(*, user: Any) -> None:
    """Turn the analyst's calendar feed off: its URL answers 404 from now on."""
    AnalystPreferences.objects.filter(user=user).update(feed_token=None)


def home_visit_record(*, user: Any, now: Any) -> tuple[AnalystPreferences, Any]:
    """Note the analyst's visit of the home page; return their preferences and the previous
    visit's time (None the first time)."""
    preferences = preferences_get(user=user)
    previous = preferences.home_seen_at
    AnalystPreferences.objects.filter(pk=preferences.pk).update(home_seen_at=now)
    return preferences, previous
