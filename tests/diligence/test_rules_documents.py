"""Documents and claims rules: the whitepaper, the roadmap, the use of funds, promised returns."""

from __future__ import annotations

import pytest

from diligence.vocabulary import Outcome
from tests.diligence.factories import WHITEPAPER_TEXT, check, make_facts

NO_DOCUMENT = {"whitepaper_url": "", "whitepaper_pages": None, "whitepaper_text": ""}


def without_section(heading: str) -> str:
    """The baseline whitepaper text with the section under `heading` left out."""
    sections = WHITEPAPER_TEXT.split("\n\n")
    return "\n\n".join(section for section in sections if heading not in section)


# whitepaper.missing


def test_whitepaper_missing_passes_with_a_published_whitepaper():
    result = check("whitepaper.missing", make_facts())

    assert result.outcome == Outcome.PASS
    assert result.evidence == "whitepaper: https://payline.example/whitepaper.pdf"


def test_whitepaper_missing_passes_with_an_uploaded_whitepaper_only():
    facts = make_facts(whitepaper_url="", whitepaper_pages=30)

    result = check("whitepaper.missing", facts)

    assert result.outcome == Outcome.PASS
    assert result.evidence == "whitepaper: uploaded, 30 pages"


def test_whitepaper_missing_passes_with_extracted_text_of_unknown_length():
    result = check("whitepaper.missing", make_facts(whitepaper_url="", whitepaper_pages=None))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "whitepaper: uploaded, ? pages"


def test_whitepaper_missing_flags_a_whitepaper_recorded_as_zero_pages():
    result = check("whitepaper.missing", make_facts(**NO_DOCUMENT | {"whitepaper_pages": 0}))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "whitepaper: none published (recorded as 0 pages)"


def test_whitepaper_missing_is_unknown_when_nothing_is_recorded():
    result = check("whitepaper.missing", make_facts(**NO_DOCUMENT))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "whitepaper: not recorded"


# whitepaper.incomplete


def test_whitepaper_incomplete_passes_a_text_with_every_required_section():
    result = check("whitepaper.incomplete", make_facts())

    assert result.outcome == Outcome.PASS
    assert result.evidence == "whitepaper text covers all 7 required sections"


def test_whitepaper_incomplete_flags_a_text_without_a_roadmap_and_names_the_gap():
    result = check("whitepaper.incomplete", make_facts(whitepaper_text=without_section("Roadmap")))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "whitepaper text lacks: Roadmap and timeline"


def test_whitepaper_incomplete_reads_the_text_before_the_recorded_flags():
    facts = make_facts(whitepaper_text=without_section("Accepted"), roadmap=True)

    result = check("whitepaper.incomplete", facts)

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "whitepaper text lacks: Accepted currencies"


@pytest.mark.parametrize(
    ("roadmap", "use_of_proceeds", "evidence"),
    [
        (False, True, "recorded as absent: roadmap"),
        (None, False, "recorded as absent: use of funds"),
        (False, False, "recorded as absent: roadmap, use of funds"),
    ],
)
def test_whitepaper_incomplete_without_text_flags_sections_recorded_as_absent(
    roadmap, use_of_proceeds, evidence
):
    facts = make_facts(whitepaper_text="", roadmap=roadmap, use_of_proceeds=use_of_proceeds)

    result = check("whitepaper.incomplete", facts)

    assert result.outcome == Outcome.FLAG
    assert result.evidence == evidence


@pytest.mark.parametrize(("roadmap", "use_of_proceeds"), [(True, True), (None, None)])
def test_whitepaper_incomplete_without_text_is_unknown(roadmap, use_of_proceeds):
    facts = make_facts(whitepaper_text="", roadmap=roadmap, use_of_proceeds=use_of_proceeds)

    result = check("whitepaper.incomplete", facts)

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "whitepaper text not available (upload the PDF to check its sections)"


