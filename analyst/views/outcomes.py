"""Analysts record what happened to an offering after its sale (with a source)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from analyst.access import analyst_required, can_record_outcomes, get_offering_for_user
from analyst.forms import SaleOutcomeForm
from diligence.models import Assessment
from offerings.models import Offering
from offerings.outcomes import sale_outcome_record

OUTCOMES_PARTIAL = "analyst/offering_detail.html#outcomes"


@require_POST
@analyst_required
def outcome_add(request, slug: str):
    """Record an analyst's outcome; htmx gets the outcomes region back, a plain form a redirect."""
    if not can_record_outcomes(request.user):
        raise PermissionDenied("recording outcomes needs the “add sale outcome” permission")
    offering = get_offering_for_user(request, slug, Offering.objects.only("pk", "slug", "name"))
    form = SaleOutcomeForm(request.POST)
    outcome = None
    if form.is_valid():
        try:
            outcome = sale_outcome_record(offering=offering, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
    message = f"Recorded the outcome “{outcome.get_kind_display()}”." if outcome else ""
    if request.htmx:
        context = outcomes_context(offering, request.user) | {
            "offering": offering,
            "outcome_form": SaleOutcomeForm() if outcome else form,
            "outcome_message": message,
        }
        # 200 either way: htmx swaps only 2xx answers, and the errors are shown in the form.
        return render(request, OUTCOMES_PARTIAL, context)
    if outcome:
        messages.success(request, message)
    else:
        errors = "; ".join(m for field_errors in form.errors.values() for m in field_errors)
        messages.error(request, f"Outcome not recorded: {errors}")
    return redirect(reverse("offerings:detail", args=[offering.slug]) + "#outcomes")


def outcomes_context(offering: Offering, user) -> dict:
    """The offering's outcomes with who recorded them (one query when an analyst recorded
    one, none otherwise: the page prefetched them), its frozen as-of-sale-end assessment
    (one query) and whether the user may record outcomes (see can_record_outcomes)."""
    outcomes = list(offering.outcomes.all())
    recorded = [outcome for outcome in outcomes if outcome.recorded_by_id]
    if recorded:
        prefetch_related_objects(recorded, "recorded_by")
    return {
        "sale_outcomes": outcomes,
        "sale_end_assessment": Assessment.objects.sale_end().filter(offering=offering).first(),
        "can_record_outcomes": can_record_outcomes(user),
    }
