"""The methodology: every CHECKLIST.md rule is registered, described and printed."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command

from diligence.rules import CATEGORIES, RULES, Severity
from diligence.scoring import METHODOLOGY_FINGERPRINT, METHODOLOGY_VERSION, fingerprint
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
    "tokens.unlock_overhang",
}
# Rules specified by an issue whose CHECKLIST.md row is still to be written: code -> severity.
# tokens.unlock_overhang: issue 15 (token unlock calendar).
BEYOND_CHECKLIST = {"tokens.unlock_overhang": "medium"}
SEVERITY_WEIGHTS = {"critical": 10, "high": 6, "medium": 3, "low": 1}
# Rules whose weight deliberately differs from their severity's: code -> weight.
# website.insecure: the TORD backtest gives it the strongest lift of the decidable rules.
WEIGHT_EXCEPTIONS: dict[str, int] = {"website.insecure": 3}
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


def test_exactly_the_37_checklist_rules_are_registered():
    assert len(EXPECTED_CODES) == 37
    assert set(RULES) == EXPECTED_CODES


def test_every_rule_of_checklist_md_is_registered_with_its_severity():
    rows = checklist_rows() | BEYOND_CHECKLIST

    assert set(rows) == EXPECTED_CODES
    assert {code: rule.severity.value for code, rule in RULES.items()} == rows


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
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
    assert {rule["code"] for rule in data["rules"]} == EXPECTED_CODES
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

    rows = re.findall(r"^\| `([a-z_.]+)` \| (.+?) \| (\w+) \| (\d+) \|", output, flags=re.MULTILINE)
    assert sorted(code for code, *_ in rows) == sorted(EXPECTED_CODES)
    for code, title, severity, weight in rows:
        rule = RULES[code]
        assert (title, severity, int(weight)) == (rule.title, rule.severity.value, rule.weight)
    assert f"methodology {METHODOLOGY_VERSION}" in output
    for title in CATEGORIES.values():
        assert f"## {title}" in output


def test_checklist_prints_markdown_by_default():
    assert run_checklist() == run_checklist("--format", "markdown")


def test_the_methodology_fingerprint_is_recorded():
    # A rule, severity, weight or threshold changed: bump METHODOLOGY_VERSION and record the
    # new fingerprint in diligence/scoring.py.
    assert fingerprint() == METHODOLOGY_FINGERPRINT


def test_a_deployment_with_another_liquidity_floor_has_another_fingerprint(settings):
    default = fingerprint()
    settings.MARKET_THIN_VOLUME_FLOOR_USD = settings.MARKET_THIN_VOLUME_FLOOR_USD * 2
    assert fingerprint() != default
