"""Parsing the analysts' posts (reviews, workflow, outcomes); the rules they must meet live in
services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from diligence.models import FindingReview
from diligence.services import TRANSITIONS
from diligence.vocabulary import Outcome, Severity
from offerings.models import SaleOutcome

REVIEW_VERDICTS = [
    (FindingReview.Verdict.CONFIRM, "Confirm"),
    (FindingReview.Verdict.OVERTURN, "Overturn"),
]
OVERTURN_OUTCOMES = [
    (Outcome.PASS, Outcome.PASS.label),
    (Outcome.FLAG, Outcome.FLAG.label),
    (Outcome.NOT_APPLICABLE, Outcome.NOT_APPLICABLE.label),
]
MANUAL_OUTCOMES = [(Outcome.FLAG, Outcome.FLAG.label), (Outcome.PASS, Outcome.PASS.label)]
SEVERITIES = Severity.choices


class ServiceErrorsMixin:
    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's ValidationError beside the field it names, else above the form."""
        errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class FindingReviewForm(ServiceErrorsMixin, forms.Form):
    """Confirm a rule's finding, or overturn it to another outcome, with a note."""

    rule_code = forms.CharField(max_length=60, widget=forms.HiddenInput)
    verdict = forms.ChoiceField(choices=REVIEW_VERDICTS)
    outcome = forms.ChoiceField(choices=OVERTURN_OUTCOMES, required=False)
    note = forms.CharField(
        widget=forms.Textarea,
        max_length=4000,
        error_messages={"required": "a note is required: say why you confirm or overturn"},
    )


class ManualFindingForm(ServiceErrorsMixin, forms.Form):
    """A finding the rules cannot see, added by an analyst."""

    title = forms.CharField(
        max_length=200, error_messages={"required": "a manual finding needs a title"}
    )
    severity = forms.ChoiceField(choices=SEVERITIES)
    outcome = forms.ChoiceField(choices=MANUAL_OUTCOMES)
    note = forms.CharField(
        widget=forms.Textarea,
        max_length=4000,
        error_messages={"required": "a note is required: say where the finding comes from"},
    )


class WorkflowForm(ServiceErrorsMixin, forms.Form):
    action = forms.ChoiceField(choices=[(action, action) for action in TRANSITIONS])


ANALYST_OUTCOMES = [(kind.value, kind.label) for kind in SaleOutcome.ANALYST_KINDS]


class SaleOutcomeForm(forms.Form):
    """An outcome an analyst found: failed, abandoned, exit scam or regulator action."""

    kind = forms.ChoiceField(choices=ANALYST_OUTCOMES)
    source_url = forms.URLField(
        label="Source URL",
        max_length=500,
        assume_scheme="https",
        error_messages={
            "required": "source_url is required: link the report, filing or announcement",
            "invalid": "source_url must be a URL such as https://example.com/report",
        },
    )
    occurred_on = forms.DateField(required=False, help_text="YYYY-MM-DD, when known")
    note = forms.CharField(widget=forms.Textarea, max_length=4000, required=False)

    def add_service_errors(self, error: ValidationError) -> None:
        errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
