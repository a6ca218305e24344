"""The traffic of `make load`, per request: 70% API reads with a key, 20% HTML pages and htmx
fragments of a signed-in analyst, 10% signed API writes creating offerings.

Every acknowledged write (201) is appended to LOAD_WRITES_FILE with the slug and the content
sent, so that bench/load/__main__.py can check afterwards that each is in the database, once.
Run by bench/load/__main__.py, which sets the environment this file reads.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from locust import FastHttpUser, constant, events, task

from api.client import key_id_of, signature_headers
from bench.load.mix import API_LISTS, FRAGMENTS, KINDS, PAGES

API_KEY = os.environ["LOAD_API_KEY"]
PRIVATE_KEY = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(os.environ["LOAD_PRIVATE_KEY"]))
SLUGS = os.environ["LOAD_SLUGS"].split(",")
SESSIONS = os.environ["LOAD_SESSIONS"].split(",")
WRITES_PATH = os.environ["LOAD_WRITES_FILE"]
RUN = os.environ.get("LOAD_RUN", uuid.uuid4().hex[:8])

status_counts: dict[int, int] = {}


@events.request.add_listener
def _count_status(response=None, **kwargs) -> None:
    code = getattr(response, "status_code", 0) or 0
    status_counts[code] = status_counts.get(code, 0) + 1


@events.quitting.add_listener
def _write_status_counts(environment, **kwargs) -> None:
    path = os.environ.get("LOAD_STATUS_FILE")
    if path:
        with open(path, "w") as stream:
            json.dump(status_counts, stream)


class Analyst(FastHttpUser):
    """One client of the product; each task is one request, weighted by the mix."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.api = {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"}
        # A session made beforehand (as a sign-in would): password hashing is not the load.
        self.browser = {"Cookie": f"sessionid={random.choice(SESSIONS)}"}
        self.writes = open(WRITES_PATH, "a")  # noqa: SIM115 (closed in on_stop)

    def on_stop(self) -> None:
        self.writes.close()

    @task(5)
    def api_list(self) -> None:
        query = random.choice(API_LISTS)
        self.client.get(f"/api/v1/offerings/{query}", headers=self.api, name="api list")

    @task(2)
    def api_detail(self) -> None:
        slug = random.choice(SLUGS)
        self.client.get(f"/api/v1/offerings/{slug}/", headers=self.api, name="api detail")

    @task(1)
    def html_page(self) -> None:
        self.client.get(random.choice(PAGES), headers=self.browser, name="html page")

    @task(1)
    def htmx_fragment(self) -> None:
        self.client.get(
            random.choice(FRAGMENTS),
            headers={**self.browser, "HX-Request": "true"},
            name="htmx fragment",
        )

    @task(1)
    def api_write(self) -> None:
        number = uuid.uuid4().hex[:12]
        record = {
            "name": f"Load {RUN} {number}",
            "slug": f"load-{RUN}-{number}",
            "symbol": f"L{number[:6].upper()}",
            "kind": random.choice(KINDS),
            "website": f"https://load-{number}.example",
            "country": random.choice(("CH", "SG", "DE", "EE")),
            "hard_cap": str(random.randrange(1, 400) * 250_000),
            "description": f"Written by the load test, run {RUN}.",
        }
        body = json.dumps(record).encode()
        path = "/api/v1/offerings/"
        headers = {
            **self.api,
            "Content-Type": "application/json",
            "Idempotency-Key": number,
            **signature_headers(
                private_key=PRIVATE_KEY,
                key_id=key_id_of(API_KEY),
                host=urlsplit(self.host).netloc,
                method="POST",
                path=path,
                query="",
                body=body,
            ),
        }
        with self.client.post(
            path, data=body, headers=headers, name="api write", catch_response=True
        ) as response:
            if response.status_code == 201:
                self.writes.write(json.dumps(record) + "\n")
                self.writes.flush()
                response.success()
            else:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
