import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from bench.whitepaper_corpus import Corpus
from diligence.facts import facts_for
from diligence.rules import RULES
from offerings.models import Offering, WhitepaperBand, WhitepaperMatch, WhitepaperSignature
from offerings.whitepapers.boilerplate import PASSAGES
from offerings.whitepapers.copies import whitepaper_index
from tests.factories import DocumentFactory, OfferingFactory

pytestmark = pytest.mark.django_db

EARLY, LATE = dt.date(2018, 1, 10), dt.date(2018, 6, 1)
THRESHOLD = 0.30
# The floors the constructed corpus must meet at the 30% threshold (README reports the figures).
PRECISION_FLOOR, RECALL_FLOOR = 0.95, 0.9
# A disclaimer in our own words that is on no curated list: only document frequency catches it.
HOUSE_DISCLAIMER = (
    "Holders acknowledge that participation carries substantial uncertainty and that the "
    "foundation gives no undertaking regarding future token value, exchange availability, "
    "technical delivery dates or the continued operation of any network component described "
    "herein, and each participant must rely solely on independent judgement after obtaining "
    "qualified professional counsel appropriate to their personal circumstances and residence."
)


def paper(paragraphs, start=LATE, **offering):
    owner = OfferingFactory(start_date=start, end_date=start + dt.timedelta(days=30), **offering)
    document = DocumentFactory(offering=owner, text="\n\n".join(paragraphs))
    whitepaper_index(document_id=document.pk)
    return document


def copied_share(document) -> float:
    shares = WhitepaperMatch.objects.filter(document=document).values_list("share", flat=True)
    return max(shares, default=0.0)


def test_a_copied_share_is_found_with_its_passages_and_source():
    corpus = Corpus(seed=1)
    original = corpus.paragraphs(10)
    source = paper(original, EARLY, name="Original Chain")
    copy = paper(corpus.copy_of(original, 0.4, total=10))

    match = WhitepaperMatch.objects.get(document=copy)
    assert match.source_document == source
    assert match.source_offering.name == "Original Chain"
    assert 0.35 < match.share < 0.45
    assert match.passages[0]["text"][:40] in source.text
    assert match.passages[0]["source_text"][:40] in source.text


def test_the_earlier_whitepaper_indexed_later_still_makes_the_later_one_the_copy():
    corpus = Corpus(seed=2)
    original = corpus.paragraphs(10)
    copy = paper(corpus.copy_of(original, 0.5, total=10), LATE)
    source = paper(original, EARLY)

    assert not WhitepaperMatch.objects.filter(document=source).exists()
    assert WhitepaperMatch.objects.get(document=copy).source_document == source


def test_whitepapers_of_the_same_day_are_not_called_copies_of_each_other():
    corpus = Corpus(seed=3)
    original = corpus.paragraphs(8)
    paper(original, EARLY)
    twin = paper(corpus.copy_of(original, 0.8, total=8), EARLY)
    assert copied_share(twin) == 0.0


def test_a_new_version_replaces_the_offerings_entry_in_the_index():
    corpus = Corpus(seed=4)
    first = paper(corpus.paragraphs(6))
    second = DocumentFactory(offering=first.offering, text="\n".join(corpus.paragraphs(6)))
    whitepaper_index(document_id=second.pk)
    signature = WhitepaperSignature.objects.get(offering=first.offering)
    assert signature.document_id == second.pk
    assert WhitepaperBand.objects.filter(signature=signature).count() == 64


def test_adding_a_whitepaper_hashes_only_that_one_and_costs_the_same_queries_at_any_size():
    corpus = Corpus(seed=5)
    for _ in range(3):
        paper(corpus.paragraphs(4))
    before = dict(WhitepaperSignature.objects.values_list("pk", "minhash"))
    few = _index_queries(corpus)
    for _ in range(12):
        paper(corpus.paragraphs(4))
    many = _index_queries(corpus)

    assert many == few
    after = dict(WhitepaperSignature.objects.values_list("pk", "minhash"))
    assert all(bytes(after[pk]) == bytes(value) for pk, value in before.items())


def _index_queries(corpus) -> int:
    owner = OfferingFactory(start_date=LATE, end_date=LATE + dt.timedelta(days=30))
    document = DocumentFactory(offering=owner, text="\n".join(corpus.paragraphs(4)))
    with CaptureQueriesContext(connection) as queries:
        whitepaper_index(document_id=document.pk)
    return len(queries)


