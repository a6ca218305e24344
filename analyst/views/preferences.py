"""The analyst's settings page: the unlock alert threshold and the calendar feed link."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from analyst.access import analyst_required
from analyst.models import AnalystPreferences
from analyst.services import (
    feed_token_renew,
    feed_token_revoke,
    preferences_get,
    preferences_update,
)


class ThresholdForm(forms.ModelForm):
    class Meta:
        model = AnalystPreferences
        fields = ["unlock_threshold_percent"]


@require_http_methods(["GET", "POST"])
@analyst_required
def analyst_settings(request):
    preferences = preferences_get(user=request.user)
    form = ThresholdForm(instance=preferences)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "feed_renew":
            feed_token_renew(user=request.user)
            messages.success(request, "New calendar link made; the previous one stopped working.")
            return redirect("offerings:settings")
        if action == "feed_revoke":
            feed_token_revoke(user=request.user)
            messages.success(request, "Calendar link revoked.")
            return redirect("offerings:settings")
        form = ThresholdForm(request.POST, instance=preferences)
        if form.is_valid():
            try:
                preferences_update(
                    user=request.user,
                    unlock_threshold_percent=form.cleaned_data["unlock_threshold_percent"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Unlock alert threshold saved.")
                return redirect("offerings:settings")
    feed_url = (
        request.build_absolute_uri(reverse("offerings:unlock_feed", args=[preferences.feed_token]))
        if preferences.feed_token
        else None
    )
    return render(request, "analyst/settings.html", {"form": form, "feed_url": feed_url})