def test_whitepaper_incomplete_does_not_apply_when_there_is_no_whitepaper():
    result = check("whitepaper.incomplete", make_facts(**NO_DOCUMENT | {"whitepaper_pages": 0}))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == "whitepaper: none published"


# whitepaper.thin


@pytest.mark.parametrize(
    ("pages", "outcome", "evidence"),
    [
        (9, Outcome.FLAG, "whitepaper: 9 pages (fewer than 10)"),
        (10, Outcome.PASS, "whitepaper: 10 pages"),
        (30, Outcome.PASS, "whitepaper: 30 pages"),
    ],
)
def test_whitepaper_thin_flags_fewer_than_ten_pages(pages, outcome, evidence):
    result = check("whitepaper.thin", make_facts(whitepaper_pages=pages))

    assert result.outcome == outcome
    assert result.evidence == evidence


def test_whitepaper_thin_is_unknown_without_a_page_count():
    result = check("whitepaper.thin", make_facts(whitepaper_pages=None))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "whitepaper length: not recorded"


def test_whitepaper_thin_does_not_apply_when_there_is_no_whitepaper():
    result = check("whitepaper.thin", make_facts(whitepaper_pages=0))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == "whitepaper: none published"


# roadmap.missing and funds.use_undisclosed: the whitepaper text first, then the recorded fact

DISCLOSURES = [
    ("roadmap.missing", "roadmap", "Roadmap", "roadmap"),
    ("funds.use_undisclosed", "use_of_proceeds", "Use of Proceeds", "use of proceeds"),
]


@pytest.mark.parametrize(("code", "field", "heading", "label"), DISCLOSURES)
def test_disclosure_passes_when_the_whitepaper_text_covers_it(code, field, heading, label):
    result = check(code, make_facts(**{field: None}))

    assert result.outcome == Outcome.PASS
    assert result.evidence == f"{label}: in the whitepaper text"


@pytest.mark.parametrize(("code", "field", "heading", "label"), DISCLOSURES)
def test_disclosure_passes_when_recorded_as_published(code, field, heading, label):
    result = check(code, make_facts(whitepaper_text="", **{field: True}))

    assert result.outcome == Outcome.PASS
    assert result.evidence == f"{label}: published"


@pytest.mark.parametrize(("code", "field", "heading", "label"), DISCLOSURES)
def test_disclosure_flags_when_recorded_as_absent_and_missing_from_the_text(
    code, field, heading, label
):
    result = check(code, make_facts(whitepaper_text=without_section(heading), **{field: False}))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == f"{label}: not published"


@pytest.mark.parametrize(("code", "field", "heading", "label"), DISCLOSURES)
def test_disclosure_is_unknown_when_neither_text_nor_record_decides(code, field, heading, label):
    result = check(code, make_facts(whitepaper_text=without_section(heading), **{field: None}))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == f"{label}: not recorded"


# claims.guaranteed_returns (the detector itself is tested with the text module)


def test_guaranteed_returns_passes_texts_without_a_promise_and_names_what_it_read():
    facts = make_facts(claims="No returns are guaranteed; the token price can fall.")

    result = check("claims.guaranteed_returns", facts)

    assert result.outcome == Outcome.PASS
    assert result.evidence == "no promise of returns in the description, claims, whitepaper"


def test_guaranteed_returns_flags_a_promise_in_the_claims_and_quotes_it():
    facts = make_facts(claims="Guaranteed 30% monthly returns for every holder.")

    result = check("claims.guaranteed_returns", facts)

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "claims: “Guaranteed 30% monthly returns for every holder.”"


def test_guaranteed_returns_reads_the_whitepaper_text():
    text = WHITEPAPER_TEXT + "\nBuy now and double your money in a week.\n"

    result = check("claims.guaranteed_returns", make_facts(whitepaper_text=text))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "whitepaper: “Buy now and double your money in a week.”"


def test_guaranteed_returns_is_unknown_without_any_text():
    facts = make_facts(description="", claims="", whitepaper_text="")

    result = check("claims.guaranteed_returns", facts)

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "no description, claims or whitepaper text to read"
