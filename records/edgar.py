"""The SEC's EDGAR: full-text search for an issuer's filings, an issuer's filings by CIK
(the submissions JSON) and the related persons a Form D names (its primary_doc.xml).

EDGAR's fair-access policy asks every client to say who it is in the User-Agent (a name and a
contact e-mail) and to stay at or under 10 requests a second across sec.gov: the client refuses
to run without EDGAR_USER_AGENT, and one rate limiter per process is shared by every client.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

import defusedxml.ElementTree as ElementTree
from django.conf import settings

from offerings.resilience import Backoff, ProviderError, RateLimiter, guards_shared
from records.http import ResilientFetch

# Regulation D, crowdfunding (C, C-U and amendments) and Regulation A (1-A and its reports).
OFFERING_FORMS = ("D", "D/A", "C", "C/A", "C-U", "C-AR", "1-A", "1-A/A", "1-K", "1-Z", "253G2")
SEARCH_FORMS = ("D", "C", "C-U", "1-A")
ACCESSION = re.compile(r"\b(\d{10})-?(\d{2})-?(\d{6})\b")
ARCHIVE_URL = re.compile(r"/Archives/edgar/data/(\d{1,10})/(\d{18})")
MAX_REQUESTS_PER_SECOND = 10


class EdgarNotConfigured(ProviderError):
    """EDGAR_USER_AGENT is missing: EDGAR asks every client for a name and a contact."""


@dataclass(frozen=True)
class EdgarFiling:
    accession: str  # 0001234567-21-000001
    cik: str  # without leading zeros
    company: str
    form: str
    filed: dt.date | None
    primary_document: str = ""

    @property
    def url(self) -> str:
        return filing_index_url(self.cik, self.accession)


def filing_index_url(cik: str, accession: str) -> str:
    folder = accession.replace("-", "")
    return f"https://www.sec.gov/Archives/edgar/data/{int(cik)}/{folder}/{accession}-index.htm"


def accession_in(claim: str) -> tuple[str, str] | None:
    """(accession, CIK or "") named by a claimed filing: an accession number or an EDGAR
    archive URL; None when the claim names neither (a BaFin prospectus, a file number)."""
    if match := ARCHIVE_URL.search(claim):
        digits = match[2]
        return f"{digits[:10]}-{digits[10:12]}-{digits[12:]}", str(int(match[1]))
    if match := ACCESSION.search(claim):
        return f"{match[1]}-{match[2]}-{match[3]}", ""
    return None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


class Edgar:
    source = "edgar"

    def __init__(
        self,
        *,
        user_agent: str,
        base_url: str,
        full_text_url: str,
        archives_url: str,
        limiter: RateLimiter,
        breaker,
        backoff: Backoff | None = None,
        max_retries: int = 4,
        sleep=None,
    ) -> None:
        if "@" not in user_agent:
            raise EdgarNotConfigured(
                f"EDGAR_USER_AGENT ({user_agent!r}) must name the caller and a contact e-mail, "
                "e.g. 'Offerwatch ops@example.com': EDGAR refuses anonymous clients"
            )
        extra = {"sleep": sleep} if sleep is not None else {}
        self.http = ResilientFetch(
            limiter=limiter,
            breaker=breaker,
            backoff=backoff,
            max_retries=max_retries,
            headers={"user-agent": user_agent, "accept-encoding": "gzip, deflate"},
            **extra,
        )
        self.base_url = base_url.rstrip("/")
        self.full_text_url = full_text_url.rstrip("/")
        self.archives_url = archives_url.rstrip("/")

    def close(self) -> None:
        self.http.close()

    def _json(self, url: str, params: dict | None = None) -> Any:
        body = self.http.get(url, params)
        try:
            return json.loads(body)
        except ValueError:
            raise ProviderError(f"GET {url.rsplit('/', 1)[-1]}: the body is not JSON") from None

    def search(self, phrase: str, forms: tuple[str, ...] = SEARCH_FORMS) -> list[EdgarFiling]:
        """Filings whose text holds `phrase` exactly (EDGAR full-text search, 2001 onwards)."""
        answer = self._json(
            f"{self.full_text_url}/search-index",
            {"q": f'"{phrase}"', "forms": ",".join(forms)},
        )
        found = {}
        for hit in (answer.get("hits") or {}).get("hits") or []:
            source = hit.get("_source") or {}
            accession = source.get("adsh") or str(hit.get("_id", "")).split(":")[0]
            ciks = source.get("ciks") or []
            if not ACCESSION.fullmatch(accession) or not ciks:
                continue
            names = source.get("display_names") or [""]
            found[accession] = EdgarFiling(
                accession=accession,
                cik=str(int(ciks[0])),
                company=re.sub(r"\s*\(CIK \d+\)\s*$", "", names[0]).strip(),
                form=source.get("form") or source.get("file_type") or "",
                filed=_date(source.get("file_date")),
            )
        return list(found.values())

    def filings(self, cik: str) -> list[EdgarFiling]:
        """The issuer's recent filings (the submissions JSON's `recent` block)."""
        answer = self._json(f"{self.base_url}/submissions/CIK{int(cik):010d}.json")
        recent = (answer.get("filings") or {}).get("recent") or {}
        columns = ("accessionNumber", "form", "filingDate", "primaryDocument")
        rows = zip(*(recent.get(name) or [] for name in columns), strict=False)
        return [
            EdgarFiling(
                accession=accession,
                cik=str(int(answer.get("cik") or cik)),
                company=answer.get("name") or "",
                form=form,
                filed=_date(filed),
                primary_document=primary,
            )
            for accession, form, filed, primary in rows
        ]

    def form_d_persons(self, filing: EdgarFiling) -> list[dict[str, Any]]:
        """Officers, directors and promoters a Form D names ([] when it names none)."""
        folder = filing.accession.replace("-", "")
        body = self.http.get(f"{self.archives_url}/{int(filing.cik)}/{folder}/primary_doc.xml")
        return related_persons(body)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def related_persons(xml: bytes) -> list[dict[str, Any]]:
    """The relatedPersonInfo entries of a Form D's primary_doc.xml, namespaces ignored."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise ProviderError(f"primary_doc.xml is not XML: {exc}") from None
    persons = []
    for element in root.iter():
        if _local(element.tag) != "relatedPersonInfo":
            continue
        parts, relationships = {}, []
        for child in element.iter():
            name = _local(child.tag)
            if name in ("firstName", "middleName", "lastName") and child.text:
                parts[name] = child.text.strip()
            elif name == "relationship" and child.text:
                relationships.append(child.text.strip())
        full = " ".join(parts[n] for n in ("firstName", "middleName", "lastName") if n in parts)
        if full:
            persons.append({"name": full, "relationships": relationships})
    return persons


def sec_guards():
    """The rate limiter and circuit breaker every call to sec.gov shares in this process."""
    per_second = min(settings.EDGAR_REQUESTS_PER_SECOND, MAX_REQUESTS_PER_SECOND)
    return guards_shared(
        ("edgar",),
        calls_per_minute=per_second * 60,
        failures=settings.EDGAR_BREAKER_FAILURES,
        cooldown=settings.EDGAR_BREAKER_COOLDOWN_S,
    )


def edgar_from_settings(**overrides) -> Edgar:
    """The EDGAR client the settings describe; EdgarNotConfigured without a User-Agent."""
    limiter, breaker = sec_guards()
    options = {
        "user_agent": settings.EDGAR_USER_AGENT,
        "base_url": settings.EDGAR_BASE_URL,
        "full_text_url": settings.EDGAR_FULL_TEXT_URL,
        "archives_url": settings.EDGAR_ARCHIVES_URL,
        "limiter": limiter,
        "breaker": breaker,
        "max_retries": settings.EDGAR_MAX_RETRIES,
    }
    return Edgar(**(options | overrides))
