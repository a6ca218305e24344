"""Offerings whose contract was checked, without going through the providers."""

from __future__ import annotations

import datetime as dt

from offerings.models import ContractChange, ContractRisk

CHECKED = dt.datetime(2026, 12, 11, 9, 30, tzinfo=dt.UTC)
TOKEN = "0x" + "ab" * 20


def checked(offering, *, when: dt.datetime = CHECKED, errors=None, **values) -> ContractRisk:
    """A ContractRisk for `offering` whose facts are `values`, all stated by GoPlus at `when`."""
    if offering.contract_address.lower() != TOKEN:
        offering.contract_address = TOKEN
        offering.save()
    facts = {
        name: {"value": value, "source": "goplus", "seen_at": when.isoformat()}
        for name, value in sorted(values.items())
    }
    return ContractRisk.objects.create(
        offering=offering,
        chain_id=1,
        address=TOKEN,
        facts=facts,
        errors=errors or {},
        first_checked_at=when,
        checked_at=when,
        next_check_at=when + dt.timedelta(days=7),
    )


def change(
    offering, summary: str, *, when: dt.datetime = CHECKED, fact="sell_tax", old="0.02", new="0.25"
) -> ContractChange:
    return ContractChange.objects.create(
        offering=offering,
        detected_at=when,
        fact=fact,
        old=old,
        new=new,
        source="goplus",
        summary=summary,
    )
