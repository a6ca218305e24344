from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from analyst.models import Notification, Watch
from analyst.services import watch_toggle
from diligence.models import Assessment
from tests.factories import OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db

WATCHLIST = reverse("offerings:watchlist")
NOTIFICATIONS = reverse("offerings:notifications")
# Session, user, the header's unread count, the pager's count, one page of watched offerings
# with their venues and current assessments, and the previous assessments of that page.
# The signed-in user's permissions come from the cache (accounts.backends).
# -1 since the user is kept between requests (accounts.auth_cache).
WATCHLIST_QUERIES = 5
# Session, user, the header's unread count, the pager's count, one page with the offerings.
# -1 since the user is kept between requests (accounts.auth_cache).
NOTIFICATION_QUERIES = 4


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def watch_url(offering) -> str:
    return reverse("offerings:watch", args=[offering.slug])


def assess(offering, *, score, risk, flags=(), grade="C", days_ago=0) -> Assessment:
    """Record a new current assessment of `offering`, keeping the earlier ones as history."""
    offering.assessments.update(is_current=False)
    return Assessment.objects.create(
        offering=offering,
        created_at=timezone.now() - dt.timedelta(days=days_ago),
        methodology_version="test",
        score=None if score is None else Decimal(score),
        grade=grade,
        risk=risk,
        coverage=Decimal("0.8"),
        flags=list(flags),
        digest=f"{offering.pk}-{days_ago}",
    )


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def row_of(content: str, offering) -> str:
    """The watchlist row of `offering`, as text."""
    detail = reverse("offerings:detail", args=[offering.slug])
    match = re.search(rf"<tr>\s*<th scope=\"row\"><a href=\"{detail}\">.*?</tr>", content, re.S)
    assert match, f"no row for {offering.slug}"
    return text(match[0])


# --- starring -------------------------------------------------------------------------------


def test_an_analyst_stars_an_offering_and_unstars_it_with_the_same_button(analyst_client, analyst):
    offering = OfferingFactory()
    analyst_client.post(watch_url(offering))
    assert Watch.objects.filter(user=analyst, offering=offering).exists()
    analyst_client.post(watch_url(offering))
    assert not Watch.objects.filter(user=analyst, offering=offering).exists()


def test_a_repeated_submit_of_the_button_changes_nothing(analyst_client, analyst):
    offering = OfferingFactory()
    for _ in range(2):
        analyst_client.post(watch_url(offering), {"watching": "on"})
    assert Watch.objects.filter(user=analyst, offering=offering).count() == 1
    for _ in range(2):
        analyst_client.post(watch_url(offering), {"watching": "off"})
    assert not Watch.objects.filter(user=analyst).exists()


