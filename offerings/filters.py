"""The offerings list's GET parameters: validated, with a message for each value it ignores."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from html import escape
from typing import Any

import pycountry
from django import forms
from django.http import QueryDict
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from offerings.models import Offering
from offerings.status import Status

ANY = ("", "Any")
CONTRACT_RISKS = [
    ("flagged", "Contract red flag"),
    ("clear", "Checked, no contract flag"),
    ("unchecked", "Not checked"),
]
# Sorts the list accepts but cannot honour yet: ROI needs the market data of a later issue.
DEFERRED_SORTS = ("roi", "-roi")
SORTS = [
    ("", "Newest sale first (best match when searching)"),
    ("-start_date", "Newest sale first"),
    ("start_date", "Oldest sale first"),
    ("name", "Name A–Z"),
    ("-name", "Name Z–A"),
    ("-score", "Best score first"),
    ("score", "Worst score first"),
    ("-risk", "Highest risk first"),
    ("risk", "Lowest risk first"),
    ("-raised_usd", "Most raised first"),
    ("raised_usd", "Least raised first"),
    ("-hard_cap", "Largest hard cap first"),
    ("hard_cap", "Smallest hard cap first"),
    ("-coverage", "Best coverage first"),
    ("coverage", "Worst coverage first"),
    ("-roi", "Best ROI first (needs market data)"),
    ("roi", "Worst ROI first (needs market data)"),
]
ROI_NOTE = (
    "Sorting by ROI needs market data, which Offerwatch does not collect yet; "
    "the list is in the default order instead."
)


def _choices(values, labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    return [ANY, *((value, (labels or {}).get(value, value)) for value in values)]


class FixedChoices(BaseChoiceIterator):
    """Choices normalised once, with their <option> markup: a form passes a choice iterator
    through as it is, where a list or a callable is normalised again for every form."""

    def __init__(self, choices: list[tuple[str, str]]) -> None:
        self.choices = tuple(choices)
        self.options = _options(self.choices)

    def __iter__(self):
        return iter(self.choices)

    # Immutable: every form and widget may share it (fields are deep-copied for each form).
    def __copy__(self) -> FixedChoices:
        return self

    def __deepcopy__(self, memo) -> FixedChoices:
        return self


@cache
def _countries() -> FixedChoices:
    countries = sorted(pycountry.countries, key=lambda country: country.name)
    return FixedChoices(
        [
            ANY,
            *((country.alpha_2, f"{country.name} ({country.alpha_2})") for country in countries),
        ]
    )


class QuickSelect(forms.Select):
    """A <select> built from cached option markup: Django renders each option through a
    template, which costs 25 ms for the country list alone."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        chosen = "" if value is None else str(value).casefold()
        choices = self.choices
        markup = choices.options if isinstance(choices, FixedChoices) else _options(tuple(choices))
        options = "".join(selected if key == chosen else plain for key, plain, selected in markup)
        attrs = _sorted_attrs(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attrs}>{options}</select>')


def _sorted_attrs(attrs: dict[str, Any]) -> str:
    """flatatt()'s markup, escaped, without its format_html calls: key="value" pairs sorted by
    key, then the true booleans sorted."""
    pairs = sorted(
        (key, value)
        for key, value in attrs.items()
        if not isinstance(value, bool) and value is not None
    )
    flags = sorted(key for key, value in attrs.items() if value is True)
    return "".join(f' {escape(key)}="{escape(str(value))}"' for key, value in pairs) + "".join(
        f" {escape(key)}" for key in flags
    )


@lru_cache(maxsize=64)
def _options(choices: tuple[tuple[Any, str], ...]) -> list[tuple[str, str, str]]:
    """(casefolded value, <option>, <option selected>) for each choice, escaped."""
    return [
        (
            str(value).casefold(),
            format_html('<option value="{}">{}</option>', value, label),
            format_html('<option value="{}" selected>{}</option>', value, label),
        )
        for value, label in choices
    ]


