"""Documents and claims: a whitepaper, what it must say, and whether it promises returns."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from diligence.facts import OfferingFacts
from diligence.rules.base import flagged, not_applicable, passed, rule, unknown
from diligence.text import WHITEPAPER_SECTIONS, guaranteed_return_claims, missing_sections
from diligence.vocabulary import Severity

MIN_PAGES = 10


@lru_cache(maxsize=2)
def _missing_sections(text: str) -> tuple[str, ...]:
    # Three rules ask about the sections of the same whitepaper: read it once.
    return tuple(missing_sections(text))


@rule(
    code="whitepaper.missing",
    title="No whitepaper",
    category="documents",
    severity=Severity.CRITICAL,
    rationale=(
        "The whitepaper is the only binding description of what buyers pay for; a sale "
        "without one asks for money against nothing."
    ),
    source="ICO guide, 'Project Development'; IEO guide, tip 4",
)
def whitepaper_missing(facts: OfferingFacts):
    if facts.whitepaper_pages == 0:
        return flagged("whitepaper: none published (recorded as 0 pages)")
    if facts.whitepaper_url:
        return passed(f"whitepaper: {facts.whitepaper_url}")
    if facts.whitepaper_text or facts.whitepaper_pages:
        return passed(f"whitepaper: uploaded, {facts.whitepaper_pages or '?'} pages")
    return unknown("whitepaper: not recorded")


@rule(
    code="whitepaper.incomplete",
    title="Whitepaper leaves out required sections",
    category="documents",
    severity=Severity.MEDIUM,
    rationale=(
        "A sound whitepaper states the problem, the technical design, the team, the token "
        "economics, how the money will be spent, a timeline and what it accepts as payment; "
        "each gap is something buyers cannot check."
    ),
    source="ICO guide, 'Project Development' (what a whitepaper must state)",
)
def whitepaper_incomplete(facts: OfferingFacts):
    if facts.whitepaper_pages == 0:
        return not_applicable("whitepaper: none published")
    if facts.whitepaper_text:
        missing = _missing_sections(facts.whitepaper_text)
        if missing:
            labels = ", ".join(WHITEPAPER_SECTIONS[key] for key in missing)
            return flagged(f"whitepaper text lacks: {labels}")
        return passed(f"whitepaper text covers all {len(WHITEPAPER_SECTIONS)} required sections")
    gaps = [
        label
        for label, present in (("roadmap", facts.roadmap), ("use of funds", facts.use_of_proceeds))
        if present is False
    ]
    if gaps:
        return flagged(f"recorded as absent: {', '.join(gaps)}")
    return unknown("whitepaper text not available (upload the PDF to check its sections)")


@rule(
    code="whitepaper.thin",
    title="Thin whitepaper",
    category="documents",
    severity=Severity.LOW,
    rationale=(
        "Very short whitepapers rarely contain a real technical or economic design; "
        "longer documents go with larger, more credible raises."
    ),
    source="The Block, 2018: each whitepaper page went with about 1% more raised",
)
def whitepaper_thin(facts: OfferingFacts):
    pages = facts.whitepaper_pages
    if pages is None:
        return unknown("whitepaper length: not recorded")
    if pages == 0:
        return not_applicable("whitepaper: none published")
    evidence = f"whitepaper: {pages} pages"
    if pages < MIN_PAGES:
        return flagged(f"{evidence} (fewer than {MIN_PAGES})")
    return passed(evidence)


def _disclosure(facts: OfferingFacts, recorded: bool | None, section: str, label: str):
    if facts.whitepaper_text and section not in _missing_sections(facts.whitepaper_text):
        return passed(f"{label}: in the whitepaper text")
    if recorded is None:
        return unknown(f"{label}: not recorded")
    return passed(f"{label}: published") if recorded else flagged(f"{label}: not published")


@rule(
    code="roadmap.missing",
    title="No roadmap",
    category="documents",
    severity=Severity.MEDIUM,
    rationale=(
        "A roadmap with dated milestones lets buyers see whether the team delivers; without "
        "one, there is nothing to hold it to."
    ),
    source="ICO guide, 'Factors to consider'",
)
def roadmap_missing(facts: OfferingFacts):
    return _disclosure(facts, facts.roadmap, "roadmap", "roadmap")


@rule(
    code="funds.use_undisclosed",
    title="Use of proceeds not disclosed",
    category="documents",
    severity=Severity.MEDIUM,
    rationale=(
        "Buyers are funding a budget; when the issuer will not say how the money will be "
        "spent, it can be spent on anything."
    ),
    source="ICO guide, 'Project Development' (capital required); SEC questions for investors",
)
def funds_use_undisclosed(facts: OfferingFacts):
    return _disclosure(facts, facts.use_of_proceeds, "use_of_funds", "use of proceeds")


@rule(
    code="claims.guaranteed_returns",
    title="Promises guaranteed returns",
    category="documents",
    severity=Severity.CRITICAL,
    rationale=(
        "No honest token sale can promise profits: guaranteed, risk-free or multiplied returns "
        "are the signature of fraud and of an unregistered investment contract."
    ),
    source="ICO guide, FAQ Q8 (unrealistic promises); the SEC's mock-ICO red flags",
)
def claims_guaranteed_returns(facts: OfferingFacts):
    texts = {
        "description": facts.description,
        "claims": facts.claims,
        "whitepaper": facts.whitepaper_text,
    }
    read = [label for label, text in texts.items() if text]
    if not read:
        return unknown("no description, claims or whitepaper text to read")
    for label in read:
        found = guaranteed_return_claims(texts[label])
        if found:
            return flagged(f"{label}: “{found[0]}”")
    return passed(f"no promise of returns in the {', '.join(read)}")


def copy_thresholds() -> dict[str, str]:
    """The copied-whitepaper rule's settings, for the methodology fingerprint."""
    return {
        "copy_share_percent": str(settings.WHITEPAPER_COPY_SHARE_PERCENT),
        "boilerplate_min_offerings": str(settings.WHITEPAPER_BOILERPLATE_MIN_OFFERINGS),
    }