def test_starring_with_htmx_returns_only_the_pressed_button(analyst_client):
    offering = OfferingFactory(name="Helix Grid")
    response = analyst_client.post(
        watch_url(offering), {"next": "/offerings/?q=helix"}, headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert 'aria-pressed="true"' in content
    assert "Unwatch" in text(content)
    assert 'name="watching" value="off"' in content
    assert 'name="next" value="/offerings/?q=helix"' in content

    content = analyst_client.post(watch_url(offering), headers={"HX-Request": "true"}).content
    content = content.decode()
    assert 'aria-pressed="false"' in content
    assert "Watch" in text(content).split()
    detail = reverse("offerings:detail", args=[offering.slug])
    assert f'name="next" value="{detail}"' in content  # never the watch URL itself


def test_a_plain_submit_returns_to_the_page_it_came_from(analyst_client):
    offering = OfferingFactory()
    response = analyst_client.post(watch_url(offering), {"next": "/offerings/?q=helix&page=2"})
    assert response.status_code == 302
    assert response.url == "/offerings/?q=helix&page=2"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", ""])
def test_a_plain_submit_never_returns_to_another_site(analyst_client, next_url):
    offering = OfferingFactory()
    response = analyst_client.post(watch_url(offering), {"next": next_url})
    assert response.url == reverse("offerings:detail", args=[offering.slug])


@pytest.mark.parametrize("public_browsing", [False, True])
def test_a_visitor_who_is_not_signed_in_cannot_watch(client, settings, public_browsing):
    settings.OFFERWATCH_PUBLIC_BROWSING = public_browsing
    offering = OfferingFactory()
    response = client.post(watch_url(offering), {"watching": "on"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not Watch.objects.exists()


def test_watching_takes_a_post_only(analyst_client):
    response = analyst_client.get(watch_url(OfferingFactory()))
    assert response.status_code == 405
    assert not Watch.objects.exists()


def test_watching_an_unknown_offering_is_not_found(analyst_client):
    response = analyst_client.post(reverse("offerings:watch", args=["no-such-offering"]))
    assert response.status_code == 404


def test_the_service_says_whether_the_user_now_watches(analyst):
    offering = OfferingFactory()
    assert watch_toggle(user=analyst, offering=offering) is True
    assert watch_toggle(user=analyst, offering=offering, watching=True) is True
    assert Watch.objects.count() == 1
    assert watch_toggle(user=analyst, offering=offering) is False
    assert watch_toggle(user=analyst, offering=offering, watching=False) is False
    assert not Watch.objects.exists()


# --- the watchlist --------------------------------------------------------------------------


def test_an_analyst_sees_only_their_own_watchlist(analyst_client, analyst):
    mine, theirs = OfferingFactory(name="Helix Grid"), OfferingFactory(name="Umbra Link")
    Watch.objects.create(user=analyst, offering=mine)
    Watch.objects.create(user=UserFactory(), offering=theirs)
    content = analyst_client.get(WATCHLIST).content.decode()
    assert "Helix Grid" in content
    assert "Umbra Link" not in content


def test_the_watchlist_shows_score_and_risk_movements_in_words(analyst_client, analyst):
    better, worse = OfferingFactory(name="Helix Grid"), OfferingFactory(name="Umbra Link")
    assess(better, score="55.0", risk="high", days_ago=3)
    assess(better, score="71.5", risk="medium", grade="B", flags=["roadmap.missing"])
    assess(worse, score="80.0", risk="low", flags=["website.insecure"], days_ago=3)
    assess(worse, score="62.0", risk="high", flags=["whitepaper.missing", "website.insecure"])
    Watch.objects.create(user=analyst, offering=better)
    Watch.objects.create(user=analyst, offering=worse)
    content = analyst_client.get(WATCHLIST).content.decode()

    row = row_of(content, better)
    assert "B 71.5 ▲ up 16.5 from 55.0" in row
    assert "medium ▼ fell from high" in row
    assert "80% roadmap.missing" in row
    row = row_of(content, worse)
    assert "▼ down 18.0 from 80.0" in row
    assert "▲ rose from low" in row
    assert "whitepaper.missing" in row
    assert "website.insecure" not in row  # flagged before: not new


def test_an_offering_assessed_once_or_never_shows_no_movement(analyst_client, analyst):
    once, never = OfferingFactory(name="Helix Grid"), OfferingFactory(name="Umbra Link")
    assess(once, score="70.0", risk="medium")
    Watch.objects.create(user=analyst, offering=once)
    Watch.objects.create(user=analyst, offering=never)
    content = analyst_client.get(WATCHLIST).content.decode()
    assert "first assessment" in row_of(content, once)
    assert "not scored" in row_of(content, never)
    assert "not assessed" in row_of(content, never)


def test_the_watchlist_lists_the_latest_starred_first(analyst_client, analyst):
    first, second = OfferingFactory(name="Helix Grid"), OfferingFactory(name="Umbra Link")
    Watch.objects.create(user=analyst, offering=first)
    Watch.objects.create(user=analyst, offering=second)
    content = analyst_client.get(WATCHLIST).content.decode()
    assert content.index("Umbra Link") < content.index("Helix Grid")


def test_an_empty_watchlist_says_how_to_watch(analyst_client):
    content = analyst_client.get(WATCHLIST).content.decode()
    assert "not watching any offering yet" in content


@pytest.mark.parametrize("watched", [1, 6])
def test_the_watchlist_costs_the_same_queries_for_any_number_watched(
    analyst_client,
    analyst,
    watched,
    page_queries,
):
    for number in range(watched):
        offering = OfferingFactory()
        assess(offering, score="50.0", risk="high", days_ago=2)
        assess(offering, score=f"{60 + number}.0", risk="medium")
        Watch.objects.create(user=analyst, offering=offering)
    page = page_queries(analyst_client, WATCHLIST)
    assert page.count == WATCHLIST_QUERIES, page.statements


@pytest.mark.parametrize("public_browsing", [False, True])
@pytest.mark.parametrize("url", [WATCHLIST, NOTIFICATIONS])
def test_a_visitor_who_is_not_signed_in_has_no_watchlist_or_notifications(
    client, settings, public_browsing, url
):
    settings.OFFERWATCH_PUBLIC_BROWSING = public_browsing
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


# --- notifications --------------------------------------------------------------------------


def notify(user, offering, message: str, *, read: bool = False) -> Notification:
    return Notification.objects.create(
        user=user,
        offering=offering,
        kind=Notification.Kind.RISK_CHANGED,
        message=message,
        read_at=timezone.now() if read else None,
    )


def test_an_analyst_reads_their_own_notifications_newest_first(analyst_client, analyst):
    offering = OfferingFactory()
    notify(analyst, offering, "Risk of Helix Grid rose from low to medium")
    notify(analyst, offering, "Risk of Helix Grid rose from medium to high")
    notify(UserFactory(), offering, "Someone else's notice")
    content = analyst_client.get(NOTIFICATIONS).content.decode()
    assert content.index("medium to high") < content.index("low to medium")
    assert "Someone else" not in content
    assert reverse("offerings:detail", args=[offering.slug]) in content


def test_unread_notifications_are_marked_in_words_and_counted_in_the_header(
    analyst_client, analyst
):
    offering = OfferingFactory()
    notify(analyst, offering, "Risk of Helix Grid rose from low to medium")
    notify(analyst, offering, "Risk of Helix Grid fell from medium to low", read=True)
    content = analyst_client.get(NOTIFICATIONS).content.decode()
    assert text(content).count("New Risk of Helix Grid") == 1
    assert 'aria-label="1 unread"' in content


def test_mark_all_read_marks_only_the_analysts_own(analyst_client, analyst):
    offering = OfferingFactory()
    notify(analyst, offering, "one")
    notify(analyst, offering, "two")
    other = notify(UserFactory(), offering, "someone else's")
    response = analyst_client.post(NOTIFICATIONS)
    assert response.status_code == 302
    assert response.url == NOTIFICATIONS
    assert not analyst.notifications.filter(read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
    content = analyst_client.get(NOTIFICATIONS).content.decode()
    assert "Marked 2 notifications read." in content
    assert "unread" not in content.split("<main")[0]


def test_mark_all_read_keeps_the_time_a_notification_was_first_read(analyst_client, analyst):
    earlier = timezone.now() - dt.timedelta(days=3)
    notification = notify(analyst, OfferingFactory(), "one")
    Notification.objects.filter(pk=notification.pk).update(read_at=earlier)
    analyst_client.post(NOTIFICATIONS)
    notification.refresh_from_db()
    assert notification.read_at == earlier


@pytest.mark.parametrize("count", [1, 8])
def test_the_notification_list_costs_the_same_queries_for_any_number(
    analyst_client,
    analyst,
    count,
    page_queries,
):
    for number in range(count):
        notify(analyst, OfferingFactory(), f"notice {number}")
    page = page_queries(analyst_client, NOTIFICATIONS)
    assert page.count == NOTIFICATION_QUERIES, page.statements


def test_the_notification_list_is_paged(analyst_client, analyst, monkeypatch):
    monkeypatch.setattr("analyst.views.watch.NOTIFICATIONS_PAGE_SIZE", 2)
    offering = OfferingFactory()
    for number in range(5):
        notify(analyst, offering, f"notice {number}")
    content = analyst_client.get(NOTIFICATIONS, {"page": 3}).content.decode()
    assert "page 3 of 3" in content
    assert "notice 0" in content
    assert "notice 4" not in content
