"""Contract-risk check benchmark: the set-based write phase against a naive per-row loop.

    python -m bench.contract_refresh --scale 2000 \
        --database-url postgres://postgres@127.0.0.1:5432/ow_bench_contract

Gives `scale` benchmark offerings (`bench-contract-*`, created when missing) a contract and a
watcher, then times storing one check of every contract (three provider answers each, raw
payloads included; one contract in ten changes its sell tax) in batches of
CONTRACT_RISK_BATCH_SIZE, one transaction each, as the Celery task does. The naive loop merges
and diffs the same way but writes row by row (`update_or_create` of the current facts, one
`create` per snapshot, change and notification, each committing on its own as in the market
benchmark's naive loop) on a sample, extrapolated to the whole scale.
Providers are not called (their rate limits, not our writes, bound a real run); rescoring is
left out of both. Prints a table and writes bench/contract_refresh.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from decimal import Decimal
from pathlib import Path

from bench.harness import database_configured, machine
from bench.market_refresh import _signals_muted

REPORT_PATH = Path(__file__).with_name("contract_refresh.json")
PREFIX = "bench-contract-"
START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def measure(*, scale: int = 2000, repeats: int = 3, sample: int = 200) -> dict:
    """Time storing a check of `scale` contracts in the default database; return the report."""
    from django.conf import settings

    from offerings.models import ContractChange, ContractRisk, ContractSnapshot

    ids = _offerings(scale)
    for model in (ContractSnapshot, ContractChange, ContractRisk):
        model.objects.filter(offering__slug__startswith=PREFIX).delete()
    batch = settings.CONTRACT_RISK_BATCH_SIZE
    runs = []
    with _signals_muted():
        for run in range(repeats + 1):  # the first run is the first check, not timed
            when = START + dt.timedelta(days=7 * run)
            checks = [_checked(pk, n, run, when) for n, pk in enumerate(ids)]
            started = time.perf_counter()
            written = _write(checks, batch, when)
            elapsed = time.perf_counter() - started
            if written != len(ids):
                raise RuntimeError(f"expected {len(ids)} contracts stored, stored {written}")
            if run:
                runs.append(len(ids) / elapsed)
        # The first contracts: one in ten changes, as in the timed runs.
        sample_ids = ids[:sample]
        naive = [
            _naive_rate(sample_ids, repeats + 1 + run, START + dt.timedelta(days=7 * (run + 9)))
            for run in range(repeats)
        ]
    ours, naive_rate = statistics.median(runs), statistics.median(naive)
    return {
        "scale": len(ids),
        "repeats": repeats,
        "batch": batch,
        "contract_rows_per_s": round(ours, 1),
        "contract_runs_rows_per_s": [round(rate, 1) for rate in runs],
        "contract_s": round(len(ids) / ours, 2),
        "contract_naive_sample": len(sample_ids),
        "contract_naive_rows_per_s": round(naive_rate, 1),
        "contract_naive_extrapolated_s": round(len(ids) / naive_rate, 1),
        "contract_naive_over_ours": round(ours / naive_rate, 1),
        "note": (
            "rows = contracts stored (3 snapshots, the current facts, changes and watchers' "
            "notifications each); providers not called; the naive rate is measured on a "
            "sample and extrapolated; rescoring is excluded from both"
        ),
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _checked(pk: int, n: int, run: int, when: dt.datetime):
    from offerings.contract_risk.provider import Observation
    from offerings.contract_risk.storage import Checked

    # One contract in ten raises its sell tax at each re-check: a change to store and notify.
    tax = Decimal("0.02") + (Decimal(run) / 100 if n % 10 == 0 else 0)
    holders = [
        {
            "address": f"0x{100 + h:040x}",
            "percent": "0.03",
            "is_contract": False,
            "is_locked": False,
        }
        for h in range(10)
    ]
    goplus = {
        "is_honeypot": False,
        "sell_tax": str(tax),
        "buy_tax": "0.01",
        "is_mintable": False,
        "owner": f"0x{n + 1:040x}",
        "top_holders": holders,
    }
    raw = {"sell_tax": str(tax), "holders": holders, "token_name": f"Bench {n}"}
    return Checked(
        pk,
        1,
        f"0x{n + 1:040x}",
        [
            Observation("goplus", when, goplus, raw=raw),
            Observation("explorer", when, {"verified": True}, raw={"status": "1"}),
            Observation("rpc", when, {"has_code": True, "implementation": ""}, raw=[]),
        ],
    )


def _write(checks: list, batch: int, when: dt.datetime) -> int:
    from offerings.contract_risk.storage import checks_store

    return sum(
        checks_store(checks=checks[start : start + batch], now=when).checked
        for start in range(0, len(checks), batch)
    )


def _naive_rate(ids: list[int], run: int, when: dt.datetime) -> float:
    """Contracts per second of the obvious loop: merge and diff as ours does, then write each
    row on its own (autocommit, like bench.market_refresh's naive loop)."""
    from django.conf import settings

    from analyst.models import Notification, Watch
    from offerings.contract_risk.merging import changes_between, facts_merge
    from offerings.contract_risk.storage import next_check_at
    from offerings.models import ContractChange, ContractRisk, ContractSnapshot

    jump = Decimal(settings.CONTRACT_HOLDER_JUMP_PERCENT) / 100
    checks = [_checked(pk, n, run, when) for n, pk in enumerate(ids)]
    started = time.perf_counter()
    for check in checks:
        before = ContractRisk.objects.filter(offering_id=check.offering_id).first()
        facts = facts_merge(check.observations)
        diffs = changes_between(before.facts, facts, holder_jump=jump) if before else []
        for o in check.observations:
            ContractSnapshot.objects.create(
                offering_id=check.offering_id,
                provider=o.provider,
                fetched_at=o.fetched_at,
                chain_id=1,
                address=check.address,
                facts=o.facts,
                raw=o.raw,
            )
        first = before.first_checked_at if before else when
        ContractRisk.objects.update_or_create(
            offering_id=check.offering_id,
            defaults={
                "chain_id": 1,
                "address": check.address,
                "facts": facts,
                "errors": {},
                "first_checked_at": first,
                "checked_at": when,
                "next_check_at": next_check_at(first, when),
            },
        )
        for diff in diffs:
            ContractChange.objects.create(offering_id=check.offering_id, detected_at=when, **diff)
            for user_id in Watch.objects.filter(offering_id=check.offering_id).values_list(
                "user_id", flat=True
            ):
                Notification.objects.create(
                    user_id=user_id,
                    offering_id=check.offering_id,
                    kind="contract",
                    message=diff["summary"],
                )
    return len(checks) / (time.perf_counter() - started)


def _offerings(scale: int) -> list[int]:
    """Ids of `scale` benchmark offerings with a contract and a watcher, created when missing."""
    from django.contrib.auth import get_user_model

    from analyst.models import Watch
    from offerings.models import Offering

    have = Offering.objects.filter(slug__startswith=PREFIX).count()
    Offering.objects.bulk_create(
        [
            Offering(
                name=f"Bench contract {n}",
                slug=f"{PREFIX}{n}",
                kind=Offering.Kind.IDO,
                chain="ethereum",
                contract_address=f"0x{n + 1:040x}",
            )
            for n in range(have, scale)
        ],
        batch_size=2000,
    )
    ids = list(
        Offering.objects.filter(slug__startswith=PREFIX).order_by("pk").values_list("pk", flat=True)
    )[:scale]
    watcher, _ = get_user_model().objects.get_or_create(username="bench-contract-watcher")
    Watch.objects.bulk_create(
        [Watch(user=watcher, offering_id=pk) for pk in ids], ignore_conflicts=True
    )
    return ids


def report_table(report: dict) -> str:
    rows = [
        (
            "write phase (ours)",
            f"{report['contract_rows_per_s']:,.0f} contracts/s",
            f"{report['contract_s']} s",
        ),
        (
            f"naive update_or_create, {report['contract_naive_sample']} sampled",
            f"{report['contract_naive_rows_per_s']:,.0f} contracts/s",
            f"{report['contract_naive_extrapolated_s']} s extrapolated",
        ),
        ("ours over naive", f"{report['contract_naive_over_ours']}x", ""),
    ]
    width = max(len(label) for label, _, _ in rows)
    lines = [
        f"Contract-risk check of {report['scale']:,} contracts, batches of {report['batch']}, "
        f"median of {report['repeats']} runs"
    ]
    lines += [f"  {label:<{width}}  {rate:>20}  {note}".rstrip() for label, rate, note in rows]
    machine = report["machine"]
    lines.append(
        f"  {machine['cores']} cores, {machine['memory_gb']} GB, Python {machine['python']}, "
        f"Django {machine['django']}, {machine['database']}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.contract_refresh", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scale", type=int, default=2000, help="contracts (default 2000)")
    parser.add_argument("--sample", type=int, default=200, help="contracts in the naive loop")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/ow_bench_contract"
    )
    parser.add_argument("--reseed", action="store_true", help="drop and create the database again")
    parser.add_argument("--output", type=Path, default=REPORT_PATH)
    args = parser.parse_args(argv)

    database_configured(args.database_url, recreate=args.reseed)
    report = measure(scale=args.scale, repeats=args.repeats, sample=args.sample)
    print(report_table(report))
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
