"""The methodology: every CHECKLIST.md rule is registered, described and printed."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from diligence import scoring
from diligence.rules import CATEGORIES, RULES
from diligence.scoring import (
    METHODOLOGY_FINGERPRINT,
    METHODOLOGY_VERSION,
    fingerprint,
    rule_points,
)
from diligence.vocabulary import Severity
from tests.conftest import SHARED

CHECKLIST = SHARED / "CHECKLIST.md"
EXPECTED_CODES = {
    "team.anonymous",
    "team.inexperienced",
    "team.advisors_unknown",
    "issuer.unidentified",
    "issuer.offshore",
    "whitepaper.missing",
    "whitepaper.incomplete",
    "whitepaper.thin",
    "roadmap.missing",
    "funds.use_undisclosed",
    "claims.guaranteed_returns",
    "caps.no_hard_cap",
    "caps.no_refund_rule",
    "caps.inconsistent",
    "caps.missed_soft_cap",
    "kyc.absent",
    "bonus.steep",
    "legal.security_unregistered",
    "tokens.distribution_undisclosed",
    "tokens.insider_heavy",
    "tokens.no_vesting",
    "tokens.public_share_low",
    "tokens.supply_unfixed",
    "product.idea_only",
    "code.closed",
    "audit.missing",
    "venue.weak_exchange",
    "venue.security_incidents",
    "venue.no_recognised_exchange",
    "community.absent",
    "website.insecure",
    "market.not_listed",
    "market.below_sale_price",
    "market.pump_and_dump",
    "market.delisted",
    "market.thin_liquidity",
}
# Rules methodology 2.0 added beyond CHECKLIST.md, each for its measured out-of-time lift.
ADDED_CODES = {"sale.undersubscribed", "sale.bonus_scheme", "team.small"}
# Issue 14's contract rules (not yet in the shared CHECKLIST.md): code -> severity.
CONTRACT_RULES = {
    "contract.honeypot": "critical",
    "contract.high_tax": "high",
    "contract.mintable": "high",
    "contract.upgradeable": "high",
    "contract.owner_powers": "high",
    "contract.unverified": "medium",
    "contract.holder_concentration": "medium",
    "contract.lp_unlocked": "high",
    "contract.creator_history": "high",
}
# Rules specified by an issue whose CHECKLIST.md row is still to be written: code -> severity.
# tokens.unlock_overhang: issue 15 (token unlock calendar); legal.* and whitepaper.copied:
# issue 16 (public records, copied whitepapers).
BEYOND_CHECKLIST = {
    "tokens.unlock_overhang": "medium",
    "legal.regulator_action": "critical",
    "legal.sanctioned_address": "critical",
    "whitepaper.copied": "high",
}
ALL_CODES = EXPECTED_CODES | set(CONTRACT_RULES) | ADDED_CODES | set(BEYOND_CHECKLIST)
SEVERITY_WEIGHTS = {"critical": 10, "high": 6, "medium": 3, "low": 1}
# Since 2.0 every rule's weight is its severity's; what a flag costs is learned (its points).
WEIGHT_EXCEPTIONS: dict[str, int] = {}
RULE_FIELDS = {"code", "title", "category", "severity", "weight", "rationale", "source"}


def checklist_rows() -> dict[str, str]:
    """code -> severity, from the rule tables of CHECKLIST.md."""
    if not CHECKLIST.is_file():
        pytest.skip(f"{CHECKLIST} not found")
    row = re.compile(r"^\|\s*`([a-z_]+\.[a-z_]+)`\s*\|.*\|\s*(critical|high|medium|low)\s*\|")
    return {
        match[1]: match[2]
        for line in CHECKLIST.read_text(encoding="utf-8").splitlines()
        if (match := row.match(line))
    }


def run_checklist(*args: str) -> str:
    out = StringIO()
    call_command("checklist", *args, stdout=out)
    return out.getvalue()


def test_the_36_checklist_rules_the_contract_rules_and_the_added_ones_are_registered():
    assert len(EXPECTED_CODES) == 36
    assert len(CONTRACT_RULES) == 9
    assert set(RULES) == ALL_CODES


def test_every_rule_of_checklist_md_is_registered_with_its_severity():
    rows = checklist_rows()

    assert set(rows) == EXPECTED_CODES
    beyond = CONTRACT_RULES | BEYOND_CHECKLIST
    severities = {code: RULES[code].severity.value for code in [*rows, *beyond]}
    assert severities == rows | beyond


@pytest.mark.parametrize("code", sorted(ALL_CODES))
def test_each_rule_has_complete_metadata(code):
    rule = RULES[code]

    assert rule.code == code
    assert rule.category in CATEGORIES
    assert rule.check.__module__ == f"diligence.rules.{rule.category}"
    assert isinstance(rule.severity, Severity)
    assert rule.weight == WEIGHT_EXCEPTIONS.get(code, SEVERITY_WEIGHTS[rule.severity])
    for text in (rule.title, rule.rationale, rule.source):
        assert text.strip() == text
        assert text


def test_checklist_json_lists_every_rule_and_the_version():
    data = json.loads(run_checklist("--format", "json"))

    assert data["version"] == METHODOLOGY_VERSION
    assert data["fingerprint"] == fingerprint()
    assert {rule["code"] for rule in data["rules"]} == ALL_CODES
    for listed in data["rules"]:
        rule = RULES[listed["code"]]
        assert set(listed) >= RULE_FIELDS
        assert listed["title"] == rule.title
        assert listed["category"] == rule.category
        assert listed["severity"] == rule.severity.value
        assert listed["weight"] == rule.weight
        assert listed["rationale"] == rule.rationale
        assert listed["source"] == rule.source


def test_checklist_markdown_has_one_table_row_per_rule():
    output = run_checklist("--format", "markdown")

    rows = re.findall(
        r"^\| `([a-z_.]+)` \| (.+?) \| (\w+) \| ([\d.]+) \| ([\d.]+) \|", output, flags=re.MULTILINE
    )
    assert sorted(code for code, *_ in rows) == sorted(ALL_CODES)
    for code, title, severity, flag_points, unknown_points in rows:
        rule = RULES[code]
        assert (title, severity) == (rule.title, rule.severity.value)
        assert (Decimal(flag_points), Decimal(unknown_points)) == rule_points(code, rule.weight)
    assert f"methodology {METHODOLOGY_VERSION}" in output
    for title in CATEGORIES.values():
        assert f"## {title}" in output


def test_checklist_prints_markdown_by_default():
    assert run_checklist() == run_checklist("--format", "markdown")


def test_the_methodology_fingerprint_is_recorded():
    # A rule, severity, weight or threshold changed: bump METHODOLOGY_VERSION and record the
    # new fingerprint in diligence/scoring.py.
    assert fingerprint() == METHODOLOGY_FINGERPRINT


def test_other_learned_points_give_another_fingerprint(monkeypatch):
    default = fingerprint()
    monkeypatch.setattr(
        scoring, "rule_points", lambda code, weight: (Decimal(weight) * 2, Decimal(0))
    )
    assert fingerprint() != default


def test_a_deployment_with_another_liquidity_floor_has_another_fingerprint(settings):
    default = fingerprint()
    settings.MARKET_THIN_VOLUME_FLOOR_USD = settings.MARKET_THIN_VOLUME_FLOOR_USD * 2
    assert fingerprint() != default


@pytest.mark.parametrize(
    "setting",
    [
        "CONTRACT_TAX_THRESHOLD_PERCENT",
        "CONTRACT_HOLDER_SHARE_PERCENT",
        "CONTRACT_LP_UNLOCKED_PERCENT",
    ],
)
def test_a_deployment_with_another_contract_threshold_has_another_fingerprint(settings, setting):
    default = fingerprint()
    setattr(settings, setting, getattr(settings, setting) + 1)
    assert fingerprint() != default
