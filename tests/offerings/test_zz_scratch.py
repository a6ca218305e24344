import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from offerings.importing import SourceRow, offerings_import
from offerings.models import Offering, TeamMember

pytestmark = pytest.mark.django_db


def rec(i, **kw):
    r = {"name": f"P {i}", "symbol": f"P{i}", "kind": "ico", "soft_cap": "10", "hard_cap": "100",
         "team": [{"name": "A", "role": "CEO"}], "allocations": [{"bucket": "team", "percent": "10"}],
         "rounds": [{"kind": "seed", "price_usd": "0.1"}], "audits": [{"auditor": "X"}],
         "socials": {"twitter": "https://x.example/a"}, "venue": "NewVenue"}
    r.update(kw)
    return r


def run(records):
    return offerings_import(rows=[SourceRow(n, r) for n, r in enumerate(records, 1)])


@pytest.mark.parametrize("n", [10, 40])
def test_counts(n):
    with CaptureQueriesContext(connection) as ctx:
        rep = run([rec(i) for i in range(n)])
    print("create", n, len(ctx), rep.created)
    with CaptureQueriesContext(connection) as ctx:
        rep = run([rec(i, hard_cap="200", team=[{"name": "B"}]) for i in range(n)])
    print("update", n, len(ctx), rep.updated, rep.errors[:2])
    print(TeamMember.history.values_list("history_type", "name").order_by("history_id")[:3], TeamMember.history.filter(history_type="-").count(), TeamMember.objects.count())
