"""Community rules: a website and social channels, served safely."""

from __future__ import annotations

import pytest

from diligence.vocabulary import Outcome
from tests.diligence.factories import check, make_facts

# community.absent: no channel recorded is "unknown", so the rule never flags on its own


def test_community_absent_passes_and_lists_the_website_and_channels_in_order():
    facts = make_facts(socials=frozenset({"twitter", "discord", "telegram"}))

    result = check("community.absent", facts)

    assert result.outcome == Outcome.PASS
    assert result.evidence == "channels: website, discord, telegram, twitter"


def test_community_absent_passes_a_social_channel_without_a_website():
    result = check("community.absent", make_facts(website="", socials=frozenset({"telegram"})))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "channels: telegram"


def test_community_absent_passes_a_website_without_social_channels():
    result = check("community.absent", make_facts(socials=frozenset()))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "channels: website"


def test_community_absent_is_unknown_when_no_channel_is_recorded():
    result = check("community.absent", make_facts(website="", socials=None))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "no website or social channel recorded"


def test_community_absent_flags_social_channels_checked_and_none_without_a_website():
    result = check("community.absent", make_facts(website="", socials=frozenset()))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "no website recorded, and social channels checked: none"


def test_community_absent_passes_a_website_when_social_channels_are_checked_and_none():
    result = check(
        "community.absent", make_facts(website="https://payline.example", socials=frozenset())
    )

    assert result.outcome == Outcome.PASS
    assert result.evidence == "channels: website"


# website.insecure


@pytest.mark.parametrize("website", ["https://payline.example", "HTTPS://Payline.example/sale"])
def test_website_insecure_passes_an_https_website(website):
    result = check("website.insecure", make_facts(website=website))

    assert result.outcome == Outcome.PASS
    assert result.evidence == f"website: {website}"


def test_website_insecure_flags_a_plain_http_website():
    result = check("website.insecure", make_facts(website="http://payline.example"))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "website not served over HTTPS: http://payline.example"


def test_website_insecure_is_unknown_without_a_website():
    result = check("website.insecure", make_facts(website=""))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "website: not recorded"
