from __future__ import annotations

from analyst.access import can_browse


def navigation(request) -> dict:
    """What the page header needs: whether the visitor may browse, and unread notifications."""
    user = request.user
    unread = None
    if user.is_authenticated:
        # Lazy: evaluated only if the header renders it (one query).
        unread = user.notifications.filter(read_at__isnull=True).count
    return {"can_browse": can_browse(user), "unread_notifications": unread}
