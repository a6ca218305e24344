"""Deterministic, realistic and entirely fictional demo data: venues and ~60 offerings.

Each offering follows a profile, from exemplary to an outright scam, so that the demo shows every
kind, status and level of risk. Dates are relative to `today` so upcoming and active sales exist.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

VENUES: list[dict[str, Any]] = [
    {
        "name": "Northgate Exchange",
        "kind": "cex",
        "website": "https://northgate.example",
        "country": "CH",
        "licence": "FINMA-supervised SRO member",
        "licensed": True,
        "kyc_aml_enforced": True,
        "reputation_tier": "tier1",
        "incidents": [],
    },
    {
        "name": "Harbor Digital",
        "kind": "cex",
        "website": "https://harbordigital.example",
        "country": "LT",
        "licence": "VASP registration (Lithuania)",
        "licensed": True,
        "kyc_aml_enforced": True,
        "reputation_tier": "tier2",
        "incidents": [
            {
                "occurred_on": dt.date(2025, 3, 14),
                "kind": "breach",
                "description": "Hot wallet drained through a compromised signing server.",
                "loss_usd": Decimal("4200000"),
            }
        ],
    },
    {
        "name": "Lumen Launchpad",
        "kind": "launchpad",
        "website": "https://lumenpad.example",
        "country": "SG",
        "licence": "",
        "licensed": False,
        "kyc_aml_enforced": True,
        "reputation_tier": "tier2",
        "incidents": [],
    },
    {
        "name": "PoolSwap",
        "kind": "dex",
        "website": "https://poolswap.example",
        "country": "",
        "licence": "",
        "licensed": False,
        "kyc_aml_enforced": False,
        "reputation_tier": "tier2",
        "incidents": [],
    },
    {
        "name": "Zenith Pad",
        "kind": "launchpad",
        "website": "http://zenithpad.example",
        "country": "VC",
        "licence": "",
        "licensed": False,
        "kyc_aml_enforced": False,
        "reputation_tier": "tier3",
        "incidents": [
            {
                "occurred_on": dt.date(2024, 11, 2),
                "kind": "insolvency",
                "description": "Withdrawals frozen for six weeks after a liquidity shortfall.",
                "loss_usd": None,
            }
        ],
    },
    {
        "name": "Meridian Markets",
        "kind": "cex",
        "website": "https://meridian.example",
        "country": "US",
        "licence": "FinCEN MSB; NYDFS BitLicense",
        "licensed": True,
        "kyc_aml_enforced": True,
        "reputation_tier": "tier1",
        "incidents": [],
    },
]

_PREFIXES = [
    "Aether",
    "Bolt",
    "Cinder",
    "Delta",
    "Ember",
    "Flux",
    "Garnet",
    "Helix",
    "Ion",
    "Juniper",
    "Kestrel",
    "Lattice",
    "Mosaic",
]
_PREFIXES += [
    "Nimbus",
    "Orbit",
    "Prism",
    "Quartz",
    "Rune",
    "Sable",
    "Tessera",
    "Umbra",
    "Vector",
    "Willow",
    "Xeno",
    "Yarrow",
    "Zephyr",
]
_SUFFIXES = ["Chain", "Protocol", "Network", "Finance", "Labs", "Pay", "Vault", "Grid", "Link"]
_PURPOSES = [
    "settles cross-border invoices for small exporters",
    "tokenises warehouse receipts for grain traders",
    "rewards verified renewable-energy production",
    "runs a decentralised storage market",
    "pays musicians per stream with on-chain royalties",
    "insures DeFi deposits against smart-contract failure",
    "lets game studios issue interoperable items",
    "tracks pharmaceutical cold chains with sensors",
]
_FIRST = [
    "Amara",
    "Bruno",
    "Chen",
    "Dalia",
    "Emeka",
    "Farah",
    "Goran",
    "Hana",
    "Ivo",
    "Jun",
    "Katya",
    "Luis",
    "Mei",
    "Nils",
    "Omar",
    "Priya",
]
_LAST = [
    "Okafor",
    "Lindqvist",
    "Tanaka",
    "Moreau",
    "Petrov",
    "Haddad",
    "Silva",
    "Novak",
    "Kowalski",
    "Reyes",
    "Byrne",
    "Sato",
]
_ROLES = ["CEO", "CTO", "Head of Product", "Lead Engineer", "CFO", "Head of Compliance"]
_AUDITORS = ["Bastion Security", "Ledgerproof", "Quillmark Audits"]
_SCAM_CLAIMS = [
    "Guaranteed 30% monthly returns for early holders.",
    "You cannot lose: our treasury buys back every token at 2x.",
    "Get in now for 100x gains before listing!",
    "Risk-free staking pays 5% per week, guaranteed.",
]
_HONEST_CLAIMS = [
    "Token value depends on network adoption; no returns are guaranteed.",
    "Participation carries risk, including total loss of the amount contributed.",
]
PROFILES = ["exemplary", "solid", "patchy", "red_flags", "scam"]


def demo_records(today: dt.date, count: int = 60, seed: int = 2026) -> list[dict[str, Any]]:
    """`count` interchange records, the same for the same `today` and `seed`."""
    rng = random.Random(seed)
    records = []
    kinds = ["ico", "ieo", "ido", "sto"]
    timings = ["upcoming", "active", "ended", "ended", "long_ended", "cancelled"]
    for index in range(count):
        kind = kinds[index % len(kinds)]
        profile = PROFILES[(index // len(kinds)) % len(PROFILES)]
        # index // 4 shifts the timing at each turn of the kinds, so every kind meets every timing.
        timing = timings[(index * 7 + index // 4) % len(timings)]
        records.append(_record(rng, index, kind, profile, timing, today))
    return records


def _record(rng, index, kind, profile, timing, today) -> dict[str, Any]:
    name = f"{_PREFIXES[index % len(_PREFIXES)]} {_SUFFIXES[(index * 5) % len(_SUFFIXES)]}"
    symbol = (name.split()[0][:3] + name.split()[1][0]).upper()
    start = {
        "upcoming": today + dt.timedelta(days=rng.randint(10, 60)),
        "active": today - dt.timedelta(days=rng.randint(1, 10)),
        "ended": today - dt.timedelta(days=rng.randint(40, 80)),
        "long_ended": today - dt.timedelta(days=rng.randint(200, 900)),
        "cancelled": today - dt.timedelta(days=rng.randint(5, 30)),
    }[timing]
    end = start + dt.timedelta(days=rng.choice([14, 21, 30, 45]))
    good = profile in ("exemplary", "solid")
    bad = profile in ("red_flags", "scam")
    price = Decimal(rng.choice(["0.02", "0.05", "0.10", "0.25", "0.40", "1.00"]))
    supply = Decimal(rng.choice([100, 250, 500, 1000])) * 1_000_000
    public_share = Decimal(rng.choice([10, 15, 25, 35, 40])) if not bad else Decimal(8)
    hard_cap = (supply * public_share / 100 * price).quantize(Decimal(1))
    soft_cap = (hard_cap * Decimal("0.2")).quantize(Decimal(1))
    raised = None
    if timing in ("ended", "long_ended"):
        raised = (hard_cap * Decimal(rng.choice(["0.1", "0.45", "0.8", "1.0"]))).quantize(
            Decimal(1)
        )
    venue = None
    if kind == "ieo":
        venue = rng.choice(["Northgate Exchange", "Harbor Digital", "Meridian Markets"])
        venue = "Zenith Pad" if bad else venue
    elif kind == "ido":
        venue = "Zenith Pad" if bad else rng.choice(["Lumen Launchpad", "PoolSwap"])
    team_size = {"exemplary": 8, "solid": 6, "patchy": 4, "red_flags": 3, "scam": 2}[profile]
    team = []
    for position in range(team_size):
        advisor = position >= team_size - 2 and team_size > 3
        # red_flags: one pseudonymous member (a warning sign, not yet a critical one)
        anonymous = profile == "scam" or (profile == "red_flags" and position == team_size - 1)
        team.append(
            {
                "name": None if anonymous else f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                "role": "Advisor" if advisor else _ROLES[position % len(_ROLES)],
                "anonymous": anonymous,
                "experienced": None if anonymous else (good or rng.random() < 0.5),
                "advisor": advisor,
                "profile_url": None
                if anonymous
                else f"https://profiles.example/{name.split()[0].lower()}-{position}",
            }
        )
    team_share = {"exemplary": 15, "solid": 18, "patchy": 25, "red_flags": 35, "scam": 50}[profile]
    presale_share = 20 if not bad else 30
    allocations = [
        {
            "bucket": "public_sale",
            "percent": str(public_share),
            "vesting_months": 0,
            "cliff_months": 0,
        },
        {
            "bucket": "team",
            "percent": str(team_share),
            "vesting_months": {True: 36, False: 6}[not bad] if profile != "scam" else 0,
            "cliff_months": 12 if good else 0,
        },
        {
            "bucket": "advisors",
            # patchy: the advisors' vesting is known, their share of supply is not
            "percent": None if profile == "patchy" else "5",
            "vesting_months": 24 if good else 6,
            "cliff_months": 6 if good else 0,
        },
        {
            "bucket": "presale",
            "percent": str(presale_share),
            "vesting_months": 12 if good else 3,
            "cliff_months": 3 if good else 0,
        },
    ]
    rest = 100 - public_share - team_share - 5 - presale_share
    if rest > 0:
        allocations.append(
            {"bucket": "ecosystem", "percent": str(rest), "vesting_months": 48, "cliff_months": 0}
        )
    discount = {"exemplary": 15, "solid": 20, "patchy": 30, "red_flags": 45, "scam": 60}[profile]
    presale_price = (price * (100 - discount) / 100).quantize(Decimal("0.0001"))
    rounds = [
        {
            "kind": "presale",
            "price_usd": str(presale_price),
            "discount_percent": str(discount),
            "start_date": (start - dt.timedelta(days=60)).isoformat(),
            "end_date": (start - dt.timedelta(days=30)).isoformat(),
            "raised_usd": None,
        },
        {
            "kind": "public",
            "price_usd": str(price),
            "discount_percent": "0",
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "raised_usd": str(raised) if raised is not None else None,
        },
    ]
    slug_word = name.lower().replace(" ", "-")
    country = rng.choice(["CH", "SG", "DE", "EE", "GB", "US"]) if good else None
    if profile == "patchy":
        country = rng.choice(["KY", "VG", "SC", "PA"])
    purpose = rng.choice(_PURPOSES)
    claims = rng.choice(_SCAM_CLAIMS) if profile == "scam" else rng.choice(_HONEST_CLAIMS)
    contract = "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))
    return {
        # v2: [] / {} say "checked, none exist"; None (or no key) says "not recorded".
        "interchange_version": 2,
        "name": name,
        "symbol": symbol,
        "slug": slug_word,
        "kind": kind,
        "status": "cancelled" if timing == "cancelled" else None,
        "token_type": "security" if kind == "sto" else "utility",
        "venue": venue,
        "chain": "ethereum" if index % 3 else "polygon",
        "token_standard": "ERC-1400" if kind == "sto" else "ERC-20",
        "contract_address": contract if timing in ("ended", "long_ended") else None,
        # Ended sales trade (or not) on the demo market: offerings/market/demo.py.
        "coingecko_id": f"demo-{slug_word}" if timing in ("ended", "long_ended") else None,
        "website": f"https://{slug_word}.example" if not bad else f"http://{slug_word}.example",
        "whitepaper_url": None
        if profile == "scam"
        else f"https://{slug_word}.example/whitepaper.pdf",
        "code_url": f"https://git.example/{slug_word}" if good else None,
        # checked by the analyst: public for the good ones, closed for the scams
        "code_public": {"exemplary": True, "solid": True, "scam": False}.get(profile),
        # 0 pages: the scam publishes no whitepaper at all
        "whitepaper_pages": {"exemplary": 42, "solid": 28, "patchy": 12, "red_flags": 6, "scam": 0}[
            profile
        ],
        "team_size": team_size,
        "country": country,
        "legal_entity": f"{name} Foundation" if good or profile == "patchy" else None,
        "postal_address": f"{rng.randint(1, 90)} Harbour Street, {country}" if good else None,
        "regulatory_filing": "Prospectus approved by the national regulator"
        if kind == "sto" and good
        else None,
        "description": f"{name} {purpose}. The token is used to pay fees and to vote on upgrades.",
        "claims": claims,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "cap_currency": "USD",
        "soft_cap": "0"
        if profile == "scam"
        else (str(soft_cap) if profile != "red_flags" else None),
        "hard_cap": str(hard_cap) if not bad else "0",
        "raised_usd": str(raised) if raised is not None else None,
        "token_price_usd": str(price),
        "total_supply": str(supply),
        "tokens_for_sale": str(supply * public_share / 100),
        "supply_fixed": good or profile == "patchy",
        "whitelist": good,
        "roadmap": profile != "scam",
        "use_of_proceeds": good,
        "refund_policy": {
            "exemplary": "full",
            "solid": "full",
            "patchy": "partial",
            "red_flags": "unspecified",
            "scam": "none",
        }[profile],
        "kyc": "required" if good or (kind in ("ieo", "sto") and not bad) else "not_required",
        "product_stage": {
            "exemplary": "live",
            "solid": "beta",
            "patchy": "prototype",
            "red_flags": "idea",
            "scam": "idea",
        }[profile],
        "restricted_countries": ["US", "KP", "IR"] if good else [],
        "backers": {
            "exemplary": ["Granite Ventures", "Northwind Capital"],
            "red_flags": [],
            "scam": [],
        }.get(profile),
        # good: audited; red flags and scams: checked, none exist; patchy: not recorded
        "audits": (
            [
                {
                    "auditor": rng.choice(_AUDITORS),
                    "url": f"https://audits.example/{slug_word}",
                    "date": (start - dt.timedelta(days=20)).isoformat(),
                }
            ]
            if good
            else (None if profile == "patchy" else [])
        ),
        "team": team,
        "allocations": allocations,
        "rounds": rounds,
        # the scams: checked, no social channel at all
        "socials": (
            {}
            if profile == "scam"
            else {
                "twitter": f"https://x.example/{slug_word}",
                "telegram": f"https://t.example/{slug_word}",
                **({"github": f"https://git.example/{slug_word}"} if good else {}),
            }
        ),
    }
