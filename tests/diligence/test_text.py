"""The text detectors behind claims.guaranteed_returns and whitepaper.incomplete, and PDF text."""

from __future__ import annotations

import io

import pytest
from pypdf import PageObject, PdfWriter
from pypdf.errors import PdfReadError

from diligence.text import (
    SNIPPET_MAX_CHARS,
    WHITEPAPER_SECTIONS,
    extract_pdf_text,
    guaranteed_return_claims,
    missing_sections,
    whitepaper_sections,
)

PROMISES = [
    pytest.param(
        "Join the SolarYield presale today and enjoy guaranteed 30% monthly on every token.",
        id="guaranteed-percent-monthly",
    ),
    pytest.param(
        "Our market-neutral desk means your returns are guaranteed, whatever the market does.",
        id="returns-are-guaranteed",
    ),
    pytest.param("With the AlphaBot engine you simply cannot lose.", id="cannot-lose"),
    pytest.param("Buy in early \u2013 you can\u2019t lose!", id="cant-lose-typographic"),
    pytest.param("NO RISK, ONLY PROFIT!!! BUY NOW", id="caps-no-risk-only-profit"),
    pytest.param("Stakers lock in a risk-free profit every single epoch.", id="risk-free-profit"),
    pytest.param("Zero risk, huge rewards: the vault pays you first.", id="zero-risk"),
    pytest.param("Analysts agree this token will 100x after the listing.", id="will-100x"),
    pytest.param("This is the next 100X gem, don't miss it!", id="caps-100x-gem"),
    pytest.param("Early holders are looking at 10x gains before summer.", id="10x-gains"),
    pytest.param("Double your money in just 30 days with our arbitrage pool.", id="double-money"),
    pytest.param("Stake now and 2x your investment before exchange listing.", id="2x-investment"),
    pytest.param("Earn passive income of 5% daily, paid to your wallet.", id="passive-daily"),
    pytest.param(
        "Members receive fixed 20% weekly returns, no questions asked.", id="fixed-weekly"
    ),
    pytest.param("Assured profit for every participant in round one.", id="assured-profit"),
    pytest.param(
        "We promise profits to everyone who joins before Friday.", id="we-promise-profits"
    ),
    pytest.param("Trust me bro, $PEPEX will moon.", id="will-moon"),
    pytest.param("Price is going to the moon \U0001f680\U0001f680", id="to-the-moon"),
    pytest.param(
        "u will get 2% every day guarantee, invest now no lose", id="broken-english-daily"
    ),
    pytest.param(
        "Profit is guarantee 100% for all member, very safe", id="broken-english-guarantee"
    ),
    pytest.param("Guarenteed profit each and every week!", id="misspelled-guaranteed"),
    pytest.param(
        "Send 0.5 BTC and get your bitcoin doubled within 24 hours.", id="bitcoin-doubled"
    ),
    pytest.param("Daily ROI of 3% for premium members.", id="daily-roi-first"),
    pytest.param("Locked-in 12% APY, guaranteed by the treasury.", id="guaranteed-apy"),
    pytest.param("Get rich with 1000x returns on the presale price.", id="1000x-returns"),
    pytest.param("Turn $100 into $1,000: a ten-fold return on your money.", id="ten-fold"),
    pytest.param("You will never lose money with our insured vault.", id="never-lose-money"),
    pytest.param("Earn yield without any risk to your capital.", id="without-any-risk"),
    pytest.param("This is NOT a scam - guaranteed 2% daily profit.", id="not-a-scam"),
    pytest.param("Why wait? Double your crypto holdings today.", id="marketing-question-first"),
    pytest.param(
        "Your investment is 100% safe and profits are assured.", id="hundred-percent-safe"
    ),
    pytest.param("\u2022 Guaranteed income every month\n\u2022 Zero gas fees", id="bullet-list"),
    pytest.param("$HBR 100x!", id="bare-100x-exclaimed"),
    pytest.param("100x incoming \U0001f680", id="100x-incoming"),
    pytest.param("Get 5 times your money back in a month.", id="5-times-your-money"),
    pytest.param("High yield, zero risk.", id="high-yield-zero-risk"),
    pytest.param("Returns of 50% per month!", id="returns-per-month"),
    pytest.param(
        "The Helix Network is a settlement layer for cross-border payments. Our treasury runs a "
        "delta-neutral strategy, so holders receive a guaranteed 2.5% return every month "
        "regardless of market conditions. The team is based in Lisbon.",
        id="embedded-in-paragraph",
    ),
]

