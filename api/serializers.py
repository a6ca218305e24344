"""Serializers that describe (and for small inputs validate) the API's bodies.

The offering representation is built by plain functions (api/representation.py) for speed;
these classes give the OpenAPI schema its exact shape, generated from the interchange field
table so the two cannot drift apart.
"""

from __future__ import annotations

from rest_framework import serializers

from api.models import Scope
from diligence.models import FindingReview
from diligence.vocabulary import Outcome, Severity
from offerings import interchange
from offerings.interchange import readers
from offerings.models import Offering, SaleOutcome, SaleRound, TokenAllocation, Venue
from offerings.status import Status

# Choice sets, named once for the OpenAPI schema (SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
OUTCOMES = Outcome.values
OFFERING_KINDS = Offering.Kind.values
VENUE_KINDS = Venue.Kind.values
ROUND_KINDS = SaleRound.Kind.values
# Severities and risk levels share their words; the schema names the set once.
LEVELS = Severity.values

_DECIMAL_HELP = 'Exact decimal as a string, e.g. "1500000" or "0.05"; null when unknown.'


def _field(reader, *, name: str) -> serializers.Field:
    """A nullable field of the type an interchange reader produces."""
    common = {"allow_null": True, "required": False}
    if reader is readers.read_integer:
        return serializers.IntegerField(min_value=0, **common)
    if reader is readers.read_decimal:
        return serializers.CharField(help_text=_DECIMAL_HELP, **common)
    if reader is readers.read_boolean:
        return serializers.BooleanField(**common)
    if reader is readers.read_date:
        return serializers.DateField(**common)
    if reader in (readers.read_string_list, readers.read_country_list):
        return serializers.ListField(child=serializers.CharField(), **common)
    choices = {
        "kind": OFFERING_KINDS,
        "status": [*Status.values],
        "token_type": Offering.TokenType.values,
        "refund_policy": Offering.RefundPolicy.values,
        "kyc": Offering.Kyc.values,
        "product_stage": Offering.ProductStage.values,
        "bucket": TokenAllocation.Bucket.values,
        "unlock_frequency": TokenAllocation.Frequency.values,
        "schedule_source": TokenAllocation.ScheduleSource.values,
        "round_kind": ROUND_KINDS,
    }.get(name)
    if choices:
        return serializers.ChoiceField(choices=choices, **common)
    return serializers.CharField(**common)


def _part_serializer(key: str, spec: dict) -> type[serializers.Serializer]:
    fields = {
        name: _field(reader, name="round_kind" if (key, name) == ("rounds", "kind") else name)
        for name, (_, reader) in spec.items()
    }
    return type(f"Offering{key.title()}Entry", (serializers.Serializer,), fields)


def _offering_fields() -> dict[str, serializers.Field]:
    fields: dict[str, serializers.Field] = {
        name: _field(reader, name=name) for name, (_, reader) in interchange.SCALARS.items()
    }
    for key, spec in interchange.PARTS.items():
        fields[key] = _part_serializer(key, spec)(
            many=True, required=False, allow_null=True, help_text=_CHECKABLE_HELP
        )
    fields["socials"] = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        allow_null=True,
        help_text=f"URL by network: {', '.join(interchange.SOCIAL_NETWORKS)}. "
        "null: not recorded; {}: checked, none exist.",
    )
    fields["backers"].help_text = _CHECKABLE_HELP
    return fields


_CHECKABLE_HELP = "null or absent: not recorded; []: checked, none exist (interchange v2)."


OfferingInputSerializer = type(
    "OfferingInput",
    (serializers.Serializer,),
    {
        **_offering_fields(),
        interchange.VERSION_KEY: serializers.ChoiceField(
            choices=list(interchange.VERSIONS),
            required=False,
            allow_null=True,
            help_text="The record's interchange version; 2 when absent (v1: [] is not recorded).",
        ),
        "__doc__": "An interchange format v2 record; PATCH may send only the fields to change.",
    },
)


