from __future__ import annotations

from pathlib import Path

import pytest

from offerings.resilience import guards_reset
from tests.fakes.edgar import FakeEdgar

FIXTURES = Path(__file__).parent / "fixtures"
USER_AGENT = "Offerwatch tests ops@offerwatch.example"


def fixture(name: str) -> Path:
    return FIXTURES / name


@pytest.fixture
def edgar_server():
    with FakeEdgar() as server:
        yield server


@pytest.fixture
def edgar_settings(settings, edgar_server):
    """Every SEC URL pointed at the fake, with a User-Agent and fast retries."""
    settings.EDGAR_USER_AGENT = USER_AGENT
    settings.EDGAR_BASE_URL = edgar_server.url
    settings.EDGAR_FULL_TEXT_URL = f"{edgar_server.url}/LATEST"
    settings.EDGAR_ARCHIVES_URL = f"{edgar_server.url}/Archives/edgar/data"
    settings.SEC_LITIGATION_RSS_URL = f"{edgar_server.url}/rss/litigation/litreleases.xml"
    settings.EDGAR_MAX_RETRIES = 2
    guards_reset()
    yield settings
    guards_reset()
