"""List endpoint benchmark: GET /api/v1/offerings/ (page of 50) against a floor and a naive API.

    python -m bench.api_list --scale 100000 \
        --database-url postgres://postgres@127.0.0.1:5432/ow_bench_api

Uses the seeded benchmark database of bench/rescore.py (created and seeded when missing,
scored once). Measures in process, after a warm-up, a filtered and ordered page of 50:
our endpoint (through the test client, authentication included), the floor (the same page
fetched by ONE raw SQL query with every part aggregated as JSON, serialised by orjson), and a
plain DRF ModelViewSet with nested ModelSerializers on the same data.

The three are interleaved in one loop (their order rotating each round), so each round's ratios
compare requests made moments apart under the same machine load; the report gives the median
of those paired ratios with their quartiles and range, which one noisy stretch cannot move the
way it moves a ratio of two separately measured medians. Writes bench/api_list.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
from collections.abc import Callable
from pathlib import Path

from bench.harness import machine, summary_of_pairs, timed_ms

REPORT_PATH = Path(__file__).with_name("api_list.json")
PAGE = 50
# The filter and ordering every variant serves: ICOs, newest sale first (the UI's default).
PARAMS = {"kind": "ico", "ordering": "-start_date", "page_size": PAGE}
# Also measured: best score first, which no index serves (every ICO is sorted per request).
BY_SCORE = {**PARAMS, "ordering": "-score"}
FLOOR_ORDER = {
    "-start_date": "o.start_date DESC{nulls}, o.name, o.id",
    "-score": "o.current_score DESC{nulls}, o.name, o.id",
}


def _timings(run: Callable[[], object], repeats: int, warm_up: int = 10) -> list[float]:
    for _ in range(warm_up):
        run()
    return [timed_ms(run) for _ in range(repeats)]


def _interleaved(
    variants: dict[str, Callable[[], object]], rounds: int, warm_up: int = 5
) -> dict[str, list[float]]:
    """Milliseconds of each variant per round, the variants run one after another in an order
    that rotates every round (no variant always first after a pause, or always last)."""
    for run in variants.values():
        for _ in range(warm_up):
            run()
    names = list(variants)
    timings: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            timings[name].append(timed_ms(variants[name]))
    return timings


def _p95(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]


def _reader_key() -> str:
    """A fresh read key for a benchmark user (keys are cheap; old ones expire)."""
    import secrets

    from django.contrib.auth import get_user_model

    from api.services import api_key_create
    from diligence.roles import role_assign

    user, _ = get_user_model().objects.get_or_create(username="bench-api")

    role_assign(user=user, role="viewer")  # a key and pages need a role
    _, plaintext = api_key_create(
        user=user,
        name=f"bench-{secrets.token_hex(4)}",
        scopes=["offerings:read"],
        expires_in_days=1,
    )
    return plaintext


def _ours(plaintext: str, params: dict = PARAMS) -> Callable[[], object]:
    from django.test import Client

    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {plaintext}")

    def run():
        response = client.get("/api/v1/offerings/", params, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"the endpoint answered {response.status_code}: {response.content}")
        return response.content

    return run


def _floor_sql(ordering: str) -> str:
    """One statement for the whole page: offerings, assessment, venue, market, and every part
    aggregated to JSON in its own order."""
    from django.db import connection

    from diligence.models import Assessment
    from offerings.models import (
        Audit,
        Listing,
        MarketSummary,
        Offering,
        SaleRound,
        SocialLink,
        TeamMember,
        TokenAllocation,
        Venue,
    )

    postgres = connection.vendor == "postgresql"
    quote = connection.ops.quote_name

    def table(model) -> str:
        return quote(model._meta.db_table)

    def row_object(model, alias: str) -> str:
        pairs = ", ".join(
            f"'{f.column}', {alias}.{quote(f.column)}" for f in model._meta.concrete_fields
        )
        return f"{'json_build_object' if postgres else 'json_object'}({pairs})"

    def parts(model, order: str, join: str = "") -> str:
        obj = row_object(model, "p")
        if postgres:
            aggregate = f"coalesce(json_agg({obj} ORDER BY {order}), '[]')"
        else:
            aggregate = f"json_group_array({obj})"
        return f"(SELECT {aggregate} FROM {table(model)} p {join} WHERE p.offering_id = o.id)"

    venue_join = f"JOIN {table(Venue)} pv ON pv.id = p.venue_id"
    nulls = " NULLS LAST" if postgres else ""
    return f"""
        SELECT o.*, v.name AS venue_name, a.score, a.grade, a.risk, a.coverage, a.flags,
               a.created_at AS assessed_at, m.price_usd, m.market_cap_usd, m.volume_24h_usd,
               m.ath_usd, m.updated_at AS market_updated_at,
               {parts(TeamMember, "p.position, p.id")} AS team,
               {parts(TokenAllocation, "p.percent DESC, p.id")} AS allocations,
               {parts(SaleRound, "p.start_date, p.id")} AS rounds,
               {parts(Audit, "p.date DESC, p.id")} AS audits,
               {parts(SocialLink, "p.network")} AS socials,
               {parts(Listing, "pv.name, p.pair", venue_join)} AS listings
        FROM {table(Offering)} o
        LEFT JOIN {table(Venue)} v ON v.id = o.venue_id
        LEFT JOIN {table(Assessment)} a ON a.offering_id = o.id AND a.is_current
        LEFT JOIN {table(MarketSummary)} m ON m.offering_id = o.id
        WHERE o.kind = %s
        ORDER BY {FLOOR_ORDER[ordering].format(nulls=nulls)}
        LIMIT {PAGE}
    """


def _floor(params: dict = PARAMS) -> Callable[[], object]:
    import orjson
    from django.db import connection

    sql = _floor_sql(params["ordering"])

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, [params["kind"]])
            columns = [column[0] for column in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return orjson.dumps({"results": rows}, default=str)

    return run


def _naive() -> Callable[[], object]:
    """A plain ModelViewSet with nested ModelSerializers (prefetching, to be fair)."""
    from django.test import RequestFactory
    from rest_framework import pagination, permissions, serializers, viewsets

    from diligence.selectors import offerings_with_assessment
    from offerings.models import (
        Audit,
        Listing,
        MarketSummary,
        Offering,
        SaleRound,
        SocialLink,
        TeamMember,
        TokenAllocation,
    )

    def nested(model_class, *exclude):
        meta = type("Meta", (), {"model": model_class, "exclude": ("offering", *exclude)})
        return type(
            f"{model_class.__name__}Serializer", (serializers.ModelSerializer,), {"Meta": meta}
        )

    class ListingSerializer(serializers.ModelSerializer):
        venue = serializers.CharField(source="venue.name")

        class Meta:
            model = Listing
            exclude = ("offering",)

    class OfferingSerializer(serializers.ModelSerializer):
        venue = serializers.CharField(source="venue.name", allow_null=True, default=None)
        team = nested(TeamMember)(many=True)
        allocations = nested(TokenAllocation)(many=True)
        rounds = nested(SaleRound)(many=True)
        audits = nested(Audit)(many=True)
        socials = nested(SocialLink)(many=True)
        listings = ListingSerializer(many=True)
        market_summary = nested(MarketSummary)(allow_null=True, default=None)
        score = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
        grade = serializers.CharField(allow_null=True)
        risk = serializers.CharField(allow_null=True)
        coverage = serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True)
        flags = serializers.JSONField(allow_null=True)
        assessed_at = serializers.DateTimeField(allow_null=True)

        class Meta:
            model = Offering
            fields = "__all__"

    class Pages(pagination.CursorPagination):
        page_size = PAGE
        ordering = ("-start_date", "name", "id")

    class OfferingViewSet(viewsets.ReadOnlyModelViewSet):
        serializer_class = OfferingSerializer
        pagination_class = Pages
        authentication_classes = ()
        permission_classes = (permissions.AllowAny,)
        throttle_classes = ()

        def get_queryset(self):
            return (
                offerings_with_assessment(Offering.objects.filter(kind=PARAMS["kind"]))
                .select_related("venue", "market_summary")
                .prefetch_related(
                    "team", "allocations", "rounds", "audits", "socials", "listings__venue"
                )
            )

    view = OfferingViewSet.as_view({"get": "list"})
    factory = RequestFactory()

    def run():
        response = view(factory.get("/naive/offerings/", secure=True))
        response.render()
        if response.status_code != 200 or len(response.data["results"]) != PAGE:
            raise RuntimeError(f"the naive view answered {response.status_code}")
        return response.content

    return run


def measure(*, repeats: int = 200) -> dict:
    """Time our list endpoint, the floor and the naive API on the default database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from offerings.models import Offering

    plaintext = _reader_key()
    with override_settings(API_THROTTLE_KEY_RATE="1000000/second", ALLOWED_HOSTS=["*"]):
        ours = _ours(plaintext)
        page = json.loads(ours())["results"]
        if len(page) != min(PAGE, Offering.objects.filter(kind=PARAMS["kind"]).count()):
            raise RuntimeError("the endpoint did not return a full page")
        ours()  # records the key's first use, written at most once a minute
        with CaptureQueriesContext(connection) as queries:
            ours()
        query_count = len(queries)  # read now: later requests reset the query log
        rounds = _interleaved({"ours": ours, "floor": _floor(), "naive": _naive()}, repeats)
        few = max(3, repeats // 10)
        by_score = _timings(_ours(plaintext, BY_SCORE), few, warm_up=2)
        by_score_floor = _timings(_floor(BY_SCORE), few, warm_up=2)
    timings = rounds["ours"]
    p50, floor_p50, naive_p50 = map(statistics.median, rounds.values())
    score_p50, score_floor_p50 = map(statistics.median, (by_score, by_score_floor))
    naive_over_ours = summary_of_pairs(
        [naive / ours for naive, ours in zip(rounds["naive"], timings, strict=True)]
    )
    over_floor = summary_of_pairs(
        [ours / floor for ours, floor in zip(timings, rounds["floor"], strict=True)]
    )
    return {
        "scale": Offering.objects.count(),
        "repeats": repeats,
        "page_size": PAGE,
        "params": PARAMS,
        "api_list_p50_ms": round(p50, 2),
        "api_list_p95_ms": round(_p95(timings), 2),
        "api_list_queries": query_count,
        "api_list_floor_p50_ms": round(floor_p50, 2),
        # Medians of the per-round ratios (interleaved); their spread next to them.
        "api_list_p50_over_floor": over_floor["median"],
        "api_list_over_floor_spread": over_floor,
        "api_list_naive_p50_ms": round(naive_p50, 2),
        "api_list_naive_over_ours": naive_over_ours["median"],
        "api_list_naive_over_ours_spread": naive_over_ours,
        "api_list_by_score_p50_ms": round(score_p50, 2),
        "api_list_by_score_floor_p50_ms": round(score_floor_p50, 2),
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _spread(ratio: dict) -> str:
    return (
        f"{ratio['median']}x (median of {ratio['pairs']} interleaved pairs; quartiles "
        f"{ratio['q1']}-{ratio['q3']}x, range {ratio['min']}-{ratio['max']}x)"
    )


def report_table(report: dict) -> str:
    lines = [
        f"GET /api/v1/offerings/?{'&'.join(f'{k}={v}' for k, v in report['params'].items())} "
        f"over {report['scale']:,} offerings, {report['repeats']} runs",
        f"  ours   p50 {report['api_list_p50_ms']} ms, p95 {report['api_list_p95_ms']} ms, "
        f"{report['api_list_queries']} queries",
        f"  floor  p50 {report['api_list_floor_p50_ms']} ms (one raw query + orjson): "
        f"ours is {_spread(report['api_list_over_floor_spread'])} the floor",
        f"  naive  p50 {report['api_list_naive_p50_ms']} ms (ModelViewSet, nested "
        f"ModelSerializers): {_spread(report['api_list_naive_over_ours_spread'])} ours",
        f"  ordering=-score (no index): ours p50 {report['api_list_by_score_p50_ms']} ms, "
        f"floor {report['api_list_by_score_floor_p50_ms']} ms",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.api_list", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scale", type=int, default=100_000, help="offerings (default 100000)")
    parser.add_argument("--repeats", type=int, default=200, help="timed requests per variant")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ow_bench"),
    )
    parser.add_argument("--reseed", action="store_true", help="drop and seed the data again")
    parser.add_argument("--output", type=Path, default=REPORT_PATH)
    args = parser.parse_args(argv)

    from bench.harness import database_configured, seeded

    database_configured(args.database_url, recreate=args.reseed)
    seeded(args.scale, tord=False)
    _scored()
    report = measure(repeats=args.repeats)
    print(report_table(report))
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.output}")


def _scored() -> None:
    """Score the seeded offerings once (the list shows each one's current assessment) and
    refresh the planner's statistics."""
    from bench.seed import TODAY
    from diligence.models import Assessment
    from diligence.rescoring import assessments_refresh

    if not Assessment.objects.exists():
        assessments_refresh(today=TODAY)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, or the planner guesses after seeding


if __name__ == "__main__":
    main()