_OfferingRecord = type("OfferingRecord", (serializers.Serializer,), _offering_fields())


class SaleOutcomeSerializer(serializers.Serializer):
    """What happened after the sale: derived from the market data (read-only) or recorded by
    an analyst with a source. Read-only: imports ignore it."""

    kind = serializers.ChoiceField(choices=SaleOutcome.Kind.values)
    derived = serializers.BooleanField()
    occurred_on = serializers.DateField(allow_null=True)
    evidence = serializers.CharField(allow_null=True)
    source_url = serializers.URLField(allow_null=True)
    note = serializers.CharField(allow_null=True)
    recorded_at = serializers.DateTimeField()


class OfferingSerializer(_OfferingRecord):
    """An offering: the interchange format v2 record plus the current assessment and links."""

    interchange_version = serializers.ChoiceField(choices=[interchange.FORMAT_VERSION])

    score = serializers.CharField(allow_null=True, help_text="0–100, higher is fewer red flags.")
    grade = serializers.CharField(allow_null=True)
    risk = serializers.ChoiceField(choices=LEVELS, allow_null=True)
    coverage = serializers.CharField(allow_null=True, help_text="Share of the checklist decided.")
    probability = serializers.CharField(
        allow_null=True,
        help_text="Calibrated chance of the methodology's good outcome (see /api/v1/checklist/).",
    )
    flags = serializers.ListField(child=serializers.CharField(), allow_null=True)
    assessed_at = serializers.DateTimeField(allow_null=True)
    market = serializers.JSONField(required=False, allow_null=True)
    listings = serializers.JSONField(required=False, allow_null=True)
    outcomes = SaleOutcomeSerializer(many=True, required=False)
    contract = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="Contract-risk facts with provider and date (read-only; null before a check).",
    )
    whitepaper_copy = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="Copied-whitepaper check (read-only; null before the whitepaper text is "
        "compared): the document compared and when, and the earlier whitepapers of other "
        "offerings it shares passages with (source slug, share of its words, passages).",
    )
    vesting_returns = serializers.JSONField(
        required=False,
        help_text="One offering only: per priced sale round, the share of its tokens unlocked "
        "by now, the return selling each tranche on its first quoted day, and the plain ROI.",
    )
    public_records = serializers.JSONField(
        required=False,
        help_text="Read-only (in the list, the detail and exports; imports ignore it): "
        "regulators' actions and warnings an analyst linked to it (confirmed links only), the "
        "EDGAR check of its claimed filing, and its addresses on OFAC's sanctions list, each "
        "with its source and date.",
    )
    url = serializers.URLField()


class OfferingPageSerializer(serializers.Serializer):
    results = OfferingSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")


class AssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    methodology_version = serializers.CharField()
    score = serializers.CharField(allow_null=True)
    grade = serializers.CharField(allow_null=True)
    risk = serializers.CharField(allow_null=True)
    coverage = serializers.CharField()
    probability = serializers.CharField(allow_null=True)
    flags = serializers.ListField(child=serializers.CharField())
    is_current = serializers.BooleanField()


class AssessmentPageSerializer(serializers.Serializer):
    results = AssessmentSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class FindingSerializer(serializers.Serializer):
    rule_code = serializers.CharField()
    title = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    severity = serializers.CharField()
    weight = serializers.IntegerField(help_text="The rule's importance (its severity weight).")
    points = serializers.CharField(help_text="Score points this finding cost (0 unless flagged).")
    outcome = serializers.ChoiceField(choices=OUTCOMES)
    automatic_outcome = serializers.ChoiceField(choices=OUTCOMES, allow_null=True)
    overridden = serializers.BooleanField()
    evidence = serializers.CharField()
    rationale = serializers.CharField(allow_null=True)
    source = serializers.CharField(allow_null=True)
    review_id = serializers.IntegerField(allow_null=True)


