"""Sale terms: caps, refunds, buyer checks, discounts and securities law."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from diligence.facts import OfferingFacts
from diligence.rules.base import amount, flagged, not_applicable, passed, rule, unknown
from diligence.vocabulary import Severity

STEEP_DISCOUNT = Decimal(30)
# An ended sale raising under a fifth of its hard cap, or (caps unknown) under USD 500,000.
UNDERSUBSCRIBED_SHARE_OF_HARD_CAP = Decimal("0.2")
SMALL_RAISE_USD = Decimal(500_000)


def _money(value: Decimal, currency: str) -> str:
    return f"{amount(value)} {currency or '(currency?)'}"


@rule(
    code="caps.no_hard_cap",
    title="No hard cap",
    category="sale",
    severity=Severity.MEDIUM,
    rationale=(
        "A sale without a maximum raise can absorb any amount of money, far beyond what the "
        "plan needs, and dilutes every buyer."
    ),
    source="IEO guide, tip 6 (a clear funding goal)",
)
def caps_no_hard_cap(facts: OfferingFacts):
    if facts.hard_cap is None:
        return unknown("hard cap: not recorded")
    if facts.hard_cap == 0:
        return flagged("hard cap: the sale states none")
    return passed(f"hard cap: {_money(facts.hard_cap, facts.cap_currency)}")


@rule(
    code="caps.no_refund_rule",
    title="No refund if the minimum is missed",
    category="sale",
    severity=Severity.HIGH,
    rationale=(
        "A soft cap with a refund rule returns buyers' money when too little is raised to "
        "build the project; without one the issuer keeps whatever it collects."
    ),
    source="ICO guide, 'Token Sale' and FAQ Q3",
)
def caps_no_refund_rule(facts: OfferingFacts):
    if facts.soft_cap is None:
        return unknown("soft cap: not recorded")
    if facts.soft_cap == 0:
        return flagged("soft cap: the sale states none, so any amount raised is kept")
    soft = _money(facts.soft_cap, facts.cap_currency)
    if not facts.refund_policy:
        return unknown(f"soft cap {soft}; refund policy not recorded")
    if facts.refund_policy in ("none", "unspecified"):
        return flagged(f"soft cap {soft}, but refund policy is {facts.refund_policy!r}")
    return passed(f"soft cap {soft} with a {facts.refund_policy} refund")


@rule(
    code="caps.inconsistent",
    title="Inconsistent sale figures",
    category="sale",
    severity=Severity.HIGH,
    rationale=(
        "Figures that contradict each other (a minimum above the maximum, more tokens for "
        "sale than exist) mean the terms were never thought through, or are not meant."
    ),
    source="data integrity",
)
def caps_inconsistent(facts: OfferingFacts):
    problems, checked = [], 0
    if facts.soft_cap and facts.hard_cap:
        checked += 1
        if facts.soft_cap > facts.hard_cap:
            problems.append(
                f"soft cap {amount(facts.soft_cap)} above hard cap {amount(facts.hard_cap)}"
            )
    if facts.raised_usd is not None and facts.hard_cap and facts.cap_currency in ("USD", ""):
        checked += 1
        if facts.raised_usd > facts.hard_cap:
            problems.append(
                f"raised {amount(facts.raised_usd)} USD above hard cap {amount(facts.hard_cap)}"
            )
    if facts.tokens_for_sale is not None and facts.total_supply:
        checked += 1
        if facts.tokens_for_sale > facts.total_supply:
            problems.append(
                f"{amount(facts.tokens_for_sale)} tokens for sale of a supply of "
                f"{amount(facts.total_supply)}"
            )
    if facts.start_date and facts.end_date:
        checked += 1
        if facts.end_date < facts.start_date:
            problems.append(f"ends {facts.end_date}, before it starts {facts.start_date}")
    if problems:
        return flagged("; ".join(problems))
    if not checked:
        return unknown("too few figures recorded to cross-check")
    return passed(f"{checked} cross-checks of caps, supply and dates agree")


@rule(
    code="caps.missed_soft_cap",
    title="Missed its soft cap without a refund",
    category="sale",
    severity=Severity.CRITICAL,
    rationale=(
        "A sale that ended below its own minimum and did not return the money kept funds it "
        "had said it would not."
    ),
    source="ICO guide, FAQ Q3",
)
def caps_missed_soft_cap(facts: OfferingFacts):
    if not facts.ended:
        return not_applicable(f"sale status: {facts.status or 'unknown'}")
    if facts.soft_cap == 0:
        return not_applicable("no soft cap to miss")
    if facts.soft_cap is None or facts.raised_usd is None:
        return unknown("soft cap or amount raised not recorded")
    if facts.cap_currency not in ("USD", ""):
        return unknown(f"soft cap is in {facts.cap_currency}, the amount raised in USD")
    raised = f"raised {amount(facts.raised_usd)} USD of a {amount(facts.soft_cap)} soft cap"
    if facts.raised_usd >= facts.soft_cap:
        return passed(raised)
    if facts.refund_policy in ("full", "partial"):
        return passed(f"{raised}; {facts.refund_policy} refund promised")
    return flagged(f"{raised}; refund policy: {facts.refund_policy or 'not recorded'}")


@rule(
    code="kyc.absent",
    title="No KYC/AML for buyers",
    category="sale",
    severity=Severity.MEDIUM,
    rationale=(
        "Sales that do not identify their buyers attract laundered money and regulatory "
        "action that can freeze everyone's funds."
    ),
    source="IEO guide, 'How does an IEO work' and advantage 2; ICO guide, FAQ Q4",
)
def kyc_absent(facts: OfferingFacts):
    if facts.kyc == "required":
        return passed("KYC: required of buyers")
    if facts.on_venue and facts.venue and facts.venue.kyc_aml_enforced:
        return passed(f"KYC: enforced by {facts.venue.name}")
    if facts.kyc == "not_required":
        return flagged("KYC: not required of buyers")
    if facts.kyc == "unspecified":
        return flagged("KYC: the sale does not say that buyers are checked")
    return unknown("KYC: not recorded")


@rule(
    code="bonus.steep",
    title="Steep early-round discounts",
    category="sale",
    severity=Severity.MEDIUM,
    rationale=(
        "Early buyers who paid far less than the public price can sell at a profit the day "
        "the token lists, pushing the price down on everyone else."
    ),
    source="IEO guide, disadvantage 3 (pump and dump); Zetzsche et al.: at least 60% of "
    "ICOs ran presales",
)
def bonus_steep(facts: OfferingFacts):
    if facts.rounds is None:
        return unknown("no early-round discount recorded")
    if not facts.rounds:
        return passed("sale rounds: checked, no presale or private round")
    discounts = []
    for sale_round in facts.rounds:
        if sale_round.kind == "public":
            continue
        if sale_round.discount_percent is not None:
            discounts.append((sale_round.discount_percent, sale_round.kind))
        elif sale_round.price_usd is not None and facts.token_price_usd:
            discount = (1 - sale_round.price_usd / facts.token_price_usd) * 100
            # Rounded up, so a discount just above the limit never shows as (and passes at) 30%.
            discounts.append((discount.quantize(Decimal("0.1"), ROUND_CEILING), sale_round.kind))
    if not discounts:
        return unknown("no early-round discount recorded")
    steepest, kind = max(discounts)
    evidence = f"{kind} round at {amount(steepest)}% below the public price"
    return flagged(evidence) if steepest > STEEP_DISCOUNT else passed(evidence)


@rule(
    code="legal.security_unregistered",
    title="Security token without a filing",
    category="sale",
    severity=Severity.HIGH,
    rationale=(
        "Tokens that give rights to profits or assets are securities in most jurisdictions; "
        "selling them without a prospectus or exemption filing breaks the law buyers rely on."
    ),
    source="ICO guide, 'ICO regulations'; IEO guide, 'STOs'",
)
def legal_security_unregistered(facts: OfferingFacts):
    if facts.kind != "sto" and facts.token_type != "security":
        token_type = facts.token_type or "non-security"
        return not_applicable(f"{facts.kind.upper()} of a {token_type} token")
    if not facts.regulatory_filing:
        return flagged("security token with no regulatory filing recorded")
    checked = facts.records.filing if facts.records else None
    if checked is None:  # not an EDGAR filing, or not checked yet: the claim as recorded
        return passed(f"regulatory filing: {facts.regulatory_filing}")
    if checked.found:
        return passed(f"verified on EDGAR ({checked.checked_at:%Y-%m-%d}): {checked.evidence}")
    return flagged(
        f"claimed filing {facts.regulatory_filing!r} does not exist on EDGAR "
        f"({checked.checked_at:%Y-%m-%d}): {checked.evidence}"
    )


@rule(
    code="sale.undersubscribed",
    title="Undersubscribed sale",
    category="sale",
    severity=Severity.MEDIUM,
    rationale=(
        "A sale that ended far short of its own goal, or raised very little, found few buyers "
        "willing to back the plan, and leaves the project short of the money it said it needed."
    ),
    source="Momtaz 2020 and Lyandres et al. 2022 (the amount raised predicts listing and "
    "survival); TORD backtest, out of time: listed 1.5× as often when the raise was not small",
)
def sale_undersubscribed(facts: OfferingFacts):
    if not facts.ended:
        return not_applicable(f"sale status: {facts.status or 'unknown'}")
    if facts.raised_usd is None:
        return unknown("amount raised: not recorded")
    raised = f"raised {amount(facts.raised_usd)} USD"
    in_usd = facts.cap_currency in ("USD", "")
    if in_usd and facts.soft_cap and facts.raised_usd < facts.soft_cap:
        return flagged(f"{raised}, below its {amount(facts.soft_cap)} USD soft cap")
    if in_usd and facts.hard_cap:
        floor = facts.hard_cap * UNDERSUBSCRIBED_SHARE_OF_HARD_CAP
        if facts.raised_usd < floor:
            return flagged(f"{raised}, under a fifth of its {amount(facts.hard_cap)} USD hard cap")
        return passed(f"{raised} of a {amount(facts.hard_cap)} USD hard cap")
    if facts.raised_usd < SMALL_RAISE_USD:
        return flagged(f"{raised}, under {amount(SMALL_RAISE_USD)} USD (no cap in USD to compare)")
    return passed(raised)


@rule(
    code="sale.bonus_scheme",
    title="Purchase bonuses",
    category="sale",
    severity=Severity.MEDIUM,
    rationale=(
        "Bonus tokens for buying early or buying more push buyers to decide fast and hand "
        "cheap tokens to those most likely to sell at listing."
    ),
    source="IEO guide, disadvantage 3 (pump and dump); TORD backtest, out of time: ICObench "
    "sales without bonuses listed 1.5× as often as those with them",
)
def sale_bonus_scheme(facts: OfferingFacts):
    if facts.bonus is None:
        return unknown("purchase bonuses: not recorded")
    if facts.bonus:
        return flagged("the sale offers purchase bonuses")
    return passed("no purchase bonuses")
