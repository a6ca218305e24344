"""Reading the public lists: the SEC's litigation RSS, the CFTC RED list, our CSV layout and
OFAC's SDN files (fixture copies shaped like the real ones)."""

from __future__ import annotations

import datetime as dt

import pytest

from records.edgar import accession_in, related_persons
from records.ofac import SdnError, sdn_addresses
from records.regulator_lists import ListError, cftc_red_entries, csv_entries
from records.sec_feed import FeedError, litigation_entries, parties
from tests.records.conftest import fixture


def test_litigation_releases_name_their_parties_tokens_and_domains():
    first, second = litigation_entries(fixture("litreleases.xml").read_bytes())

    assert first.authority == "SEC" and first.kind == "action"
    assert first.date == dt.date(2024, 12, 3)
    assert first.url == "https://www.sec.gov/litigation/litreleases/lr-26001"
    assert first.names == ["Nova Chain Labs Inc", "Jane Roe", "Richard Miles"]
    assert first.tokens == ["NOVA"]
    assert first.domains == ["novachain.io"]
    assert second.names == ["Harborview Capital"]


@pytest.mark.parametrize(
    ("title", "names"),
    [
        ("LR-26100: SEC v. Acme Labs, LLC and John Smith", ["Acme Labs LLC", "John Smith"]),
        ("SEC Obtains Judgment", []),
    ],
)
def test_parties_come_from_the_caption(title, names):
    assert parties(title) == names


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>blocked</html>", "not an RSS channel"),
        (b"not xml", "not XML"),
        (
            b"<rss><channel><item><title>t</title><link>ftp://x</link></item></channel></rss>",
            "item 1",
        ),
    ],
)
def test_a_feed_that_is_not_the_feed_is_refused(body, message):
    with pytest.raises(FeedError, match=message):
        litigation_entries(body)


def test_the_red_list_page_gives_one_warning_per_firm_with_its_domains():
    orbit, payline = cftc_red_entries(fixture("cftc_red.html").read_bytes())

    assert orbit.authority == "CFTC" and orbit.kind == "warning"
    assert orbit.names == ["Orbit Prime Trading Ltd"]
    assert orbit.domains == ["orbitprime-fx.com"]
    assert orbit.date == dt.date(2024, 10, 15)
    assert orbit.title == "RED list: Orbit Prime Trading Ltd (Saint Vincent)"
    assert orbit.url.endswith("redlist.htm#orbit-prime-trading-ltd")
    assert payline.domains == ["paylinemarkets.net", "payline-markets.org"]


def test_the_red_list_as_csv_reads_the_same():
    content = (
        b"Name,Website(s),Date Added\nOrbit Prime Trading Ltd,www.orbitprime-fx.com,10/15/2024\n"
    )
    [orbit] = cftc_red_entries(content)
    assert orbit.domains == ["orbitprime-fx.com"] and orbit.date == dt.date(2024, 10, 15)


def test_a_red_list_row_with_a_bad_date_names_row_field_and_value():
    content = b"Name,Date Added\nOrbit,someday\n"
    with pytest.raises(ListError, match=r"row 2: date \('someday'\) is not a date"):
        cftc_red_entries(content)


def test_other_regulators_lists_in_our_csv_layout():
    fca, bafin = csv_entries(fixture("regulator_warnings.csv").read_bytes())

    assert fca.authority == "FCA" and fca.tokens == ["ZYV"]
    assert fca.domains == ["zenithyield.finance"]
    assert bafin.names == ["Quantum Ledger Group", "Quantum Ledger GmbH"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"authority,kind\nSEC,action\n", "lacks title, url"),
        (b"authority,kind,title,url\nSEC,notice,T,https://x.example\n", "kind \\('notice'\\)"),
        (b"authority,kind,title,url\nSEC,action,T,javascript:x\n", "row 2: url"),
        (b"authority,kind,title,url\nSEC,action,,https://x.example\n", "row 2: title is empty"),
    ],
)
def test_a_bad_csv_row_is_refused_with_field_value_and_rule(content, message):
    with pytest.raises(ListError, match=message):
        csv_entries(content)


def test_sdn_xml_and_sdn_csv_give_the_same_addresses():
    from_xml = sdn_addresses(fixture("sdn.xml").read_bytes())
    from_csv = sdn_addresses(fixture("sdn.csv").read_bytes())

    assert {(a.address, a.currency, a.entry_uid) for a in from_xml} == {
        ("0x8589427373d6d84e98730d7795d8f6f8731fda16", "ETH", "40001"),
        ("1KUUJPkyDhamZXgpsyXqNGc3x1QPXtdhgz", "XBT", "40001"),  # pragma: allowlist secret
        ("TXmVthgn6Fn5TLJVZbAgKBFvgKXo2Qh6Xz", "USDT", "40002"),
    }
    assert {(a.address, a.currency, a.entry_uid) for a in from_csv} == {
        (a.address, a.currency, a.entry_uid) for a in from_xml
    }
    darkmix = next(a for a in from_xml if a.currency == "ETH")
    assert darkmix.entry_name == "DARKMIX SERVICES" and darkmix.programs == "CYBER2"
    assert next(a for a in from_xml if a.entry_uid == "40002").entry_name == "Ivan PETROV"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<sdnList><sdnEntry>", "not XML"),
        (b"<Sanctions><DistinctParties/></Sanctions>", "not <sdnList>"),
        (b'1,"A","B"\n', "row 1: 3 columns"),
    ],
)
def test_a_file_that_is_not_an_sdn_list_is_refused(content, message):
    with pytest.raises(SdnError, match=message):
        sdn_addresses(content)


def test_form_d_related_persons_with_their_relationships():
    assert related_persons(fixture("form_d_primary_doc.xml").read_bytes()) == [
        {"name": "Alice M. Carter", "relationships": ["Executive Officer", "Director"]},
        {"name": "Bob Nguyen", "relationships": ["Promoter"]},
    ]


@pytest.mark.parametrize(
    ("claim", "named"),
    [
        ("SEC Form D 0001800001-24-000007", ("0001800001-24-000007", "")),
        (
            "https://www.sec.gov/Archives/edgar/data/1800001/000180000124000007/x-index.htm",
            ("0001800001-24-000007", "1800001"),
        ),
        ("SEC Form D 021-123456", None),
        ("BaFin prospectus", None),
    ],
)
def test_a_claim_names_an_accession_number_or_nothing_checkable(claim, named):
    assert accession_in(claim) == named
