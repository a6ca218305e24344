"""among_ids: a chunk of offering ids as one range when dense, as a list when sparse."""

from __future__ import annotations

import pytest
from django.db.models import Q

from offerings.models import Offering
from offerings.queries import among_ids
from tests.factories import OfferingFactory


def test_dense_ids_become_one_range():
    assert among_ids([3, 4, 6, 7]) == Q(offering_id__gte=3, offering_id__lte=7)


def test_sparse_ids_stay_a_list_and_the_field_can_be_named():
    assert among_ids([1, 50, 900], "pk") == Q(pk__in=[1, 50, 900])
    assert among_ids([5], "pk") == Q(pk__in=[5])


@pytest.mark.django_db
def test_a_range_may_read_other_rows_that_callers_then_ignore():
    first, middle, last = (OfferingFactory() for _ in range(3))
    found = set(Offering.objects.filter(among_ids([first.pk, last.pk], "pk")))
    assert {first, last} <= found
    assert middle in found  # dense ids: the range covers the one between