def _quote(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@rule(
    code="whitepaper.copied",
    title="Whitepaper copied from another project",
    category="documents",
    severity=Severity.HIGH,
    rationale=(
        "A whitepaper lifted from an earlier project describes work this team did not do; "
        "press reviews of ICO whitepapers found a large share plagiarised, and such projects "
        "rarely deliver."
    ),
    source=(
        "ICO guide, FAQ Q8 (lack of a comprehensive whitepaper, lack of transparency); press "
        "review of 1,450 ICO whitepapers, 2018 (about one in six plagiarised or misleading)"
    ),
)
def whitepaper_copied(facts: OfferingFacts):
    check = facts.whitepaper_copy
    if facts.whitepaper_pages == 0:
        return not_applicable("whitepaper: none published")
    if check is None:
        return unknown("whitepaper text not stored or not yet compared with other whitepapers")
    threshold = settings.WHITEPAPER_COPY_SHARE_PERCENT / 100
    compared = f"document {check.document_id}, compared {check.compared_at:%Y-%m-%d}"
    worst = check.matches[0] if check.matches else None
    if worst is None or worst.share < threshold:
        largest = f"; largest overlap {worst.share:.0%} with {worst.source_name}" if worst else ""
        return passed(
            f"no earlier whitepaper of another offering shares {threshold:.0%} or more of "
            f"this text ({compared}{largest})"
        )
    passage = worst.passages[0][0] if worst.passages else ""
    return flagged(
        f"{worst.share:.0%} of the whitepaper text matches the whitepaper of {worst.source_name} "
        f"(/offerings/{worst.source_slug}/, published {worst.source_published:%Y-%m-%d}), "
        f"e.g. “{_quote(passage)}” ({compared})"
    )
