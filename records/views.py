"""Confirming or rejecting a public-record match from the offering page (htmx, or a plain
form post that comes back to the page)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import permission_required
from records.matching import DECIDE_PERMISSION, record_match_confirm, record_match_reject
from records.models import RecordMatch

DECISIONS = {"confirm": record_match_confirm, "reject": record_match_reject}


@require_POST
@permission_required(DECIDE_PERMISSION, "analyst")
def record_match_decide(request, pk: int, decision: str):
    match = get_object_or_404(
        RecordMatch.objects.select_related("offering", "record"),
        pk=pk,
        offering__deleted_at__isnull=True,
    )
    if decision not in DECISIONS:
        raise PermissionDenied(f"decision ({decision!r}) must be confirm or reject")
    error = ""
    try:
        match = DECISIONS[decision](
            match=match, user=request.user, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        error = "; ".join(exc.messages)
    if request.htmx:
        match = RecordMatch.objects.select_related("record", "decided_by").get(pk=match.pk)
        return render(
            request,
            "records/_public_records.html#record-match",
            {"match": match, "error": error, "can_decide_records": True, "team": True},
        )
    if error:
        messages.error(request, error)
    return redirect("offerings:detail", slug=match.offering.slug)
