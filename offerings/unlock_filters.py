"""The unlock calendar's GET parameters (also the API's): validated, errors naming the value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms

from offerings.models import TokenAllocation

DEFAULT_DAYS = 90
# A longer range would make one page's timeline unreadable and its query costly.
MAX_DAYS = 3 * 366


class UnlockFilterForm(forms.Form):
    bucket = forms.ChoiceField(
        required=False, choices=[("", "Any"), *TokenAllocation.Bucket.choices]
    )
    min_percent_circulating = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=4,
        label="Minimum share of circulating supply (%)",
    )
    offering = forms.SlugField(required=False)
    watched = forms.BooleanField(required=False, label="Watched offerings only")

    def __init__(self, data, *, today: dt.date) -> None:
        super().__init__(data)
        self.today = today
        # `from` is a Python keyword: the field is added by name.
        self.fields["from"] = forms.DateField(required=False, label="From")
        self.fields["to"] = forms.DateField(required=False, label="To")
        self.order_fields(["from", "to", "bucket", "min_percent_circulating", "offering"])

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("from") or self.today
        end = cleaned.get("to") or start + dt.timedelta(days=DEFAULT_DAYS)
        if end < start:
            self.add_error("to", f"to ({end}) is before from ({start})")
        elif (end - start).days > MAX_DAYS:
            self.add_error(
                "to", f"from {start} to {end} is {(end - start).days} days; at most {MAX_DAYS}"
            )
        cleaned["from"], cleaned["to"] = start, end
        return cleaned