def test_a_shared_standard_disclaimer_is_not_a_copy():
    corpus = Corpus(seed=6)
    paper([*corpus.paragraphs(2), *PASSAGES], EARLY)
    later = paper([*PASSAGES, *corpus.paragraphs(2)])
    assert copied_share(later) == 0.0


def test_a_passage_in_many_offerings_whitepapers_is_boilerplate(settings):
    settings.WHITEPAPER_BOILERPLATE_MIN_OFFERINGS = 5
    corpus = Corpus(seed=7)
    for day in range(5):
        paper([HOUSE_DISCLAIMER, *corpus.paragraphs(2)], EARLY + dt.timedelta(days=day))
    later = paper([*corpus.paragraphs(2), HOUSE_DISCLAIMER])
    assert copied_share(later) == 0.0


def test_precision_and_recall_on_a_constructed_corpus_meet_their_floors(settings):
    settings.WHITEPAPER_BOILERPLATE_MIN_OFFERINGS = 6
    corpus = Corpus(seed=8)
    # Steady state: the house disclaimer is already in several offerings' whitepapers.
    for day in range(6):
        paper([HOUSE_DISCLAIMER, *corpus.paragraphs(3)], EARLY - dt.timedelta(days=10 + day))
    cases = []  # (document, truly copied at or above the threshold)
    for _ in range(4):
        for share, shuffle, edit in ((0.4, False, False), (0.5, True, False), (0.6, False, True)):
            original = corpus.paragraphs(10)
            paper(original, EARLY)
            text = corpus.copy_of(original, share, total=10, shuffle=shuffle, edit=edit)
            cases.append((paper(text), True))
        original = corpus.paragraphs(10)
        paper(original, EARLY)
        cases.append((paper(corpus.copy_of(original, 0.1, total=10)), False))
        paper([*corpus.paragraphs(2), *PASSAGES], EARLY)
        cases.append((paper([*PASSAGES, *corpus.paragraphs(2)]), False))
        cases.append((paper([*corpus.paragraphs(3), HOUSE_DISCLAIMER]), False))
        cases.append((paper(corpus.paragraphs(8)), False))
    flagged = [(copied_share(doc) >= THRESHOLD, truth) for doc, truth in cases]
    true_positives = sum(1 for found, truth in flagged if found and truth)
    precision = true_positives / max(1, sum(found for found, _ in flagged))
    recall = true_positives / sum(truth for _, truth in flagged)
    print(f"copied whitepapers: precision {precision:.2f}, recall {recall:.2f}, n={len(cases)}")
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR


def test_the_rule_flags_a_copy_quoting_it_and_linking_the_source():
    corpus = Corpus(seed=9)
    original = corpus.paragraphs(10)
    paper(original, EARLY, name="Original Chain", slug="original-chain")
    copy = paper(corpus.copy_of(original, 0.5, total=10))
    [facts] = facts_for(Offering.objects.filter(pk=copy.offering_id))

    result = RULES["whitepaper.copied"].check(facts)
    assert result.outcome == "flag"
    assert "Original Chain (/offerings/original-chain/, published 2018-01-10)" in result.evidence
    assert facts.whitepaper_copy.matches[0].passages[0][0][:30] in result.evidence
    assert f"document {copy.pk}, compared" in result.evidence


def test_the_rule_passes_a_checked_whitepaper_and_is_unknown_without_text():
    corpus = Corpus(seed=10)
    own = paper(corpus.paragraphs(6))
    unread = OfferingFactory()
    facts = {
        f.offering_id: f
        for f in facts_for(Offering.objects.filter(pk__in=[own.offering_id, unread.pk]))
    }

    assert RULES["whitepaper.copied"].check(facts[own.offering_id]).outcome == "pass"
    assert RULES["whitepaper.copied"].check(facts[unread.pk]).outcome == "unknown"


def test_the_offering_page_quotes_the_copied_passages_and_links_the_source(client, analyst):
    client.force_login(analyst)
    corpus = Corpus(seed=11)
    original = corpus.paragraphs(10)
    source = paper(original, EARLY, name="Original Chain", slug="original-chain")
    copy = paper(corpus.copy_of(original, 0.5, total=10), name="Copycat", slug="copycat")
    passage = WhitepaperMatch.objects.get(document=copy).passages[0]["text"]
    client.get(reverse("offerings:list"))  # the user's permissions cached, as for every page

    with CaptureQueriesContext(connection) as indexed:
        page = client.get(reverse("offerings:detail", args=["copycat"]))
    with CaptureQueriesContext(connection) as source_queries:
        source_page = client.get(reverse("offerings:detail", args=[source.offering.slug]))
    content = page.content.decode()
    WhitepaperSignature.objects.filter(offering=copy.offering).delete()
    with CaptureQueriesContext(connection) as unindexed:
        client.get(reverse("offerings:detail", args=["copycat"]))

    assert 'href="/offerings/original-chain/"' in content
    assert escape(passage) in content
    assert re.search(r"<strong>(4[5-9]|5[0-5])% of this whitepaper</strong>", content)
    assert 'Later whitepapers sharing its passages: <a href="/offerings/copycat/">' in (
        source_page.content.decode()
    )
    # An indexed whitepaper costs one query more than a page without one (pinned in
    # tests/offerings/test_detail.py DETAIL_QUERIES), whatever it matches.
    assert len(indexed) == len(source_queries) == len(unindexed) + 1