NOT_PROMISES = [
    pytest.param("No returns are guaranteed.", id="no-returns-are-guaranteed"),
    pytest.param("Returns are not guaranteed and may be negative.", id="returns-not-guaranteed"),
    pytest.param("Returns aren\u2019t guaranteed.", id="returns-arent-guaranteed"),
    pytest.param("There is no guarantee of profit.", id="no-guarantee-of-profit"),
    pytest.param("We do not promise any returns to token holders.", id="do-not-promise"),
    pytest.param("You could lose all of your money.", id="could-lose-everything"),
    pytest.param("This is not risk-free.", id="not-risk-free"),
    pytest.param("Please read the risk factors in section 9 first.", id="risk-factors"),
    pytest.param("Our rollup enables 2x faster transactions.", id="2x-faster"),
    pytest.param("Fees are 10x cheaper than on Ethereum mainnet.", id="10x-cheaper"),
    pytest.param("The new sequencer gives 100x more throughput.", id="100x-throughput"),
    pytest.param("Enterprise customers get guaranteed uptime of the API.", id="guaranteed-uptime"),
    pytest.param("The protocol guarantees finality within two blocks.", id="guarantees-finality"),
    pytest.param("Past performance does not guarantee future returns.", id="past-performance"),
    pytest.param("Profits are never guaranteed.", id="never-guaranteed"),
    pytest.param("Nothing in this document guarantees a profit.", id="nothing-guarantees"),
    pytest.param("Investing in tokens is never without risk.", id="never-without-risk"),
    pytest.param("There is no risk-free investment in crypto.", id="no-risk-free-investment"),
    pytest.param(
        "If the soft cap is not reached, the return of funds is guaranteed.", id="refund-guarantee"
    ),
    pytest.param("Team tokens unlock 10% monthly after a 12-month cliff.", id="vesting-monthly"),
    pytest.param("Beware of anyone who promises guaranteed returns.", id="beware-warning"),
    pytest.param("Are returns guaranteed? No, token prices can fall.", id="faq-question"),
    pytest.param("Traders can use up to 100x leverage on perpetuals.", id="leverage"),
    pytest.param("With social recovery you cannot lose access to your tokens.", id="lose-access"),
    pytest.param("You cannot lose more than the amount you contribute.", id="lose-more-than"),
    pytest.param("Investing in ICOs is not a guaranteed way to get rich.", id="not-a-way-to-rich"),
    pytest.param("The treasury earns a variable 4% per year from staking.", id="variable-yearly"),
    pytest.param(
        "Our multisig means there is no risk of funds being stolen by one key holder.",
        id="security-no-risk",
    ),
    pytest.param("The risk-free rate in our valuation model is 4%.", id="risk-free-rate"),
    pytest.param("We cannot guarantee any return on your investment.", id="cannot-guarantee"),
    pytest.param("Guaranteed returns do not exist in crypto markets.", id="negated-after"),
    pytest.param("The presale was 3x oversubscribed, raising 4,000 ETH.", id="oversubscribed"),
    pytest.param("Nobody can promise profits in crypto markets.", id="nobody-can-promise"),
    pytest.param(
        "Nothing herein should be construed as a promise of returns.", id="legal-disclaimer"
    ),
    pytest.param("It is impossible to guarantee returns in crypto.", id="impossible"),
    pytest.param("The 0x protocol handles order matching.", id="0x-protocol"),
    pytest.param("A 2x reward boost applies to a one-year lock.", id="reward-boost"),
    pytest.param("Proof-of-stake cuts energy use 100x compared with mining.", id="energy-100x"),
]


