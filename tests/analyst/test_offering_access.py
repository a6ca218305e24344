"""Every view of one offering finds it through one helper (get_offering_for_user): a
soft-deleted offering is gone (404) from each of them, and a signed-in user without the viewer
role is refused (403) before any action is tried."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from offerings.models import Document
from offerings.services import offering_delete
from tests.conftest import with_role
from tests.factories import OfferingFactory, UserFactory
from tests.pdfs import text_pdf

pytestmark = pytest.mark.django_db

# (method, URL name, extra args): every per-offering page and action.
PER_OFFERING = [
    ("get", "offerings:detail", ()),
    ("post", "offerings:watch", ()),
    ("post", "offerings:outcome_add", ()),
    ("post", "offerings:checked_none", ()),
    ("post", "diligence:review", ()),
    ("post", "diligence:workflow", ()),
    ("get", "offerings:document", ("document",)),
]


@pytest.fixture
def admin_user(db):
    return with_role(UserFactory(username="chief"), "admin")


def _url(name: str, offering, extra: tuple, document) -> str:
    args = [offering.slug, *(document.pk for _ in extra)]
    return reverse(name, args=args)


def _document(offering) -> Document:
    document = Document(offering=offering, kind=Document.Kind.WHITEPAPER)
    document.file.save("paper.pdf", ContentFile(text_pdf("A whitepaper.")), save=True)
    return document


@pytest.mark.parametrize(("method", "name", "extra"), PER_OFFERING)
def test_a_soft_deleted_offering_is_gone_from_every_view_of_it(
    client, analyst, admin_user, method, name, extra
):
    offering = OfferingFactory()
    document = _document(offering)
    url = _url(name, offering, extra, document)
    client.force_login(analyst)
    assert getattr(client, method)(url).status_code != 404  # there before the delete
    offering_delete(offering=offering, user=admin_user)
    response = getattr(client, method)(url)
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "name", "extra"), PER_OFFERING)
def test_a_user_without_a_role_is_refused_by_every_view_of_an_offering(client, method, name, extra):
    offering = OfferingFactory()
    document = _document(offering)
    client.force_login(UserFactory(username="nobody"))
    response = getattr(client, method)(_url(name, offering, extra, document))
    assert response.status_code == 403
