"""Community and communication: can buyers find and follow the project."""

from __future__ import annotations

from diligence.facts import OfferingFacts
from diligence.rules.base import flagged, passed, rule, unknown
from diligence.vocabulary import Severity


@rule(
    code="community.absent",
    title="No website or social channel",
    category="community",
    severity=Severity.HIGH,
    rationale=(
        "Real projects talk to their buyers; no website and no active channel is a strong "
        "marker of a scam or an abandoned sale."
    ),
    source="ICO guide, 'Factors to consider'; Cerchiello et al. (no website or inactive "
    "Twitter as scam signals)",
)
def community_absent(facts: OfferingFacts):
    channels = sorted(facts.socials or ())
    if facts.website or channels:
        parts = (["website"] if facts.website else []) + channels
        return passed(f"channels: {', '.join(parts)}")
    if facts.socials is not None:
        return flagged("no website recorded, and social channels checked: none")
    return unknown("no website or social channel recorded")


@rule(
    code="website.insecure",
    title="Website without HTTPS",
    category="community",
    severity=Severity.LOW,
    rationale=(
        "A sale site served without HTTPS can have its payment addresses swapped in transit; "
        "competent teams never run one."
    ),
    source="API-key security articles (always use HTTPS); its points are learned from "
    "outcomes (methodology 2.0)",
)
def website_insecure(facts: OfferingFacts):
    if not facts.website:
        return unknown("website: not recorded")
    if facts.website.lower().startswith("https://"):
        return passed(f"website: {facts.website}")
    return flagged(f"website not served over HTTPS: {facts.website}")