@pytest.mark.parametrize("text", PROMISES)
def test_it_quotes_promises_of_guaranteed_or_multiplied_returns(text):
    claims = guaranteed_return_claims(text)

    assert claims, f"no claim found in {text!r}"
    assert all(len(claim) <= SNIPPET_MAX_CHARS for claim in claims)


@pytest.mark.parametrize("text", NOT_PROMISES)
def test_it_ignores_negations_disclaimers_and_technical_multipliers(text):
    assert guaranteed_return_claims(text) == []


def test_it_quotes_the_promising_sentence_not_the_whole_paragraph():
    text = (
        "Helix settles cross-border payments. Holders receive a guaranteed 2.5% return every "
        "month. The team is based in Lisbon."
    )

    assert guaranteed_return_claims(text) == [
        "Holders receive a guaranteed 2.5% return every month."
    ]


def test_it_trims_a_long_sentence_around_the_promise():
    text = (
        "Built by veterans of three exchanges and audited by two independent firms, with offices "
        "in Zug, Singapore and Dubai and partners across the region, our platform delivers "
        "guaranteed returns to every holder through a diversified book of market-making, "
        "lending and arbitrage strategies run around the clock."
    )

    [claim] = guaranteed_return_claims(text)

    assert len(claim) <= SNIPPET_MAX_CHARS
    assert "guaranteed returns" in claim
    assert claim.startswith("\u2026") and claim.endswith("\u2026")


def test_it_lists_each_claim_once_in_order_of_appearance():
    text = "You cannot lose. Double your money in a week. You cannot lose. Returns may vary."

    assert guaranteed_return_claims(text) == ["You cannot lose.", "Double your money in a week."]


def test_it_finds_nothing_in_empty_text():
    assert guaranteed_return_claims("") == []


WHITEPAPER = {
    "purpose": (
        "1. Introduction\n"
        "Freight invoices in Southeast Asia take sixty days to settle, and small carriers\n"
        "wait for their money while brokers keep the float. Harbor aims to solve this by\n"
        "settling each invoice on delivery."
    ),
    "technology": (
        "2. Technical Architecture\n"
        "Harbor runs as a set of smart contracts on an EVM-compatible rollup. Carriers upload a\n"
        "signed proof of delivery; an oracle network confirms it and releases the escrow."
    ),
    "team": (
        "3. Team & Advisors\n"
        "Maria Santos (CEO) ran operations at a regional logistics firm for twelve years. Kenji\n"
        "Ito (CTO) built settlement systems at a Tokyo bank. Adviser: Dr Lena Park, maritime law."
    ),
    "token_economics": (
        "4. Tokenomics\n"
        "The total supply of HBR is fixed at 100,000,000. Of it, 40% is sold to the public, 20%\n"
        "goes to the founders over 24 months, 25% rewards carriers and 15% stays in reserve."
    ),
    "use_of_funds": (
        "5. Use of Proceeds\n"
        "Money raised goes 45% to engineering, 25% to carrier onboarding, 20% to legal and\n"
        "compliance and 10% to operations."
    ),
    "roadmap": (
        "6. Roadmap\n"
        "Q1 2025: pilot with three carriers in Vietnam.\n"
        "Q3 2025: public sale and mainnet launch.\n"
        "Q2 2026: expansion to Thailand and Malaysia."
    ),
    "accepted_currencies": (
        "7. How to Contribute\n"
        "Contributions are accepted in ETH, USDC and USDT through the sale portal after KYC."
    ),
}


def _whitepaper(*, without: str | None = None) -> str:
    return "\n\n".join(text for key, text in WHITEPAPER.items() if key != without)


