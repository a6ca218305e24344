"""Permission checks for views of every app (the analyst pages, the API's key pages)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def permission_required(permission: str, role: str) -> Callable:
    """Signed-in users holding `permission`; others get a 403 that names it and the role."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(permission):
                raise PermissionDenied(f"this needs {permission} (the {role} role)")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
