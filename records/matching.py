"""Proposing links from public records to offerings, and an analyst's decision on them.

Names collide (two projects called "Nova", a symbol shared by a dozen tokens), so a match is
only ever a proposal, scored by how specific the shared fact is: a web domain says more than a
name, a name more than a symbol. Nothing counts as evidence until an analyst confirms it; a
rejected proposal is never proposed again. Decisions keep who, when and why (history kept).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from offerings.market.matching import name_key
from offerings.models import Offering, TeamMember
from offerings.signals import offerings_changed
from records.entries import domain_of
from records.models import PublicRecord, RecordMatch

DECIDE_PERMISSION = "records.decide_recordmatch"
Method = RecordMatch.Method
# How specific each shared fact is (the proposal's score).
SCORES = {
    Method.DOMAIN: Decimal("0.90"),
    Method.LEGAL_ENTITY: Decimal("0.80"),
    Method.NAME: Decimal("0.60"),
    Method.TEAM: Decimal("0.50"),
    Method.SYMBOL: Decimal("0.40"),
}
# A name key this short matches too much by chance ("ai", "dex").
MIN_NAME_KEY = 4
MIN_SYMBOL = 3
_LEGAL_SUFFIX = re.compile(r"\b(inc|llc|ltd|limited|corp|corporation|gmbh|ag|sa|plc|lp|co)\b")


def entity_key(name: str) -> str:
    return name_key(_LEGAL_SUFFIX.sub("", name.lower()))


@dataclass
class ProposalReport:
    records: int = 0
    offerings: int = 0
    proposed: int = 0


class _Index:
    """The records' facts by matching key: domain, entity key, name key, person, token."""

    def __init__(self, records: list[PublicRecord]) -> None:
        self.domains: dict[str, set[int]] = defaultdict(set)
        self.names: dict[str, set[int]] = defaultdict(set)
        self.people: dict[str, set[int]] = defaultdict(set)
        self.tokens: dict[str, set[int]] = defaultdict(set)
        for record in records:
            for domain in record.domains:
                self.domains[domain_of(domain)].add(record.pk)
            for name in record.names:
                for key in {entity_key(name), name_key(name)}:
                    if len(key) >= MIN_NAME_KEY:
                        self.names[key].add(record.pk)
                if len(name.split()) >= 2:
                    self.people[" ".join(name.lower().split())].add(record.pk)
            for token in record.tokens:
                self.tokens[token.strip().lower()].add(record.pk)
                if len(name_key(token)) >= MIN_NAME_KEY:
                    self.names[name_key(token)].add(record.pk)


def _candidates(index: _Index, offering: dict, team: list[str]):
    """(record id, method, what matched) for one offering, most specific first."""
    domain = domain_of(offering["website"])
    if domain:
        for record_id in index.domains.get(domain, ()):
            yield record_id, Method.DOMAIN, f"web domain {domain}"
    if offering["legal_entity"]:
        key = entity_key(offering["legal_entity"])
        for record_id in index.names.get(key, ()) if len(key) >= MIN_NAME_KEY else ():
            yield record_id, Method.LEGAL_ENTITY, f"legal entity {offering['legal_entity']!r}"
    key = name_key(offering["name"])
    for record_id in index.names.get(key, ()) if len(key) >= MIN_NAME_KEY else ():
        yield record_id, Method.NAME, f"name {offering['name']!r}"
    for person in team:
        for record_id in index.people.get(" ".join(person.lower().split()), ()):
            yield record_id, Method.TEAM, f"team member {person!r}"
    symbol = offering["symbol"].strip().lower()
    for record_id in index.tokens.get(symbol, ()) if len(symbol) >= MIN_SYMBOL else ():
        yield record_id, Method.SYMBOL, f"symbol {offering['symbol']}"


def record_matches_propose(
    *, records: QuerySet[PublicRecord] | None = None, offerings: QuerySet[Offering] | None = None
) -> ProposalReport:
    """Propose links between the records and the offerings (all by default). Pairs proposed
    before, whatever their state, are left as they are: a rejection is final."""
    records = list(PublicRecord.objects.all() if records is None else records)
    offerings = Offering.objects.all() if offerings is None else offerings
    index = _Index(records)
    team: dict[int, list[str]] = defaultdict(list)
    for offering_id, name in (
        TeamMember.objects.filter(offering__in=offerings, anonymous=False)
        .exclude(name="")
        .values_list("offering_id", "name")
    ):
        team[offering_id].append(name)
    report = ProposalReport(records=len(records))
    best: dict[tuple[int, int], tuple[Method, str]] = {}
    for offering in offerings.values("pk", "name", "symbol", "legal_entity", "website"):
        report.offerings += 1
        for record_id, method, matched in _candidates(index, offering, team[offering["pk"]]):
            pair = (record_id, offering["pk"])
            if pair not in best or SCORES[method] > SCORES[best[pair][0]]:
                best[pair] = (method, matched)
    known = set(
        RecordMatch.objects.filter(record_id__in=[r.pk for r in records]).values_list(
            "record_id", "offering_id"
        )
    )
    titles = {record.pk: f"{record.authority} {record.date or ''}".strip() for record in records}
    fresh = [
        RecordMatch(
            record_id=record_id,
            offering_id=offering_id,
            method=method,
            score=SCORES[method],
            evidence=f"{matched} appears in {titles[record_id]} record {record_id}"[:300],
        )
        for (record_id, offering_id), (method, matched) in best.items()
        if (record_id, offering_id) not in known
    ]
    RecordMatch.objects.bulk_create(fresh, ignore_conflicts=True)
    report.proposed = len(fresh)
    return report


def _decide(*, match: RecordMatch, user, state: str, note: str) -> RecordMatch:
    if user is None or not user.has_perm(DECIDE_PERMISSION):
        raise PermissionDenied(f"deciding a record match needs {DECIDE_PERMISSION}")
    with transaction.atomic():
        match = RecordMatch.objects.select_for_update().get(pk=match.pk)
        if match.state != RecordMatch.State.PROPOSED:
            raise ValidationError(
                {"state": f"match {match.pk} is {match.state}, not proposed; decided once"}
            )
        match.state = state
        match.decided_at = timezone.now()
        match.decided_by = user
        match.note = note.strip()[:500]
        match._change_reason = f"{state} by {user.get_username()}"
        match._history_user = user
        match.save()
        offerings_changed.send(sender=RecordMatch, offering_ids=[match.offering_id])
    return match


def record_match_confirm(*, match: RecordMatch, user, note: str = "") -> RecordMatch:
    """The analyst says the record is about this offering: legal.regulator_action flags it."""
    return _decide(match=match, user=user, state=RecordMatch.State.CONFIRMED, note=note)


def record_match_reject(*, match: RecordMatch, user, note: str = "") -> RecordMatch:
    """The analyst says the record is about someone else; never proposed again."""
    return _decide(match=match, user=user, state=RecordMatch.State.REJECTED, note=note)