def test_the_required_sections_are_the_seven_of_the_checklist_in_order():
    assert list(WHITEPAPER_SECTIONS) == [
        "purpose",
        "technology",
        "team",
        "token_economics",
        "use_of_funds",
        "roadmap",
        "accepted_currencies",
    ]
    assert all(WHITEPAPER_SECTIONS.values())


def test_a_complete_whitepaper_has_every_section():
    assert whitepaper_sections(_whitepaper()) == dict.fromkeys(WHITEPAPER_SECTIONS, True)
    assert missing_sections(_whitepaper()) == []


@pytest.mark.parametrize("section", list(WHITEPAPER_SECTIONS), ids=list(WHITEPAPER_SECTIONS))
def test_a_whitepaper_without_one_section_misses_exactly_that_one(section):
    assert missing_sections(_whitepaper(without=section)) == [section]


def test_empty_text_misses_every_section_in_order():
    assert missing_sections("") == list(WHITEPAPER_SECTIONS)


@pytest.mark.parametrize(
    ("text", "section"),
    [
        pytest.param("Why Harbor?\nCarriers wait too long.", "purpose", id="why-heading"),
        pytest.param("Our mission is to pay carriers on time.", "purpose", id="mission"),
        pytest.param("Consensus\nWe use proof-of-stake.", "technology", id="consensus-heading"),
        pytest.param("Meet the team behind Harbor.", "team", id="meet-the-team"),
        pytest.param("III. Core Contributors", "team", id="roman-numbered-heading"),
        pytest.param("## Token Distribution", "token_economics", id="markdown-heading"),
        pytest.param("A maximum supply of 21,000,000 HBR.", "token_economics", id="max-supply"),
        pytest.param("Section 5: Budget", "use_of_funds", id="budget-heading"),
        pytest.param("Funds raised will be used for audits.", "use_of_funds", id="funds-used"),
        pytest.param("Mainnet ships in Q4 2025.", "roadmap", id="quarter"),
        pytest.param("Key milestones are listed below.", "roadmap", id="milestones"),
        pytest.param("We accept BTC and ETH.", "accepted_currencies", id="we-accept"),
        pytest.param("Payment methods", "accepted_currencies", id="payment-methods-heading"),
    ],
)
def test_a_section_is_found_by_its_heading_or_its_wording(text, section):
    assert whitepaper_sections(text)[section] is True


@pytest.mark.parametrize(
    ("text", "section"),
    [
        pytest.param(
            "Harbor brings supply chain finance on-chain.", "token_economics", id="supply"
        ),
        pytest.param("The team will hold 20% of tokens for two years.", "team", id="team-in-body"),
        pytest.param("Blocks are produced every 2 seconds.", "roadmap", id="no-dates"),
    ],
)
def test_common_words_in_body_text_do_not_count_as_a_section(text, section):
    assert whitepaper_sections(text)[section] is False


def _pdf_with_text(*pages: str) -> io.BytesIO:
    """A minimal PDF written by hand: one Helvetica text line per page."""
    kids = " ".join(f"{4 + 2 * index} 0 R" for index in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for index, text in enumerate(pages):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        content = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * index)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return io.BytesIO(bytes(pdf))


def test_it_extracts_the_text_and_counts_the_pages_of_a_pdf():
    text, pages = extract_pdf_text(_pdf_with_text("hello", "Guaranteed returns (20%)"))

    assert pages == 2
    assert "hello" in text
    assert "Guaranteed returns (20%)" in text
    assert text.index("hello") < text.index("Guaranteed")


def test_blank_pages_give_no_text_but_are_counted():
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=612, height=792)
    stream = io.BytesIO()
    writer.write(stream)
    stream.seek(0)

    assert extract_pdf_text(stream) == ("", 3)


