from __future__ import annotations

from functools import partial

from analyst.access import can_browse


def navigation(request) -> dict:
    """What the page header needs: whether the visitor may browse, and unread notifications."""
    user = request.user
    unread = None
    if user.is_authenticated:
        # Lazy: the query is built and run only if the header renders it (a list's htmx
        # fragment does not).
        unread = partial(_unread_count, user)
    return {"can_browse": can_browse(user), "unread_notifications": unread}


def _unread_count(user) -> int:
    return user.notifications.filter(read_at__isnull=True).count()
