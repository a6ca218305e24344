"""Who may see and do what in the analyst pages. Checked in views, never only in templates."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts.decorators import permission_required
from offerings.models import Offering

__all__ = [
    "analyst_required",
    "browse_required",
    "can_browse",
    "can_record_outcomes",
    "get_offering_for_user",
    "permission_required",
]

VIEW_PERMISSION = "offerings.view_offering"
OUTCOME_PERMISSION = "offerings.add_saleoutcome"


def can_browse(user) -> bool:
    """Signed-in users with a role (viewer or above), or anyone with public browsing on."""
    if settings.OFFERWATCH_PUBLIC_BROWSING and not user.is_authenticated:
        return True
    return user.is_authenticated and user.has_perm(VIEW_PERMISSION)


def browse_required(view: Callable) -> Callable:
    """Read-only pages: signed-in analysts, or anyone when OFFERWATCH_PUBLIC_BROWSING=1."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_browse(request.user):
            if request.user.is_authenticated:
                raise PermissionDenied(f"browsing needs {VIEW_PERMISSION} (the viewer role)")
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


# Watchlists, reviews, workflow and exports are for signed-in users; each view then checks the
# permission of its action (permission_required below, or the service).
analyst_required = login_required


def can_record_outcomes(user) -> bool:
    """Whether the user may record an offering's outcome (failed, exit scam …): the "add sale
    outcome" permission of the analyst role (read with the user's other permissions, once)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(OUTCOME_PERMISSION))


def get_offering_for_user(request, slug: str, queryset: QuerySet | None = None) -> Offering:
    """The offering `slug` as the visitor may see it, for every view of one offering: a live
    one (soft-deleted offerings are gone for everyone), read from `queryset` (default: the bare
    offering), to a visitor who may browse; 404 for an unknown slug, 403 for a visitor without
    the viewer role. The view still checks the permission of its action, and the service too."""
    if not can_browse(request.user):
        raise PermissionDenied(f"viewing an offering needs {VIEW_PERMISSION} (the viewer role)")
    queryset = Offering.objects.all() if queryset is None else queryset
    try:
        return queryset.filter(deleted_at__isnull=True).get(slug=slug)
    except Offering.DoesNotExist:
        raise Http404(f"no offering {slug!r}") from None