def test_the_text_is_capped_at_max_chars_and_every_page_is_still_counted():
    text, pages = extract_pdf_text(_pdf_with_text("A" * 80, "B" * 80, "C" * 80), max_chars=100)

    assert len(text) == 100
    assert text.startswith("A" * 80)
    assert "C" not in text
    assert pages == 3


def test_a_page_that_fails_to_extract_is_skipped(monkeypatch):
    extract = PageObject.extract_text

    def extract_or_fail(page, *args, **kwargs):
        text = extract(page, *args, **kwargs)
        if "damaged" in text:
            raise PdfReadError("broken content stream")
        return text

    monkeypatch.setattr(PageObject, "extract_text", extract_or_fail)

    text, pages = extract_pdf_text(_pdf_with_text("damaged", "intact"))

    assert pages == 2
    assert "intact" in text
    assert "damaged" not in text


def test_it_refuses_a_file_that_is_not_a_pdf():
    with pytest.raises(PdfReadError):
        extract_pdf_text(io.BytesIO(b"this is not a pdf"))


def test_it_refuses_a_cap_below_one_character():
    with pytest.raises(ValueError, match=r"max_chars \(0\) must be at least 1"):
        extract_pdf_text(_pdf_with_text("hello"), max_chars=0)


# ---- linear time on pathological input ---------------------------------------------------

PATHOLOGICAL_CHARS = 100_000
PATHOLOGICAL = [
    pytest.param("1" * PATHOLOGICAL_CHARS, id="digits"),
    pytest.param("1" * PATHOLOGICAL_CHARS + "%", id="digits-then-percent"),
    pytest.param("1 " * (PATHOLOGICAL_CHARS // 2), id="digits-and-spaces"),
    pytest.param(" " * PATHOLOGICAL_CHARS + "5% daily", id="spaces"),
    pytest.param("%" * PATHOLOGICAL_CHARS, id="percent-signs"),
    pytest.param("1%" * (PATHOLOGICAL_CHARS // 2), id="percentages"),
    pytest.param("1." * (PATHOLOGICAL_CHARS // 2), id="dotted-numbers"),
    pytest.param("guaranteed" + "," * PATHOLOGICAL_CHARS, id="cue-then-separators"),
    pytest.param("guaranteed " * (PATHOLOGICAL_CHARS // 11), id="repeated-cue-word"),
    pytest.param("returns " * (PATHOLOGICAL_CHARS // 8), id="repeated-gain-word"),
    pytest.param("10x " * (PATHOLOGICAL_CHARS // 4), id="repeated-multipliers"),
    pytest.param("no risk " * (PATHOLOGICAL_CHARS // 8), id="repeated-no-risk"),
    pytest.param("chief " + "a" * PATHOLOGICAL_CHARS, id="one-long-word"),
    pytest.param("\n \n" * (PATHOLOGICAL_CHARS // 3), id="blank-lines"),
]


@pytest.mark.parametrize("text", PATHOLOGICAL)
def test_every_detector_reads_100k_pathological_characters_in_well_under_a_second(text):
    import time

    started = time.perf_counter()
    guaranteed_return_claims(text)
    whitepaper_sections(text)
    # Measured at 5-85 ms each on a shared 2-core machine; 20,000 digits took 16 s before.
    assert time.perf_counter() - started < 1


def test_a_promise_after_a_long_run_of_digits_is_still_found():
    text = "Reference " + "7" * 50_000 + ". Earn a guaranteed 5% daily return."
    assert guaranteed_return_claims(text) == ["Earn a guaranteed 5% daily return."]


def test_a_promise_in_an_overlong_sentence_is_found_in_its_piece():
    filler = "the platform settles trades between verified members " * 100  # no full stop
    claims = guaranteed_return_claims(filler + "and members earn guaranteed returns " + filler)
    assert len(claims) == 1
    assert "guaranteed returns" in claims[0]
    assert len(claims[0]) <= SNIPPET_MAX_CHARS
