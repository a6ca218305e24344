"""Deterministic benchmark data: offerings with realistic parts, written set-based.

The same `seed` always yields the same rows (ids aside): a few dozen venues with incidents, then
offerings in chunks, each chunk with its team, allocations, rounds, audits, social links and the
odd uploaded whitepaper written by one `bulk_create` per model. About two in five offerings that
have ended got listed: weekly market snapshots since listing and the market summary a refresh
would keep (drawn from a random stream of their own, so the offerings are the same with or
without them). Some offerings get analyst reviews that match their current findings, so
rescoring carries them over. `tord_seed` adds the real offerings of the TORD research file.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from diligence.evaluation import evaluate
from diligence.facts import facts_for
from diligence.models import FindingReview
from offerings.models import (
    Audit,
    Document,
    MarketSnapshot,
    MarketSummary,
    Offering,
    SaleRound,
    SecurityIncident,
    SocialLink,
    TeamMember,
    TokenAllocation,
    Venue,
)

SEED = 20260601
# The day the benchmark scores on, so statuses and incident windows never drift.
TODAY = dt.date(2026, 6, 1)
CHUNK = 5000
BATCH = 1000
VENUES = 40
REVIEWED_EVERY = 97  # about 1% of offerings carry an analyst review
WHITEPAPER_EVERY = 50  # about 2% have an uploaded whitepaper with extracted text
LISTED_SHARE = 0.4  # of the offerings whose sale has ended
SNAPSHOTS_MAX = 12  # weekly quotes since listing
MARKET_SOURCE = "coingecko"
MONTH = dt.timedelta(days=30)

COUNTRIES = "CH SG US GB DE EE LT MT KY VG SC CY GI EE FR NL AE HK KR JP".split()
FIRST_NAMES = "Ana Ben Chen Dara Eli Farah Goran Hana Ivan Jun Kofi Lena Mateo Noor Omar".split()
LAST_NAMES = "Akers Brandt Costa Dvorak Eze Fischer Gupta Horvat Ito Jensen Kim Lopez Novak".split()
AUDITORS = ("CertiK", "Hacken", "Quantstamp", "Trail of Bits", "PeckShield", "Bastion Security")
DESCRIPTIONS = (
    "A decentralised marketplace for renewable energy certificates.",
    "Our protocol settles cross-border payments in under 3 seconds at a fraction of bank fees.",
    "The platform lets creators tokenise royalties and share them with their fans.",
    "A layer-2 network processing 4,000 transactions per second with EVM compatibility.",
    "We connect 1,200 logistics partners on a shared, auditable ledger.",
    "Play-to-earn game with an in-game economy governed by token holders.",
    "Lending pool for small businesses in emerging markets, backed by invoices.",
    "Privacy-preserving identity wallet built on zero-knowledge proofs.",
    "No returns are guaranteed and the value of the token may fall to zero.",
    "Token holders vote on the treasury; 10% of supply unlocks monthly after the cliff.",
    "Staking pays an estimated 8% APY, which depends on network activity.",
    "A data oracle network securing over $40 million in DeFi contracts.",
)
CLAIMS = (
    "Guaranteed 30% monthly returns for early backers!",
    "This token will 100x after listing, easy gains.",
    "You cannot lose: our treasury buys back every token.",
    "Earn 2% daily passive income by holding.",
    "Audited contracts and a fully doxxed team.",
    "Listed on three exchanges within a month of the sale.",
    "Risk-free investment with a fixed 12% per year.",
    "Double your money in 90 days.",
)
WHITEPAPER_SECTIONS = (
    "1. Introduction\nThe problem we solve is slow settlement between merchants.",
    "2. Technology\nThe system architecture uses a proof-of-stake consensus mechanism.",
    "3. Team\nFounded by engineers from payment processors; our CTO built clearing systems.",
    "4. Tokenomics\nTotal supply is capped; a vesting schedule applies to the team.",
    "5. Use of proceeds\nFunds raised will be used for development (60%) and marketing (20%).",
    "6. Roadmap\nMainnet in Q3 2026, merchant integrations in Q1 2027.",
    "7. How to contribute\nWe accept ETH, USDT and BTC during the public sale.",
)


def offerings_seed(
    *, scale: int, seed: int = SEED, progress: Callable[[int], None] | None = None
) -> int:
    """Create `scale` offerings (and their parts, venues and a few reviews); return how many."""
    rng, market_rng = random.Random(seed), random.Random(seed + 1)
    venues = _venues_seed(rng)
    for start in range(0, scale, CHUNK):
        numbers = range(start, min(start + CHUNK, scale))
        with transaction.atomic():
            offerings = _chunk_seed(rng, numbers, venues)
            _market_seed(market_rng, offerings)
        if progress:
            progress(len(numbers))
    _reviews_seed(rng)
    return scale


def tord_seed(path: Path) -> int:
    """Import the TORD file as the import command does (lenient; bad rows left out)."""
    from offerings.importing import offerings_import
    from offerings.tord import open_tord, read_tord

    report = offerings_import(
        rows=read_tord(open_tord(path)), lenient=True, partial=True, change_reason="bench seed"
    )
    return report.created


def _venues_seed(rng: random.Random) -> list[Venue]:
    venues = Venue.objects.bulk_create(
        [
            Venue(
                name=f"Bench Venue {number}",
                slug=f"bench-venue-{number}",
                kind=rng.choice(Venue.Kind.values),
                country=rng.choice(COUNTRIES),
                licensed=rng.choice((True, True, False, None)),
                kyc_aml_enforced=rng.choice((True, True, False, None)),
                reputation_tier=rng.choice(("tier1", "tier2", "tier2", "tier3", "")),
            )
            for number in range(VENUES)
        ]
    )
    incidents = [
        SecurityIncident(
            venue=venue,
            occurred_on=dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(3000)),
            kind=rng.choice(SecurityIncident.Kind.values),
        )
        for venue in venues
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3)))
    ]
    SecurityIncident.objects.bulk_create(incidents, batch_size=BATCH)
    return venues


def _chunk_seed(rng: random.Random, numbers: range, venues: Sequence[Venue]) -> list[Offering]:
    offerings = Offering.objects.bulk_create(
        [_offering(rng, number, venues) for number in numbers], batch_size=BATCH
    )
    parts: dict[type, list] = {model: [] for model in PART_BUILDERS}
    for offering in offerings:
        for model, build in PART_BUILDERS.items():
            parts[model].extend(build(rng, offering))
    documents = [
        _whitepaper(rng, offering)
        for number, offering in zip(numbers, offerings, strict=True)
        if number % WHITEPAPER_EVERY == 0
    ]
    for model, rows in parts.items():
        model.objects.bulk_create(rows, batch_size=BATCH)
    Document.objects.bulk_create(documents, batch_size=BATCH)
    return offerings


def _market_seed(rng: random.Random, offerings: Sequence[Offering]) -> None:
    """Weekly quotes since listing, and the summary of them, for the offerings that listed."""
    snapshots, summaries = [], []
    for offering in offerings:
        if not offering.end_date or offering.end_date >= TODAY or rng.random() >= LISTED_SHARE:
            continue
        listed = _utc(offering.end_date + dt.timedelta(days=rng.randrange(3, 120)))
        if listed.date() >= TODAY:
            continue
        price = offering.token_price_usd or _decimal(rng, 0.001, 2, 4)
        supply = offering.total_supply or Decimal(100_000_000)
        quotes = []
        for week in range(rng.randrange(2, SNAPSHOTS_MAX + 1)):
            time = listed + dt.timedelta(weeks=week)
            if time.date() > TODAY:
                break
            price = (price * _decimal(rng, 0.6, 1.5)).quantize(Decimal("0.000001"))
            quotes.append((time, price))
            snapshots.append(
                MarketSnapshot(
                    offering=offering,
                    time=time,
                    source=MARKET_SOURCE,
                    price_usd=price,
                    market_cap_usd=(price * supply).quantize(Decimal(1)),
                    volume_24h_usd=(price * supply * _decimal(rng, 0.001, 0.05, 4)).quantize(
                        Decimal(1)
                    ),
                )
            )
        summaries.append(_summary(offering, quotes, supply, delisted=rng.random() < 0.1))
    MarketSnapshot.objects.bulk_create(snapshots, batch_size=BATCH)
    MarketSummary.objects.bulk_create(summaries, batch_size=BATCH)


def _summary(offering: Offering, quotes: list, supply: Decimal, *, delisted: bool):
    listed_at, first_month = quotes[0][0], [q for q in quotes if q[0] - quotes[0][0] <= MONTH]
    peak_at, peak = max(first_month, key=lambda quote: quote[1])
    last_at, last = quotes[-1]
    return MarketSummary(
        offering=offering,
        price_usd=last,
        market_cap_usd=(last * supply).quantize(Decimal(1)),
        price_at=last_at,
        ath_usd=max(price for _, price in quotes),
        listed_at=listed_at,
        peak_30d_usd=peak,
        peak_at=peak_at,
        low_after_peak_usd=min(price for time, price in quotes if time >= peak_at),
        listings_checked_at=last_at,
        listed=not delisted,
        delisted=delisted,
    )


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)


def _maybe(rng: random.Random, share: float, value):
    return value if rng.random() < share else None


def _decimal(rng: random.Random, low: float, high: float, places: int = 2) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.{places}f}")


def _offering(rng: random.Random, number: int, venues: Sequence[Venue]) -> Offering:
    kind = rng.choices(("ico", "ieo", "ido", "sto"), weights=(55, 20, 15, 10))[0]
    on_venue = kind in ("ieo", "ido") or (kind == "ico" and rng.random() < 0.2)
    start = _maybe(rng, 0.95, TODAY + dt.timedelta(days=rng.randrange(-3300, 200)))
    price = _maybe(rng, 0.8, _decimal(rng, 0.001, 2, 4))
    supply = _maybe(rng, 0.8, Decimal(rng.randrange(1, 1000)) * 10_000_000)
    soft = _maybe(rng, 0.7, Decimal(rng.randrange(0, 50)) * 100_000)
    hard = _maybe(rng, 0.8, Decimal(rng.randrange(0, 400)) * 250_000)
    slug = f"bench-{number}"
    return Offering(
        name=f"Bench {rng.choice(LAST_NAMES)} {number}",
        slug=slug,
        symbol=f"B{number}",
        kind=kind,
        declared_status="cancelled" if rng.random() < 0.03 else "",
        token_type="security" if kind == "sto" else rng.choice(("utility", "utility", "other", "")),
        venue=rng.choice(venues) if on_venue else None,
        website=rng.choices((f"https://{slug}.example", f"http://{slug}.example", ""), (80, 8, 12))[
            0
        ],
        whitepaper_url=f"https://{slug}.example/wp.pdf" if rng.random() < 0.75 else "",
        code_url=f"https://github.com/{slug}" if rng.random() < 0.3 else "",
        whitepaper_pages=rng.choice((None, None, 0, rng.randrange(4, 90), rng.randrange(10, 60))),
        team_size=_maybe(rng, 0.6, rng.randrange(2, 40)),
        country=rng.choice(COUNTRIES) if rng.random() < 0.85 else "",
        legal_entity=f"Bench {number} Ltd" if rng.random() < 0.6 else "",
        postal_address=f"{number} Chain Street" if rng.random() < 0.4 else "",
        regulatory_filing=f"Form D 021-{number}" if kind == "sto" and rng.random() < 0.6 else "",
        description=" ".join(rng.sample(DESCRIPTIONS, rng.randrange(0, 4))),
        claims=rng.choice(CLAIMS) if rng.random() < 0.15 else "",
        start_date=start,
        end_date=start + dt.timedelta(days=rng.randrange(7, 120)) if start else None,
        cap_currency=rng.choices(("USD", "ETH", ""), (80, 10, 10))[0],
        soft_cap=soft,
        hard_cap=hard,
        raised_usd=_maybe(rng, 0.6, Decimal(rng.randrange(0, 30_000)) * 1000),
        token_price_usd=price,
        total_supply=supply,
        tokens_for_sale=supply * Decimal(rng.randrange(5, 70)) / 100 if supply else None,
        supply_fixed=rng.choice((True, True, False, None)),
        whitelist=rng.choice((True, False, None)),
        roadmap=rng.choice((True, True, False, None)),
        use_of_proceeds=rng.choice((True, False, None)),
        refund_policy=rng.choice(("full", "partial", "none", "unspecified", "")),
        kyc=rng.choice(("required", "required", "not_required", "unspecified", "")),
        product_stage=rng.choice(("idea", "prototype", "beta", "live", "")),
    )


def _team(rng: random.Random, offering: Offering) -> list[TeamMember]:
    members = []
    for position in range(rng.randrange(3, 9)):
        anonymous = rng.random() < 0.15
        members.append(
            TeamMember(
                offering=offering,
                name="" if anonymous else f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                role="Advisor" if position > 4 else rng.choice(("CEO", "CTO", "Engineer")),
                anonymous=anonymous,
                experienced=rng.choice((True, True, False, None)),
                advisor=position > 4 or rng.random() < 0.1,
                profile_url="https://linkedin.example/in/x" if rng.random() < 0.5 else "",
                position=position,
            )
        )
    return members


def _allocations(rng: random.Random, offering: Offering) -> list[TokenAllocation]:
    buckets = rng.sample(TokenAllocation.Bucket.values, rng.randrange(3, 6))
    if rng.random() < 0.8 and "team" not in buckets:
        buckets[0] = "team"
    shares = [rng.randrange(5, 40) for _ in buckets]
    scale = Decimal(rng.randrange(70, 101)) / sum(shares)
    allocations = []
    for bucket, share in zip(buckets, shares, strict=True):
        vesting = rng.choice((None, 0, 6, 12, 24, 36))
        allocations.append(
            TokenAllocation(
                offering=offering,
                bucket=bucket,
                percent=(share * scale).quantize(Decimal("0.0001")),
                vesting_months=vesting,
                cliff_months=rng.choice((None, 0, vesting)) if vesting else None,
            )
        )
    return allocations


def _rounds(rng: random.Random, offering: Offering) -> list[SaleRound]:
    kinds = rng.sample(SaleRound.Kind.values, rng.randrange(1, 4))
    price = offering.token_price_usd
    return [
        SaleRound(
            offering=offering,
            kind=kind,
            price_usd=price * _decimal(rng, 0.4, 1, 2) if price and rng.random() < 0.6 else None,
            discount_percent=_maybe(rng, 0.4, Decimal(rng.randrange(0, 60))),
        )
        for kind in kinds
    ]


def _audits(rng: random.Random, offering: Offering) -> list[Audit]:
    return [
        Audit(offering=offering, auditor=rng.choice(AUDITORS), url="https://audits.example/r")
        for _ in range(rng.choice((0, 0, 1, 1, 2)))
    ]


def _socials(rng: random.Random, offering: Offering) -> list[SocialLink]:
    networks = rng.sample(SocialLink.Network.values, rng.randrange(0, 5))
    return [
        SocialLink(
            offering=offering, network=network, url=f"https://{network}.example/{offering.pk}"
        )
        for network in networks
    ]


PART_BUILDERS: dict[type, Callable[[random.Random, Offering], list]] = {
    TeamMember: _team,
    TokenAllocation: _allocations,
    SaleRound: _rounds,
    Audit: _audits,
    SocialLink: _socials,
}


def _whitepaper(rng: random.Random, offering: Offering) -> Document:
    sections = [s for s in WHITEPAPER_SECTIONS if rng.random() < 0.8]
    return Document(
        offering=offering,
        kind=Document.Kind.WHITEPAPER,
        url=f"https://{offering.slug}.example/wp.pdf",
        page_count=offering.whitepaper_pages,
        text="\n\n".join(sections),
    )


def _reviews_seed(rng: random.Random) -> None:
    """Confirm or overturn one flagged or unknown finding of every REVIEWED_EVERY-th offering,
    as an analyst who saw today's findings would."""
    analyst, _ = get_user_model().objects.get_or_create(username="bench-analyst")
    ids = list(Offering.objects.order_by("pk").values_list("pk", flat=True)[::REVIEWED_EVERY])
    reviews = []
    for facts in facts_for(Offering.objects.filter(pk__in=ids), today=TODAY):
        judged = [f for f in evaluate(facts).findings if f.outcome in ("flag", "unknown")]
        if not judged:
            continue
        finding = rng.choice(judged)
        overturn = rng.random() < 0.5
        reviews.append(
            FindingReview(
                offering_id=facts.offering_id,
                author=analyst,
                rule_code=finding.rule_code,
                verdict="overturn" if overturn else "confirm",
                outcome="pass" if overturn else finding.outcome,
                note="Checked against the sale documents by the benchmark analyst.",
                outcome_seen=finding.automatic_outcome,
                evidence_seen=finding.evidence,
            )
        )
    FindingReview.objects.bulk_create(reviews, batch_size=BATCH)
