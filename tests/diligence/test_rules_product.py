"""Product and technology rules: a working product, public code, an audit."""

from __future__ import annotations

import pytest

from diligence.vocabulary import Outcome
from tests.diligence.factories import check, make_facts

# product.idea_only


@pytest.mark.parametrize("stage", ["prototype", "beta", "live"])
def test_idea_only_passes_any_built_product(stage):
    result = check("product.idea_only", make_facts(product_stage=stage))

    assert result.outcome == Outcome.PASS
    assert result.evidence == f"product stage: {stage}"


def test_idea_only_flags_an_idea_without_a_product():
    result = check("product.idea_only", make_facts(product_stage="idea"))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "product stage: idea"


def test_idea_only_is_unknown_when_the_stage_is_not_recorded():
    result = check("product.idea_only", make_facts(product_stage=""))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "product stage: not recorded"


# code.closed: an absent repository is only "not recorded", so the rule never flags on its own


def test_code_closed_passes_a_public_repository_and_quotes_it():
    result = check("code.closed", make_facts())

    assert result.outcome == Outcome.PASS
    assert result.evidence == "code: https://github.com/payline/contracts"


def test_code_closed_accepts_a_listed_github_organisation():
    facts = make_facts(code_url="", socials=frozenset({"github", "twitter"}))

    result = check("code.closed", facts)

    assert result.outcome == Outcome.PASS
    assert result.evidence == "code: GitHub organisation listed"


@pytest.mark.parametrize("socials", [None, frozenset(), frozenset({"twitter"})])
def test_code_closed_is_unknown_without_a_repository_or_github_link(socials):
    result = check("code.closed", make_facts(code_url="", code_public=None, socials=socials))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "code repository: not recorded"


def test_code_closed_flags_code_checked_and_not_public():
    result = check("code.closed", make_facts(code_url="", code_public=False))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "code: checked, not public"


def test_code_closed_flags_code_checked_not_public_even_beside_a_recorded_repository():
    facts = make_facts(code_url="https://github.com/payline/contracts", code_public=False)

    result = check("code.closed", facts)

    assert result.outcome == Outcome.FLAG
    assert result.evidence == (
        "code: checked, not public (repository recorded: https://github.com/payline/contracts)"
    )


def test_code_closed_passes_code_checked_public_without_a_repository_url():
    result = check("code.closed", make_facts(code_url="", code_public=True, socials=None))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "code: checked, public (no repository recorded)"


# audit.missing: not recorded is unknown; checked and none exist flags


@pytest.mark.parametrize("audits", [1, 3])
def test_audit_missing_passes_recorded_audits_and_counts_them(audits):
    result = check("audit.missing", make_facts(audits=audits))

    assert result.outcome == Outcome.PASS
    assert result.evidence == f"audits: {audits} recorded"


def test_audit_missing_is_unknown_when_audits_are_not_recorded():
    result = check("audit.missing", make_facts(audits=None))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "audits: not recorded"


def test_audit_missing_flags_audits_checked_and_none_exist():
    result = check("audit.missing", make_facts(audits=0))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "audits: checked, none exist"
