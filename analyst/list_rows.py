"""The offerings list's table rows, as markup built in Python: through the template engine the
50 rows of a page cost more CPU than the rest of the request (issue 17). The markup is the one
the template wrote, cell for cell; every value is escaped here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from diligence.rules import RULES
from offerings.models import Offering

TOP_FLAGS = 3
ONE = Decimal(1)
DASH = "—"
# What a row shows (values of the list's page query: the offering, its status and its current
# assessment annotated); the rest of an offering is left in the database.
ROW_VALUES = (
    "name",
    "slug",
    "symbol",
    "kind",
    "venue__name",
    "start_date",
    "end_date",
    "soft_cap",
    "hard_cap",
    "cap_currency",
    "raised_usd",
    "current_status",
    "score",
    "grade",
    "risk",
    "coverage",
    "flags",
)
KIND_LABELS = dict(Offering.Kind.choices)
ROW = """<tr>
        <td><a href="{url}">{name}</a> <span class="muted">{symbol}</span></td>
        <td><abbr title="{kind_label}">{kind}</abbr></td>
        <td>{status}</td>
        <td>{venue}</td>
        <td class="dates"><span>{start}</span> – <span>{end}</span></td>
        <td class="num caps"><span><span class="muted">soft</span> {soft_cap}</span>
          <span><span class="muted">hard</span> {hard_cap}</span></td>
        <td class="num">{raised}</td>
        <td class="num">{score}</td>
        <td>{risk}</td>
        <td class="num">{coverage}</td>
        <td class="flags">{flags}</td>
      </tr>"""


def offering_rows(offerings: Iterable[Mapping[str, Any]]) -> SafeString:
    """The rows of a page of the list, laid out as the template's {% for %} wrote them, for
    offerings as values of ROW_VALUES."""
    # One reverse() for the page: it costs more than the rest of a row.
    detail_url = reverse("offerings:detail", args=["-slug-"])
    return mark_safe(
        "".join(
            f"\n      {_row(offering, detail_url.replace('-slug-', offering['slug']))}\n    "
            for offering in offerings
        )
    )


def _row(offering: Mapping[str, Any], detail_url: str) -> str:
    kind, start, end = offering["kind"], offering["start_date"], offering["end_date"]
    currency = offering["cap_currency"]
    return ROW.format(
        url=escape(detail_url),
        name=escape(offering["name"]),
        symbol=escape(offering["symbol"]),
        kind_label=escape(str(KIND_LABELS.get(kind, kind))),
        kind=escape(kind.upper()),
        status=escape(offering["current_status"] or "unknown"),
        venue=escape(offering["venue__name"] or DASH),
        start=start.isoformat() if start else "?",
        end=end.isoformat() if end else "?",
        soft_cap=escape(amount_text(offering["soft_cap"], currency)),
        hard_cap=escape(amount_text(offering["hard_cap"], currency)),
        raised=escape(amount_text(offering["raised_usd"], zero="0")),
        score=_score_cell(offering["score"], offering["grade"]),
        risk=_risk_cell(offering["risk"]),
        coverage=_coverage_cell(offering["coverage"]),
        flags=_flags_cell(offering["flags"]),
    )


def amount_text(amount: Decimal | None, currency: str = "", zero: str = "none") -> str:
    """'unknown' when not known; a stated 0 is a cap of none (or a raise of 0)."""
    if amount is None:
        return "unknown"
    if amount == 0:
        return zero
    whole = f"{amount.quantize(ONE, ROUND_HALF_UP):,}"
    return f"{whole} {currency}".rstrip()


def _score_cell(score: Decimal | None, grade: str | None) -> str:
    if score is None:
        return DASH
    grade = escape(str(grade))
    return f'<span class="grade grade-{grade}">{grade}</span> {score:f}'


def _coverage_cell(coverage: Decimal | None) -> str:
    if coverage is None:
        return DASH
    # as {% widthratio coverage 1 100 %} rounded it: through a float
    return f"{round(float(coverage) * 100)}%"


def _risk_cell(risk: str | None) -> str:
    if not risk:
        return DASH
    risk = escape(risk)
    return f'<span class="risk risk-{risk}">{risk}</span>'


def _flags_cell(flags: list[str] | None) -> str:
    """The first TOP_FLAGS flag codes, each titled with its rule's title."""
    codes = (flags or [])[:TOP_FLAGS]
    if not codes:
        return DASH
    return " ".join(f'<code title="{escape(_title(code))}">{escape(code)}</code>' for code in codes)


def _title(code: str) -> str:
    return RULES[code].title if code in RULES else code