class AssessmentDetailSerializer(AssessmentSerializer):
    offering = serializers.CharField(help_text="The offering's slug.")
    findings = FindingSerializer(many=True)


class RuleSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    category = serializers.CharField()
    category_title = serializers.CharField()
    severity = serializers.CharField()
    weight = serializers.IntegerField(help_text="The rule's importance (its severity weight).")
    flag_points = serializers.CharField(help_text="Score points a red flag of this rule costs.")
    unknown_points = serializers.CharField(help_text="Points an unknown costs (0 since 2.0).")
    fitted = serializers.BooleanField(help_text="Whether the points were learned from outcomes.")
    fit = serializers.JSONField(help_text="The fit's figures for the rule, or why it has none.")
    rationale = serializers.CharField()
    source = serializers.CharField()


class ScoringSerializer(serializers.Serializer):
    formula = serializers.CharField()
    points = serializers.CharField()
    probability = serializers.CharField()
    grades = serializers.DictField(child=serializers.CharField())
    risk_floors = serializers.DictField(child=serializers.CharField())
    critical_flag = serializers.CharField()
    thin_coverage = serializers.CharField()


class ChecklistSerializer(serializers.Serializer):
    version = serializers.CharField()
    fingerprint = serializers.CharField()
    scoring = ScoringSerializer()
    outcome = serializers.JSONField(help_text="What the weights were fitted to predict.")
    model = serializers.JSONField(help_text="How the weights were fitted.")
    validation = serializers.JSONField(help_text="Out-of-time and per-source validation.")
    rules = RuleSerializer(many=True)


class IncidentSerializer(serializers.Serializer):
    occurred_on = serializers.DateField()
    kind = serializers.CharField()
    description = serializers.CharField()
    loss_usd = serializers.CharField(allow_null=True)
    source_url = serializers.CharField(allow_null=True)


class VenueSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    kind = serializers.ChoiceField(choices=VENUE_KINDS, allow_null=True)
    website = serializers.CharField(allow_null=True)
    country = serializers.CharField(allow_null=True)
    licence = serializers.CharField(allow_null=True)
    licensed = serializers.BooleanField(allow_null=True)
    kyc_aml_enforced = serializers.BooleanField(allow_null=True)
    reputation_tier = serializers.ChoiceField(choices=Venue.Tier.values, allow_null=True)
    incidents = IncidentSerializer(many=True)
    url = serializers.URLField()


class VenuePageSerializer(serializers.Serializer):
    results = VenueSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class ReviewInputSerializer(serializers.Serializer):
    rule_code = serializers.CharField(max_length=60)
    verdict = serializers.ChoiceField(choices=FindingReview.Verdict.values)
    note = serializers.CharField(help_text="Why: at least 10 characters.")
    outcome = serializers.ChoiceField(choices=OUTCOMES, required=False, allow_null=True)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    severity = serializers.ChoiceField(choices=LEVELS, required=False, allow_blank=True)


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    offering = serializers.CharField(help_text="The offering's slug.")
    rule_code = serializers.CharField()
    verdict = serializers.ChoiceField(choices=FindingReview.Verdict.values)
    outcome = serializers.ChoiceField(choices=OUTCOMES)
    title = serializers.CharField()
    severity = serializers.CharField()
    note = serializers.CharField()
    state = serializers.ChoiceField(choices=FindingReview.State.values)
    created_at = serializers.DateTimeField()


class ReviewPageSerializer(serializers.Serializer):
    results = ReviewSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        help_text="The field or parameter, e.g. hard_cap or team[0].role."
    )
    value = serializers.JSONField(allow_null=True, help_text="The value that was sent.")
    rule = serializers.CharField(help_text="The rule it breaks.")


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details (application/problem+json)."""

    type = serializers.CharField(help_text="urn:offerwatch:problem:<code>")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField()
    errors = FieldErrorSerializer(many=True, required=False)


SCOPES = Scope.values
