"""Market-data refresh benchmark: the set-based write phase against a naive per-row loop.

    python -m bench.market_refresh --scale 10000 \
        --database-url postgres://postgres@127.0.0.1:5432/ow_bench_market

Links `scale` offerings of the benchmark database to coins of a local fake CoinGecko (creating
`bench-market-*` offerings when there are not enough), fetches their quotes through the real
client, then times the write phase (snapshots upserted, summaries folded, one transaction per
batch of 250 coins, as the Celery task does) with a newer quote each run. The naive loop calls
`update_or_create` per snapshot and per summary on a sample, and is extrapolated to the whole
scale. Rescoring is left out of both (its own benchmark is bench.rescore). Prints a table and
writes bench/market_refresh.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

from bench.harness import database_configured, machine

REPORT_PATH = Path(__file__).with_name("market_refresh.json")
PREFIX = "bench-market-"
BATCH = 250
START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def measure(*, scale: int = 10_000, repeats: int = 3, sample: int = 500) -> dict:
    """Time the refresh of `scale` linked offerings in the default database; return the report."""
    from offerings.market.coingecko import CoinGecko
    from offerings.models import MarketSnapshot, MarketSummary
    from offerings.resilience import CircuitBreaker, RateLimiter
    from tests.fakes.coingecko import FakeCoinGecko, market_entry

    coins = _linked_offerings(scale)
    MarketSnapshot.objects.filter(offering__slug__startswith=PREFIX).delete()
    MarketSummary.objects.filter(offering__slug__startswith=PREFIX).delete()
    runs, fetches = [], []
    with FakeCoinGecko() as fake, _signals_muted():
        provider = CoinGecko(
            base_url=fake.url,
            limiter=RateLimiter(1_000_000),
            breaker=CircuitBreaker(failures=3, cooldown=60),
        )
        for run in range(repeats + 1):  # the first run is the warm-up
            when = START + dt.timedelta(minutes=15 * run)
            for n, coin in enumerate(coins):
                fake.markets[coin] = market_entry(
                    coin,
                    f"{0.05 + (n % 97) / 1000 + run / 10_000:.6f}",
                    market_cap=str(1_000_000 + n),
                    total_volume=str(10_000 + n),
                    last_updated=when.isoformat().replace("+00:00", "Z"),
                )
            started = time.perf_counter()
            batches = [
                provider.quotes(coins[i : i + BATCH]).items for i in range(0, len(coins), BATCH)
            ]
            fetched = time.perf_counter()
            rows = _write(batches)
            elapsed = time.perf_counter() - fetched
            if rows != len(coins):
                raise RuntimeError(f"expected {len(coins)} snapshots, wrote {rows}")
            if run:
                runs.append(rows / elapsed)
                fetches.append(rows / (fetched - started))
        provider.close()
        sample_coins = coins[:: max(1, len(coins) // max(1, sample))][:sample]
        naive = [
            _naive_rate(sample_coins, START + dt.timedelta(minutes=15 * (repeats + 1 + run)))
            for run in range(repeats)
        ]
    ours, naive_rate = statistics.median(runs), statistics.median(naive)
    return {
        "scale": len(coins),
        "repeats": repeats,
        "batch": BATCH,
        "refresh_rows_per_s": round(ours, 1),
        "refresh_runs_rows_per_s": [round(rate, 1) for rate in runs],
        "refresh_s": round(len(coins) / ours, 2),
        "fetch_rows_per_s": round(statistics.median(fetches), 1),
        "refresh_naive_sample": len(sample_coins),
        "refresh_naive_rows_per_s": round(naive_rate, 1),
        "refresh_naive_extrapolated_s": round(len(coins) / naive_rate, 1),
        "refresh_naive_over_ours": round(ours / naive_rate, 1),
        "note": (
            "rows = price snapshots written (plus one summary each); the naive rate is measured "
            "on a sample and extrapolated; rescoring is excluded from both"
        ),
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _write(batches: list[list]) -> int:
    from offerings.market.storage import quotes_store

    return sum(quotes_store(quotes=quotes, source="coingecko").snapshots for quotes in batches)


def _naive_rate(coins: list[str], when: dt.datetime) -> float:
    """Rows per second of the obvious loop: update_or_create the snapshot and the summary of
    each offering, one at a time."""
    from decimal import Decimal

    from offerings.market.provider import Quote
    from offerings.market.summary import summary_quote_apply
    from offerings.models import MarketSnapshot, MarketSummary, Offering

    offerings = dict(
        Offering.objects.filter(coingecko_id__in=coins).values_list("coingecko_id", "pk")
    )
    started = time.perf_counter()
    for n, coin in enumerate(coins):
        quote = Quote(coin, when, Decimal("0.05") + n, Decimal(1_000_000), Decimal(10_000))
        MarketSnapshot.objects.update_or_create(
            offering_id=offerings[coin],
            time=quote.time,
            source="coingecko",
            defaults={
                "price_usd": quote.price_usd,
                "market_cap_usd": quote.market_cap_usd,
                "volume_24h_usd": quote.volume_24h_usd,
            },
        )
        summary, _ = MarketSummary.objects.get_or_create(offering_id=offerings[coin])
        summary_quote_apply(summary, quote)
        summary.save()
    return len(coins) / (time.perf_counter() - started)


def _linked_offerings(scale: int) -> list[str]:
    """Coin ids of `scale` benchmark offerings, created in bulk when missing."""
    from decimal import Decimal

    from offerings.models import Offering

    have = Offering.objects.filter(slug__startswith=PREFIX).count()
    Offering.objects.bulk_create(
        [
            Offering(
                name=f"Bench market {n}",
                slug=f"{PREFIX}{n}",
                symbol=f"BM{n}",
                kind=Offering.Kind.ICO,
                coingecko_id=f"bench-coin-{n}",
                token_price_usd=Decimal("0.08"),
            )
            for n in range(have, scale)
        ],
        batch_size=2000,
    )
    return [f"bench-coin-{n}" for n in range(scale)]


@contextmanager
def _signals_muted():
    """Measure the write phase alone: no rescore is queued while timing."""
    from offerings.signals import listings_changed, offerings_changed

    saved = [(signal, signal.receivers[:]) for signal in (offerings_changed, listings_changed)]
    for signal, _ in saved:
        signal.receivers.clear()
        signal.sender_receivers_cache.clear()
    try:
        yield
    finally:
        for signal, receivers in saved:
            signal.receivers[:] = receivers
            signal.sender_receivers_cache.clear()


def report_table(report: dict) -> str:
    rows = [
        (
            "write phase (ours)",
            f"{report['refresh_rows_per_s']:,.0f} rows/s",
            f"{report['refresh_s']} s",
        ),
        ("fetch from the local fake", f"{report['fetch_rows_per_s']:,.0f} rows/s", ""),
        (
            f"naive update_or_create, {report['refresh_naive_sample']} sampled",
            f"{report['refresh_naive_rows_per_s']:,.0f} rows/s",
            f"{report['refresh_naive_extrapolated_s']} s extrapolated",
        ),
        ("ours over naive", f"{report['refresh_naive_over_ours']}x", ""),
    ]
    width = max(len(label) for label, _, _ in rows)
    runs = f"median of {report['repeats']} runs"
    lines = [f"Market refresh of {report['scale']:,} linked offerings, {runs}"]
    lines += [f"  {label:<{width}}  {rate:>16}  {note}".rstrip() for label, rate, note in rows]
    machine = report["machine"]
    lines.append(
        f"  {machine['cores']} cores, {machine['memory_gb']} GB, Python {machine['python']}, "
        f"Django {machine['django']}, {machine['database']}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.market_refresh", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--scale", type=int, default=10_000, help="linked offerings (default 10000)"
    )
    parser.add_argument("--sample", type=int, default=500, help="rows in the naive loop")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/ow_bench_market"
    )
    parser.add_argument("--reseed", action="store_true", help="drop and create the database again")
    parser.add_argument("--output", type=Path, default=REPORT_PATH)
    args = parser.parse_args(argv)

    database_configured(args.database_url, recreate=args.reseed)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    report = measure(scale=args.scale, repeats=args.repeats, sample=args.sample)
    print(report_table(report))
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
