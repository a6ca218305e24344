"""Legal and public records: regulators' actions and warnings an analyst linked to the
offering, and addresses on the sanctions list (facts: diligence/record_facts.py).

A list never imported leaves its rule unknown; a record proposed by name alone is not
evidence until an analyst confirms it (names collide)."""

from __future__ import annotations

from diligence.facts import OfferingFacts
from diligence.rules.base import Severity, flagged, not_applicable, passed, rule, unknown

QUOTED_ACTIONS = 3


@rule(
    code="legal.regulator_action",
    title="Regulator action or warning",
    category="legal",
    severity=Severity.CRITICAL,
    rationale=(
        "A regulator that sued the issuer, its people or its token, or warned the public about "
        "them, has already found enough to act on; buyers rarely see their money again."
    ),
    source="SEC litigation releases; CFTC RED list; national regulators' warning lists "
    "(IOSCO I-SCAN); each link confirmed by hand",
)
def legal_regulator_action(facts: OfferingFacts):
    records = facts.records
    if records is None or not records.regulator_lists:
        return unknown("no regulator's list imported yet")
    if records.actions:
        quoted = "; ".join(
            f"{a.authority} {a.kind} {a.date or '(undated)'}: {a.title} <{a.url}> "
            f"({a.source}, fetched {a.fetched_at:%Y-%m-%d}; matched on {a.matched_on})"
            for a in records.actions[:QUOTED_ACTIONS]
        )
        more = len(records.actions) - QUOTED_ACTIONS
        return flagged(quoted + (f"; and {more} more" if more > 0 else ""))
    if records.pending:
        return unknown(
            f"{records.pending} proposed match{'es' if records.pending > 1 else ''} to "
            "regulators' records await an analyst's decision"
        )
    return passed(f"no action or warning linked (lists: {'; '.join(records.regulator_lists)})")


@rule(
    code="legal.sanctioned_address",
    title="Address on a sanctions list",
    category="legal",
    severity=Severity.CRITICAL,
    rationale=(
        "Dealing with an address on OFAC's SDN list is prohibited to US persons and exposes "
        "every buyer to frozen funds; an issuer using one is controlled by a sanctioned party "
        "or launders through the sale."
    ),
    source="OFAC Specially Designated Nationals list, digital-currency addresses",
)
def legal_sanctioned_address(facts: OfferingFacts):
    records = facts.records
    if records is None or not records.sanctions_list:
        return unknown("no sanctions list imported yet")
    if not records.addresses:
        return not_applicable("no contract address recorded")
    if records.sanctioned:
        return flagged(
            "; ".join(
                f"the {hit.role} {hit.address} is listed as {hit.currency} address of "
                f"{hit.entry_name!r} (SDN entry {hit.entry_uid}"
                f"{', ' + hit.programs if hit.programs else ''}; {records.sanctions_list})"
                for hit in records.sanctioned
            )
        )
    return passed(f"{', '.join(records.addresses)}: not listed ({records.sanctions_list})")
