"""Who may see and do what in the analyst pages. Checked in views, never only in templates."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q


def can_browse(user) -> bool:
    return user.is_authenticated or settings.OFFERWATCH_PUBLIC_BROWSING


def browse_required(view: Callable) -> Callable:
    """Read-only pages: signed-in analysts, or anyone when OFFERWATCH_PUBLIC_BROWSING=1."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_browse(request.user):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


# Watchlists, reviews, workflow and exports are for signed-in analysts only.
analyst_required = login_required


def can_record_outcomes(user) -> bool:
    """Whether the user may record an offering's outcome (failed, exit scam …): the
    "add sale outcome" permission, directly or through a group (one query, none for a
    superuser or a visitor)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        Q(user=user) | Q(group__user=user),
        content_type__app_label="offerings",
        codename="add_saleoutcome",
    ).exists()
