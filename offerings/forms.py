"""Parsing the analysts' posts about offerings; the rules they must meet live in services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from offerings.models import SaleOutcome

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
