"""The interchange field table: every field's name, model field and reader, in export order,
and the groups of fields (read-only, nested, checkable) the parser and the records share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from offerings.interchange.readers import (
    read_boolean,
    read_choice,
    read_country,
    read_country_list,
    read_date,
    read_decimal,
    read_integer,
    read_string_list,
    read_text,
)
from offerings.models import Absence, Offering, SaleRound, SocialLink, TokenAllocation
from offerings.status import Status

FORMAT_VERSION = 2
VERSION_KEY = "interchange_version"
VERSIONS = (1, 2)

# Fields that exports add and imports ignore (computed by other parts of the product).
READ_ONLY_FIELDS = frozenset(
    {
        "score",
        "grade",
        "risk",
        "coverage",
        "probability",
        "flags",
        "market",
        "listings",
        "outcomes",
        "contract",
        "whitepaper_copy",
        "assessed_at",
        "url",
        "vesting_returns",
        "public_records",
    }
)


# Interchange name -> (model field, reader). Order is the export order.
SCALARS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "name": ("name", read_text),
    "symbol": ("symbol", read_text),
    "slug": ("slug", read_text),
    "kind": ("kind", read_choice(Offering.Kind)),
    "status": ("declared_status", read_choice(Status)),
    "token_type": ("token_type", read_choice(Offering.TokenType)),
    "venue": ("venue", read_text),
    "chain": ("chain", read_text),
    "token_standard": ("token_standard", read_text),
    "contract_address": ("contract_address", read_text),
    "coingecko_id": ("coingecko_id", read_text),
    "website": ("website", read_text),
    "whitepaper_url": ("whitepaper_url", read_text),
    "code_url": ("code_url", read_text),
    "code_public": ("code_public", read_boolean),
    "whitepaper_pages": ("whitepaper_pages", read_integer),
    "team_size": ("team_size", read_integer),
    "country": ("country", read_country),
    "legal_entity": ("legal_entity", read_text),
    "postal_address": ("postal_address", read_text),
    "regulatory_filing": ("regulatory_filing", read_text),
    "description": ("description", read_text),
    "claims": ("claims", read_text),
    "start_date": ("start_date", read_date),
    "end_date": ("end_date", read_date),
    "tge_date": ("tge_date", read_date),
    "cap_currency": ("cap_currency", read_text),
    "soft_cap": ("soft_cap", read_decimal),
    "hard_cap": ("hard_cap", read_decimal),
    "raised_usd": ("raised_usd", read_decimal),
    "token_price_usd": ("token_price_usd", read_decimal),
    "total_supply": ("total_supply", read_decimal),
    "tokens_for_sale": ("tokens_for_sale", read_decimal),
    "supply_fixed": ("supply_fixed", read_boolean),
    "whitelist": ("whitelist", read_boolean),
    "bonus": ("bonus", read_boolean),
    "roadmap": ("roadmap", read_boolean),
    "use_of_proceeds": ("use_of_proceeds", read_boolean),
    "refund_policy": ("refund_policy", read_choice(Offering.RefundPolicy)),
    "kyc": ("kyc", read_choice(Offering.Kyc)),
    "product_stage": ("product_stage", read_choice(Offering.ProductStage)),
    "restricted_countries": ("restricted_countries", read_country_list),
    "backers": ("backers", read_string_list),
}

# Nested lists: interchange name -> {key: (model field, reader)}; order is the export order.
PARTS: dict[str, dict[str, tuple[str, Callable[[Any], Any]]]] = {
    "audits": {
        "auditor": ("auditor", read_text),
        "url": ("url", read_text),
        "date": ("date", read_date),
    },
    "team": {
        "name": ("name", read_text),
        "role": ("role", read_text),
        "anonymous": ("anonymous", read_boolean),
        "experienced": ("experienced", read_boolean),
        "advisor": ("advisor", read_boolean),
        "profile_url": ("profile_url", read_text),
    },
    "allocations": {
        "bucket": ("bucket", read_choice(TokenAllocation.Bucket)),
        "percent": ("percent", read_decimal),
        "vesting_months": ("vesting_months", read_integer),
        "cliff_months": ("cliff_months", read_integer),
        "tge_percent": ("tge_percent", read_decimal),
        "unlock_frequency": ("unlock_frequency", read_choice(TokenAllocation.Frequency)),
        "vesting_start": ("vesting_start", read_date),
        "schedule_source": ("schedule_source", read_choice(TokenAllocation.ScheduleSource)),
        "schedule_source_url": ("schedule_source_url", read_text),
    },
    "rounds": {
        "kind": ("kind", read_choice(SaleRound.Kind)),
        "price_usd": ("price_usd", read_decimal),
        "discount_percent": ("discount_percent", read_decimal),
        "start_date": ("start_date", read_date),
        "end_date": ("end_date", read_date),
        "raised_usd": ("raised_usd", read_decimal),
    },
}
SOCIAL_NETWORKS = [network.value for network in SocialLink.Network]
FIELD_ORDER = [*SCALARS, *PARTS, "socials"]
# Fields that can be "checked, none exist" ([] or {} in v2), each recorded as an Absence.
CHECKABLE = tuple(Absence.Part.values)
# Read-only fields an export adds from the current assessment (diligence.selectors).
ASSESSMENT_FIELDS = ("score", "grade", "risk", "coverage", "probability", "flags", "assessed_at")
# Read-only fields an export adds from the market-data refresh (offerings.MarketSummary, Listing).
MARKET_FIELDS = ("market", "listings")
# Read-only: what happened after the sale (offerings.SaleOutcome), derived or analyst-entered.
OUTCOME_FIELDS = ("outcomes",)
# Read-only: the contract-risk check's facts, with provider and date (offerings.ContractRisk).
CONTRACT_FIELDS = ("contract",)
# Read-only: the copied-whitepaper check (offerings.whitepapers), with its provenance.
WHITEPAPER_FIELDS = ("whitepaper_copy",)
# Read-only: confirmed regulators' records, the EDGAR filing check and sanctioned addresses
# (records.representation, joined in by the layers above: offerings knows nothing of records).
PUBLIC_RECORD_FIELDS = ("public_records",)
EXPORT_ORDER = [
    VERSION_KEY,
    *FIELD_ORDER,
    *ASSESSMENT_FIELDS,
    *MARKET_FIELDS,
    *OUTCOME_FIELDS,
    *CONTRACT_FIELDS,
    *WHITEPAPER_FIELDS,
    *PUBLIC_RECORD_FIELDS,
]
LIST_FIELDS = frozenset({"restricted_countries", "backers"})
NESTED_FIELDS = frozenset(
    {
        *PARTS,
        "socials",
        *MARKET_FIELDS,
        *OUTCOME_FIELDS,
        *CONTRACT_FIELDS,
        *WHITEPAPER_FIELDS,
        *PUBLIC_RECORD_FIELDS,
    }
)