def test_an_offering_without_stored_text_says_it_was_not_compared(client, analyst):
    client.force_login(analyst)
    offering = OfferingFactory(slug="unread")
    content = client.get(reverse("offerings:detail", args=[offering.slug])).content.decode()
    assert "Not compared: no whitepaper text is stored yet" in content


def test_the_export_and_the_api_carry_the_check_read_only(
    client, analyst, django_assert_num_queries
):
    from api.representation import (
        offering_representation,
        offerings_with_parts_json,
        parts_from_json,
    )
    from offerings.formats import export_queryset

    corpus = Corpus(seed=12)
    original = corpus.paragraphs(10)
    paper(original, EARLY, slug="original-chain")
    copy = paper(corpus.copy_of(original, 0.5, total=10), slug="copycat")
    unread = OfferingFactory(slug="unread")

    records = {record["slug"]: record for record in export_queryset()}
    check = records["copycat"]["whitepaper_copy"]
    assert check["document_id"] == copy.pk
    assert check["compared_at"]
    [match] = check["matches"]
    assert (match["source"], round(match["share"], 1)) == ("original-chain", 0.5)
    assert match["passages"][0]["text"]
    assert records["original-chain"]["whitepaper_copy"]["matches"] == []
    assert records["unread"]["whitepaper_copy"] is None

    offerings = list(
        offerings_with_parts_json(Offering.objects.filter(pk__in=[copy.offering_id, unread.pk]))
    )
    with django_assert_num_queries(1):  # the matches of the one with its whitepaper indexed
        parts = parts_from_json(offerings)
    api = {o.slug: offering_representation(o, parts=parts[o.pk], base_url="/") for o in offerings}
    assert api["copycat"]["whitepaper_copy"] == check
    assert api["unread"]["whitepaper_copy"] is None
    # None indexed: no whitepaper has matches to read.
    [alone] = offerings_with_parts_json(Offering.objects.filter(pk=unread.pk))
    with django_assert_num_queries(0):
        assert parts_from_json([alone])[unread.pk]["whitepaper_matches"] == []


def test_recomparing_after_a_sale_date_moved_turns_the_copy_around():
    corpus = Corpus(seed=21)
    original = corpus.paragraphs(10)
    first = paper(original, EARLY, slug="first-chain")
    second = paper(corpus.copy_of(original, 0.5, total=10), LATE, slug="second-chain")
    assert WhitepaperMatch.objects.get().document == second

    # The research was wrong: the second sale started before the first.
    Offering.objects.filter(slug="second-chain").update(start_date=EARLY - dt.timedelta(days=90))
    call_command("compare_whitepapers", stdout=StringIO())

    match = WhitepaperMatch.objects.get()  # the old direction is gone, not kept beside it
    assert (match.document, match.source_document) == (first, second)


def test_recomparing_one_offering_also_recompares_the_whitepapers_recorded_as_copying_it():
    corpus = Corpus(seed=22)
    original = corpus.paragraphs(10)
    paper(original, EARLY, slug="source-chain")
    copy = paper(corpus.copy_of(original, 0.5, total=10), LATE, slug="copy-chain")
    paper(corpus.paragraphs(6), LATE, slug="bystander")
    Offering.objects.filter(slug="copy-chain").update(start_date=EARLY - dt.timedelta(days=90))

    out = StringIO()
    call_command("compare_whitepapers", offering="source-chain", stdout=out)

    assert "2 whitepapers compared" in out.getvalue()  # source-chain and copy-chain, no bystander
    match = WhitepaperMatch.objects.get()
    assert match.source_document == copy and match.offering.slug == "source-chain"


def test_recomparing_an_unknown_offering_names_it():
    with pytest.raises(CommandError, match="'nope': no such offering"):
        call_command("compare_whitepapers", offering="nope")