class QuickInput(forms.widgets.Input):
    """An <input> written without the form renderer's templates, with the same markup
    (input.html and attrs.html): the template costs more than the rest of the field."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        value = self.format_value(value)
        markup = [f'<input type="{escape(self.input_type)}" name="{escape(name)}"']
        if value is not None:
            markup.append(f' value="{escape(str(value))}"')
        for attr, attr_value in self.build_attrs(self.attrs, attrs).items():
            if attr_value is True:
                markup.append(f" {escape(attr)}")
            elif attr_value is not False:
                markup.append(f' {escape(attr)}="{escape(str(attr_value))}"')
        markup.append(">")
        return mark_safe("".join(markup))


class QuickTextInput(QuickInput, forms.TextInput):
    pass


class QuickNumberInput(QuickInput, forms.NumberInput):
    pass


class QuickDateInput(QuickInput, forms.DateInput):
    pass


class ChoiceField(forms.ChoiceField):
    widget = QuickSelect


class CountryField(ChoiceField):
    def to_python(self, value: Any) -> str:
        return super().to_python(value).strip().upper()


KINDS = FixedChoices(
    _choices(Offering.Kind.values, {kind.value: kind.name for kind in Offering.Kind})
)
STATUSES = FixedChoices([ANY, *Status.choices, ("unknown", "Unknown")])
KYC = FixedChoices([ANY, *Offering.Kyc.choices])
AUDITS = FixedChoices([ANY, ("yes", "Audited"), ("no", "No audit recorded")])
REFUNDS = FixedChoices([ANY, *Offering.RefundPolicy.choices])
CONTRACT_RISK_CHOICES = FixedChoices([ANY, *CONTRACT_RISKS])
SORT_CHOICES = FixedChoices(SORTS)
# Error messages that state the rule (the parameter and value are added by `problems`).
SCORE_MESSAGES = {
    **dict.fromkeys(
        ("invalid", "min_value", "max_value", "max_digits", "max_whole_digits"),
        "must be a number from 0 to 100",
    ),
    "max_decimal_places": "must have at most one decimal place",
}
DATE_MESSAGES = {"invalid": "must be a date as YYYY-MM-DD"}
PAGE_MESSAGES = dict.fromkeys(("invalid", "min_value"), "must be a page number: 1, 2, 3 …")


def _one_of(choices) -> dict[str, str]:
    """The invalid-choice message listing the allowed values."""
    allowed = ", ".join(str(value) for value, _ in choices if value)
    return {"invalid_choice": f"must be one of {allowed}"}


def _choice(label: str, choices: FixedChoices) -> ChoiceField:
    return ChoiceField(
        label=label, required=False, choices=choices, error_messages=_one_of(choices)
    )


class OfferingFilterForm(forms.Form):
    """Filters, search and sort of /offerings/ (and its CSV export). Bind it to request.GET and
    read `criteria`, `ordering` and `problems`; a bad value drops only its own filter."""

    q = forms.CharField(
        label="Search", required=False, max_length=200, strip=True, widget=QuickTextInput
    )
    kind = _choice("Kind", KINDS)
    status = _choice("Status", STATUSES)
    venue = ChoiceField(
        label="Venue",
        required=False,
        error_messages={"invalid_choice": "is not a venue Offerwatch knows"},
    )
    country = CountryField(
        label="Issuer country",
        required=False,
        error_messages={
            "invalid_choice": "is not an ISO 3166-1 alpha-2 country code (e.g. CH, SG, US)"
        },
    )
    risk = ChoiceField(label="Risk", required=False)
    grade = ChoiceField(label="Grade", required=False)
    score_min = forms.DecimalField(
        label="Score from",
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=1,
        widget=QuickNumberInput,
        error_messages=SCORE_MESSAGES,
    )
    score_max = forms.DecimalField(
        label="Score to",
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=1,
        widget=QuickNumberInput,
        error_messages=SCORE_MESSAGES,
    )
    kyc = _choice("KYC", KYC)
    has_audit = _choice("Audit", AUDITS)
    contract_risk = _choice("Contract risk", CONTRACT_RISK_CHOICES)
    refund = _choice("Refund rule", REFUNDS)
    start_from = forms.DateField(
        label="Sale starts from",
        required=False,
        widget=QuickDateInput,
        error_messages=DATE_MESSAGES,
    )
    start_to = forms.DateField(
        label="Sale starts by", required=False, widget=QuickDateInput, error_messages=DATE_MESSAGES
    )
    sort = _choice("Sort", SORT_CHOICES)
    page = forms.IntegerField(
        required=False, min_value=1, widget=forms.HiddenInput, error_messages=PAGE_MESSAGES
    )

    def __init__(
        self,
        data: QueryDict,
        *,
        venues: list[tuple[str, str]] | Callable[[], list[tuple[str, str]]],
        risks: list[tuple[str, str]],
        grades: list[tuple[str, str]],
    ) -> None:
        """`venues`: (slug, name) of every venue, for the venue filter's options, or a function
        returning them (called once, and only if the form renders or a venue is sent); `risks` and
        `grades`: (value, label) of the risk levels and grades, from diligence's vocabulary
        (the record layer does not spell the judgement's words)."""
        super().__init__(data)
        fields = self.fields
        if callable(venues):
            venues = cache(venues)
            fields["venue"].choices = lambda: [ANY, *venues()]
        else:
            fields["venue"].choices = [ANY, *venues]
        # Normalised once per process: 250 countries.
        fields["country"].choices = _countries()
        for name, choices in (("risk", risks), ("grade", grades)):
            fields[name].choices = [ANY, *choices]
            fields[name].error_messages.update(_one_of(choices))
        for name in ("score_min", "score_max"):
            fields[name].widget.attrs.update(step="0.1", inputmode="decimal")
        for name in ("start_from", "start_to"):
            fields[name].widget.input_type = "date"
        fields["q"].widget.input_type = "search"
        fields["q"].widget.attrs.update(
            placeholder="Name, symbol, venue or contract address", autocomplete="off"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        low, high = cleaned.get("score_min"), cleaned.get("score_max")
        if low is not None and high is not None and low > high:
            self.add_error("score_max", f"is below score_min ({low}), so nothing could match")
        start, end = cleaned.get("start_from"), cleaned.get("start_to")
        if start and end and start > end:
            self.add_error("start_to", f"is before start_from ({start}), so nothing could match")
        return cleaned

    @property
    def criteria(self) -> dict[str, Any]:
        """The valid values, for diligence.selectors.offering_filter()."""
        self.is_valid()
        return self.cleaned_data

    @property
    def ordering(self) -> str:
        """The sort key for diligence.selectors.offering_sort(): '' (default) when invalid or
        deferred."""
        sort = self.criteria.get("sort", "")
        return "" if sort in DEFERRED_SORTS else sort

    @property
    def problems(self) -> list[str]:
        """One sentence per parameter whose value is ignored, naming it and the value."""
        self.is_valid()
        return [
            f"{name}={self.data.get(name, '')!r} is ignored: {' '.join(errors)}"
            for name, errors in self.errors.items()
        ]

    @property
    def notes(self) -> list[str]:
        """Valid requests that cannot be fully honoured."""
        return [ROI_NOTE] if self.criteria.get("sort") in DEFERRED_SORTS else []

    def query_string(self, **overrides: Any) -> str:
        """The submitted parameters without empty ones, with `overrides` applied (None drops)."""
        params = QueryDict(mutable=True)
        for name in self.fields:
            value = self.data.get(name, "")
            if value:
                params[name] = value
        for name, value in overrides.items():
            params.pop(name, None)
            if value is not None:
                params[name] = value
        return params.urlencode()
