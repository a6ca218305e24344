"""Product and technology: is there something real, and has its code been checked."""

from __future__ import annotations

from diligence.facts import OfferingFacts
from diligence.rules.base import flagged, passed, rule, unknown
from diligence.vocabulary import Severity


@rule(
    code="product.idea_only",
    title="Idea only, no product",
    category="product",
    severity=Severity.MEDIUM,
    rationale=(
        "A working prototype shows the team can build what it sells; money raised on an idea "
        "alone carries all of the execution risk."
    ),
    source="IEO guide, tip 2 (minimum viable product)",
)
def product_idea_only(facts: OfferingFacts):
    if not facts.product_stage:
        return unknown("product stage: not recorded")
    evidence = f"product stage: {facts.product_stage}"
    return flagged(evidence) if facts.product_stage == "idea" else passed(evidence)


@rule(
    code="code.closed",
    title="No public code",
    category="product",
    severity=Severity.LOW,
    rationale=(
        "Public code lets anyone check that the product exists and is being worked on. "
        "(Public code also attracts phishing copies, so its absence is only a weak signal.)"
    ),
    source="web3-investing article (GitHub activity); Hornuf et al. on phishing",
)
def code_closed(facts: OfferingFacts):
    if facts.code_public is False:
        recorded = f" (repository recorded: {facts.code_url})" if facts.code_url else ""
        return flagged(f"code: checked, not public{recorded}")
    if facts.code_url:
        return passed(f"code: {facts.code_url}")
    if facts.socials and "github" in facts.socials:
        return passed("code: GitHub organisation listed")
    if facts.code_public:
        return passed("code: checked, public (no repository recorded)")
    return unknown("code repository: not recorded")


@rule(
    code="audit.missing",
    title="No smart-contract audit",
    category="product",
    severity=Severity.HIGH,
    rationale=(
        "Token and sale contracts hold buyers' money; without an independent audit, one bug "
        "or backdoor can lose all of it."
    ),
    source="ICO guide, FAQ Q8 (lack of third-party audits)",
)
def audit_missing(facts: OfferingFacts):
    if facts.audits is None:
        return unknown("audits: not recorded")
    if facts.audits:
        return passed(f"audits: {facts.audits} recorded")
    return flagged("audits: checked, none exist")
