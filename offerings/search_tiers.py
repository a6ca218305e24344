"""A broad search's pages, read tier by tier of its rank instead of ranking every match.

OfferingQuerySet.search() ranks a match (`search_rank`, PostgreSQL) by the greatest of: 2 for an
exact name or symbol; the full-text rank of its name and symbol; the word similarity of `q` to
its name. The list orders by that rank, then newest sale, name and id. Ranking costs a
computation per match, and a word most names contain ("coin", "token") matches thousands, so
a page of such a search used to cost tens of milliseconds of database time, all of it spent
ranking rows nobody sees.

The rank's two best values are conditions of their own, which a page can read in the tie order
(an index: offering_newest_first) and stop as soon as the page is full:

1. rank 2: an exact name or symbol;
2. rank 1: otherwise, a name that holds `q` as a whole word (word similarity 1; the full-text
   rank stays below 1, at most 0.9999997 for a 200-character name repeating the words of `q`,
   so it never reaches this tier);
3. the rest, below 1, ranked as before.

A page reads tier 1, then tier 2, then tier 3 only when the tiers before it run out, and counts
a tier only when a page starts past its end: the same rows in the same order as ranking every
match (tests/offerings/test_search_tiers.py checks this page by page).
"""

from __future__ import annotations

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connections, models
from django.db.models.lookups import GreaterThanOrEqual, LessThan

from ops.row_digest import statement_of


def capped_count(matching: models.QuerySet, cap: int, floor: models.QuerySet | None = None) -> int:
    """How many rows `matching` holds, counted no further than cap + 1 (COUNT(*) over the first
    cap + 1: it stops at the first match past the cap).

    `floor`: a subset of `matching` that is cheaper to test per row (a search's literal matches:
    diligence.selectors.offering_search_floor). Then one statement counts the floor first and
    `matching` only when the floor stays within the cap, so a broad search ("token", past the
    cap on its literal matches alone) computes no word similarity for the rows that are not
    literal matches; a narrow one costs the floor's count more, in the same round trip."""

    def first(offerings: models.QuerySet) -> models.QuerySet:
        return offerings.order_by().values("pk")[: cap + 1]

    if floor is None:
        return first(matching).count()
    floor_sql, floor_params = statement_of(first(floor))
    sql, params = statement_of(first(matching))
    with connections[matching.db].cursor() as cursor:
        cursor.execute(
            f"SELECT CASE WHEN (SELECT COUNT(*) FROM ({floor_sql}) floor) > %s THEN %s "
            f"ELSE (SELECT COUNT(*) FROM ({sql}) matching) END",
            (*floor_params, cap, cap + 1, *params),
        )
        return cursor.fetchone()[0]


def newest_first() -> list:
    """The list's order without a sort key, and the tie order of a search's rank."""
    return [models.F("start_date").desc(nulls_last=True), "name", "id"]


def rank_tiers(rows: models.QuerySet, q: str) -> RankTiers | None:
    """`rows` read tier by tier, when they are a PostgreSQL search in its rank order."""
    ordered_by_rank = bool(rows.query.order_by) and "search_rank" in str(rows.query.order_by[0])
    if connections[rows.db].vendor != "postgresql" or not q.strip() or not ordered_by_rank:
        return None
    return RankTiers(rows, q)


class RankTiers:
    """The rows of a ranked search (`rows`: ordered by search_rank, then newest_first()),
    sliceable like them, read tier by tier. Only a slice with a start and a stop is read."""

    def __init__(self, rows: models.QuerySet, q: str) -> None:
        q = q.strip()
        exact = models.Q(symbol__iexact=q) | models.Q(name__iexact=q)
        whole_word = GreaterThanOrEqual(TrigramWordSimilarity(q, "name"), 1.0)
        below = LessThan(TrigramWordSimilarity(q, "name"), 1.0)
        self.tiers = [
            rows.filter(exact).order_by(*newest_first()),
            rows.filter(~exact, whole_word).order_by(*newest_first()),
            rows.filter(~exact, below),  # in the rank's order
        ]
        self.ordered = True  # for Paginator: the order is the ranking's

    def __getitem__(self, index: slice) -> list:
        if not isinstance(index, slice) or index.start is None or index.stop is None:
            raise TypeError("RankTiers reads slices with a start and a stop only")
        start, wanted = index.start, index.stop - index.start
        rows: list = []
        for tier in self.tiers:
            if wanted <= 0:
                break
            read = list(tier[start : start + wanted])
            rows += read
            wanted -= len(read)
            if wanted <= 0:
                break
            # This tier ended before the page did: how many rows it had, to start the next.
            size = start + len(read) if read or not start else tier.count()
            start = max(0, start - size)
        return rows
