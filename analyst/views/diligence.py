"""Analyst pages of the diligence: the methodology, the track record, reviews of findings and
the review workflow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from analyst.access import analyst_required, browse_required, get_offering_for_user
from analyst.charts import Interval, ReliabilityBin, forest_chart, reliability_chart, roc_chart
from analyst.forms import FindingReviewForm, ManualFindingForm, WorkflowForm
from analyst.views.detail import (
    detail_context,
    detail_offering,
    diligence_context,
    offering_queryset,
)
from diligence.methodology import methodology
from diligence.models import FindingReview, OfferingReview
from diligence.roles import REVIEW_PERMISSION, is_team
from diligence.rules import CATEGORIES
from diligence.services import finding_review_create, offering_review_transition
from diligence.track_record import latest_track_record
from offerings.models import Offering

FINDINGS_PARTIAL = "analyst/offering_detail.html#findings"
WORKFLOW_PARTIAL = "analyst/offering_detail.html#workflow"
BACKTEST_COMMAND = "python manage.py backtest --label <field or CSV file> --json"


@require_GET
@browse_required
def methodology_page(request):
    checklist = methodology()
    categories = [
        (title, [rule for rule in checklist["rules"] if rule["category"] == category])
        for category, title in CATEGORIES.items()
    ]
    path = backtest_path()
    return render(
        request,
        "analyst/methodology.html",
        {
            "methodology": checklist,
            "categories": [(title, rules) for title, rules in categories if rules],
            **validation_charts(checklist),
            "backtest_path": path,
            "backtest": backtest_report(path),
            "backtest_command": f"{BACKTEST_COMMAND} {path}",
        },
    )


def validation_charts(checklist: dict[str, Any]) -> dict[str, Any]:
    """The weights' validation as charts: the out-of-time ROC curve, the calibration
    (reliability) diagram and every fitted rule's points with their 95% interval."""
    validation = checklist.get("validation") or {}
    fitted = [
        rule for rule in checklist["rules"] if rule["fitted"] and rule["fit"].get("flag_points_ci")
    ]
    fitted.sort(key=lambda rule: -float(rule["flag_points"]))
    return {
        "validation_roc_chart": roc_chart([tuple(p) for p in validation.get("roc") or []])
        if validation.get("roc")
        else None,
        "validation_reliability_chart": reliability_chart(
            [
                ReliabilityBin(b["predicted"], b["observed"], b["n"])
                for b in validation.get("calibration") or []
            ]
        )
        if validation.get("calibration")
        else None,
        "points_chart": forest_chart(
            [
                Interval(
                    rule["code"],
                    float(rule["flag_points"]),
                    float(rule["fit"]["flag_points_ci"][0]),
                    float(rule["fit"]["flag_points_ci"][1]),
                )
                for rule in fitted
            ]
        )
        if fitted
        else None,
        "points_rows": fitted,
    }


def backtest_path() -> Path:
    return Path(settings.OFFERWATCH_BACKTEST_REPORT)


