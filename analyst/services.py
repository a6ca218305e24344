"""The analyst's writes: watching offerings, reading notifications, their preferences."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from analyst.models import AnalystPreferences, Notification, Watch, feed_token_new
from offerings.models import Offering


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
