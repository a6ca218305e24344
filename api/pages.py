"""Analyst pages: your own API keys (create, roll, revoke) and the API documentation."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import permission_required
from api.forms import ApiKeyForm, RollForm
from api.models import ApiKey
from api.services import api_key_create, api_key_revoke, api_key_roll


def _own_key(request, key_id: str) -> ApiKey | None:
    """The signed-in user's key; another user's key is as absent as a missing one."""
    return ApiKey.objects.filter(user=request.user, key_id=key_id).first()


def _missing(request):
    return render(request, "api/key_missing.html", status=404)


def _page(request, form: ApiKeyForm, *, plaintext: str = "", shown: ApiKey | None = None):
    keys = ApiKey.objects.filter(user=request.user).order_by("name", "-created_at")
    response = render(
        request,
        "api/keys.html",
        {
            "keys": keys,
            "form": form,
            "roll_form": RollForm(),
            "plaintext": plaintext,
            "shown": shown,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
    # The page may carry a key in plain text: keep it out of every cache.
    response["Cache-Control"] = "no-store"
    return response


@permission_required("offerings.view_offering", "viewer")
def key_list(request):
    if request.method != "POST":
        return _page(request, ApiKeyForm())
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            api_key, plaintext = api_key_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_in_days=form.cleaned_data["expires_in_days"],
                allowed_ips=form.cleaned_networks(),
                public_key=form.cleaned_data["public_key"] or None,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return _page(request, ApiKeyForm(), plaintext=plaintext, shown=api_key)
    return _page(request, form)


@require_POST
@permission_required("offerings.view_offering", "viewer")
def key_roll(request, key_id: str):
    api_key = _own_key(request, key_id)
    if api_key is None:
        return _missing(request)
    form = RollForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Overlap: " + " ".join(form.errors["overlap_hours"]))
        return redirect("api:keys")
    try:
        new, plaintext = api_key_roll(
            api_key=api_key,
            overlap=dt.timedelta(hours=form.cleaned_data["overlap_hours"]),
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("api:keys")
    return _page(request, ApiKeyForm(), plaintext=plaintext, shown=new)


@require_POST
@login_required  # revoking one's own key never needs a role
def key_revoke(request, key_id: str):
    api_key = _own_key(request, key_id)
    if api_key is None:
        return _missing(request)
    api_key_revoke(api_key=api_key, actor=request.user)
    messages.success(request, f"Revoked {api_key.prefix}…: it stops working now.")
    return redirect("api:keys")


@require_GET
def api_docs(request):
    """The API reference, rendered in the browser from /api/schema/ (no third-party assets)."""
    return render(request, "api/docs.html")