def backtest_report(path: Path) -> dict[str, Any] | None:
    """The figures `manage.py backtest --json` wrote, made readable; None when there are none."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return {"error": f"{path} could not be read: {exc}"}
    data = data.get("current_scores", data)  # since 2.0 the report also holds the validation
    return {
        "labelled": data.get("labelled"),
        "positives": data.get("positives"),
        "base_rate": _percent(data.get("base_rate")),
        "auc": _decimals(data.get("auc")),
        "coverage_auc": _decimals(data.get("coverage_auc")),
        "precision_at": [(k, _percent(v)) for k, v in (data.get("precision_at") or {}).items()],
        "rules": [
            rule
            | {
                "flagged_positive_rate": _percent(rule.get("flagged_positive_rate")),
                "passed_positive_rate": _percent(rule.get("passed_positive_rate")),
                "lift": _decimals(rule.get("lift"), 2),
            }
            for rule in data.get("rules", [])
        ],
    }


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _decimals(value: float | None, places: int = 3) -> str:
    return "—" if value is None else f"{value:.{places}f}"


@require_POST
@analyst_required
def finding_review(request, slug: str):
    """Confirm or overturn a finding, or add a manual one; htmx gets the findings region back."""
    if not request.user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied(f"reviewing findings needs {REVIEW_PERMISSION} (the analyst role)")
    offering = get_offering_for_user(request, slug, offering_queryset(request))
    manual = request.POST.get("verdict") == FindingReview.Verdict.MANUAL
    form = ManualFindingForm(request.POST) if manual else FindingReviewForm(request.POST)
    review = _review_save(form, offering, request.user, manual)
    code = review.rule_code if review else request.POST.get("rule_code", "")
    if not request.htmx:
        if review:
            messages.success(request, _review_message(review))
        else:
            messages.error(request, f"Review not saved: {_error_text(form)}")
        anchor = f"#finding-{code}" if code else "#findings"
        return redirect(reverse("offerings:detail", args=[offering.slug]) + anchor)
    context = {"offering": offering, **diligence_context(offering, team=True)}
    if review:
        context["review_message"] = _review_message(review, applied=_applied(review, context))
    elif manual:
        context["manual_form"] = form
    elif not _attach_form(context["categories"], form):
        context["review_error"] = f"Review not saved: {_error_text(form)}"
    context["reviewed_code"] = code
    return render(request, FINDINGS_PARTIAL, context)


def _review_save(form, offering: Offering, author, manual: bool) -> FindingReview | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    if manual:
        # A manual finding's code comes from its title; the service prefixes it with "manual.".
        code = slugify(data["title"])[:50] or "finding"
        arguments = {"verdict": FindingReview.Verdict.MANUAL, "rule_code": code}
    else:
        arguments = {"verdict": data["verdict"], "rule_code": data["rule_code"]}
    try:
        return finding_review_create(
            offering=offering,
            author=author,
            note=data["note"],
            outcome=data["outcome"] or None,
            title=data.get("title", ""),
            severity=data.get("severity", ""),
            **arguments,
        )
    except ValidationError as error:
        form.add_service_errors(error)
        return None


def _applied(review: FindingReview, context: dict[str, Any]) -> bool:
    """Whether the assessment shown already reflects the review (rescoring may be queued)."""
    return any(
        finding.review_id == review.pk
        for _, findings in context["categories"]
        for finding in findings
    )


def _review_message(review: FindingReview, applied: bool = True) -> str:
    if review.verdict == FindingReview.Verdict.MANUAL:
        text = f"Added the manual finding “{review.title}”."
    elif review.verdict == FindingReview.Verdict.CONFIRM:
        text = f"Confirmed {review.rule_code}."
    else:
        text = f"Overturned {review.rule_code} to {review.get_outcome_display().lower()}."
    return text if applied else f"{text} The score is being recalculated; reload to see it."


def _error_text(form) -> str:
    return "; ".join(
        f"{name}: {message}" if name != "__all__" else message
        for name, errors in form.errors.items()
        for message in errors
    )


def _attach_form(categories, form: FindingReviewForm) -> bool:
    """Give the form with its errors back to the finding it was posted for, if it is shown."""
    for _, findings in categories:
        for finding in findings:
            if finding.rule_code == form.data.get("rule_code") and finding.rule:
                finding.review_form = form
                return True
    return False


@require_POST
@analyst_required
def workflow(request, slug: str):
    """Move the offering through draft → in review → approved; the service decides who may."""
    offering = get_offering_for_user(request, slug, offering_queryset(request))
    form = WorkflowForm(request.POST)
    status, error, done = 200, "", None
    if form.is_valid():
        try:
            done = offering_review_transition(
                offering=offering, user=request.user, action=form.cleaned_data["action"]
            )
        except PermissionDenied as exc:
            status, error = 403, str(exc)
        except ValidationError as exc:
            form.add_service_errors(exc)
    if done is None and not error:
        error = _error_text(form)
    if request.htmx:
        context = {"offering": offering, "workflow": _workflow(offering), "workflow_error": error}
        context["team"] = True
        if done:
            context["workflow_message"] = f"The offering is now {done.get_state_display().lower()}."
        return render(request, WORKFLOW_PARTIAL, context, status=status)
    if status == 403:
        context = detail_context(
            detail_offering(request, slug), request.user, team=is_team(request.user)
        )
        context["workflow_error"] = error
        return render(request, "analyst/offering_detail.html", context, status=403)
    if done:
        messages.success(request, f"The offering is now {done.get_state_display().lower()}.")
    else:
        messages.error(request, f"Workflow not changed: {error}")
    return redirect(reverse("offerings:detail", args=[offering.slug]) + "#workflow")


def _workflow(offering: Offering) -> OfferingReview | None:
    return (
        OfferingReview.objects.select_related("submitted_by", "approved_by")
        .filter(offering=offering)
        .first()
    )


@require_GET
@analyst_required
def track_record_page(request):
    """The live scoreboard as the last beat run stored it (one query for the figures)."""
    record = latest_track_record()
    return render(
        request,
        "analyst/track_record.html",
        {"record": record, **(track_record_charts(record.result) if record else {})},
    )


def track_record_charts(result: dict[str, Any]) -> dict[str, Any]:
    """The stored figures as chart geometry and table rows."""
    bins = result.get("calibration") or []
    auc_value, ci = result.get("auc"), result.get("auc_ci")
    return {
        "roc_chart": roc_chart([tuple(point) for point in result.get("roc") or []]),
        "reliability_chart": reliability_chart(
            [ReliabilityBin(b["predicted"], b["observed"], b["count"]) for b in bins]
        ),
        "auc_chart": forest_chart(
            [Interval("AUC, frozen scores", auc_value, ci[0], ci[1])],
            reference=0.5,
            domain=(0.0, 1.0),
        )
        if auc_value is not None and ci
        else None,
        "calibration_rows": [
            {
                "range": f"{b['low']:.0%}–{b['high']:.0%}",
                "count": b["count"],
                "predicted": _percent(b["predicted"]),
                "observed": _percent(b["observed"]),
            }
            for b in bins
        ],
        "roc_rows": [
            (_decimals(fpr), _decimals(tpr))
            for fpr, tpr in _thinned(result.get("roc") or [], TABLE_ROC_POINTS)
        ],
        "precision_rows": [
            (k, _percent(value)) for k, value in (result.get("precision_at_k") or {}).items()
        ],
        "base_rate": _percent(result.get("base_rate")),
        "auc": _decimals(auc_value),
        "auc_ci": f"{_decimals(ci[0])}–{_decimals(ci[1])}" if ci else "—",
        "track_record_command": "python manage.py backtest --live --json track-record.json",
    }


TABLE_ROC_POINTS = 11  # the table beside the ROC curve lists this many of its points


def _thinned(points: list, count: int) -> list:
    if len(points) <= count:
        return points
    step = (len(points) - 1) / (count - 1)
    return [points[round(n * step)] for n in range(count)]
