"""Local look-alikes of the contract-risk providers: GoPlus token security, an
Etherscan-compatible explorer (API v2) and an Ethereum JSON-RPC node. Each is a stdlib HTTP
server on 127.0.0.1 in a thread answering in the provider's shape and, when scripted, with its
faults: 429 with Retry-After, 500s, hangs (timeouts), garbage bodies. Data-level faults (null
fields, unknown addresses, numbers as strings) are set through the data itself.

Tokens: `clean_token()`, `honeypot_token()`, `renounced_token()`, `unlocked_lp_token()` are
GoPlus entries; `FakeRpc.proxy()` makes an ERC-1967 proxy whose admin is an account (EOA)."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from offerings.contract_risk.rpc import ADMIN_SLOT, IMPLEMENTATION_SLOT, OWNER_SELECTOR
from tests.fakes.coingecko import Fault

ZERO = "0x" + "0" * 40
DEAD = "0x000000000000000000000000000000000000dead"
OWNER = "0x1111111111111111111111111111111111111111"
CREATOR = "0x2222222222222222222222222222222222222222"
LOCKER = "0x3333333333333333333333333333333333333333"


def account(n: int) -> str:
    return f"0x{n:040x}"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class FakeServer:
    prefix = ""

    def __init__(self) -> None:
        self.faults: deque[Fault] = deque()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def fail(self, *faults: Fault) -> None:
        """The next requests get these faults, in order."""
        with self._lock:
            self.faults.extend(faults)

    def answer(self, method: str, path: str, query: dict, body: Any) -> tuple[int, Any]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.prefix}"

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                query = parse_qs(parts.query)
                with fake._lock:
                    fake.requests.append(
                        Request(method, parts.path, query, dict(self.headers.items()), body)
                    )
                    fault = fake.faults.popleft() if fake.faults else None
                if fault is not None and fault.kind == "hang":
                    time.sleep(fault.seconds)
                    return
                if fault is not None and fault.kind == "garbage":
                    self._send(200, b"<html>upstream error</html>")
                    return
                if fault is not None:
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    self._send(int(fault.kind), b'{"error": "fault"}', headers)
                    return
                status, answer = fake.answer(method, parts.path, query, body)
                self._send(status, json.dumps(answer).encode())

            def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---- GoPlus -------------------------------------------------------------------------------


def holder(address: str, percent: str, *, is_contract: int = 0, is_locked: int = 0) -> dict:
    # GoPlus sends is_contract and is_locked as integers, percent and balance as strings.
    return {
        "address": address,
        "tag": "",
        "is_contract": is_contract,
        "balance": "1000",
        "percent": percent,
        "is_locked": is_locked,
    }


def clean_token(**fields: Any) -> dict[str, Any]:
    """A token_security entry with nothing wrong: flags "0", small taxes, spread holders,
    burned liquidity."""
    entry = {
        "token_name": "Clean",
        "token_symbol": "CLN",
        "is_open_source": "1",
        "is_proxy": "0",
        "is_mintable": "0",
        "owner_address": OWNER,
        "can_take_back_ownership": "0",
        "owner_change_balance": "0",
        "hidden_owner": "0",
        "selfdestruct": "0",
        "external_call": "0",
        "is_honeypot": "0",
        "cannot_sell_all": "0",
        "buy_tax": "0.01",
        "sell_tax": "0.02",
        "transfer_pausable": "0",
        "is_blacklisted": "0",
        "trading_cooldown": "0",
        "creator_address": CREATOR,
        "creator_percent": "0.01",
        "honeypot_with_same_creator": "0",
        "holder_count": "2000",
        "holders": [holder(account(100 + n), "0.03") for n in range(10)],
        "lp_holder_count": "2",
        "lp_total_supply": "1000",
        "lp_holders": [
            holder(DEAD, "0.9"),
            holder(LOCKER, "0.1", is_contract=1, is_locked=1),
        ],
        "is_in_dex": "1",
    }
    return entry | fields


def honeypot_token(**fields: Any) -> dict[str, Any]:
    return clean_token(is_honeypot="1", cannot_sell_all="1", sell_tax="1", **fields)


def renounced_token(**fields: Any) -> dict[str, Any]:
    """Mintable, but its ownership is renounced (owner is the zero address)."""
    return clean_token(is_mintable="1", owner_address=ZERO, **fields)


def unlocked_lp_token(**fields: Any) -> dict[str, Any]:
    """Most of the pool's LP tokens sit in an ordinary wallet, neither burned nor locked."""
    return clean_token(
        lp_holders=[holder(account(7), "0.8"), holder(DEAD, "0.2")],
        **fields,
    )


class FakeGoPlus(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.tokens: dict[tuple[int, str], Any] = {}  # (chain id, address) -> entry

    def answer(self, method, path, query, body):
        if not path.startswith("/api/v1/token_security/"):
            return 404, {"code": 0, "message": "not found"}
        chain = int(path.rsplit("/", 1)[1])
        addresses = ",".join(query.get("contract_addresses", [])).lower().split(",")
        result = {a: self.tokens[(chain, a)] for a in addresses if (chain, a) in self.tokens}
        return 200, {"code": 1, "message": "OK", "result": result}


# ---- explorer -----------------------------------------------------------------------------


class FakeExplorer(FakeServer):
    prefix = "/v2/api"

    def __init__(self) -> None:
        super().__init__()
        self.sources: dict[str, dict] = {}  # address -> getsourcecode entry
        self.creations: dict[str, dict] = {}  # address -> getcontractcreation entry

    def verified(self, address: str, name: str = "Token") -> None:
        self.sources[address] = {
            "SourceCode": "contract Token {}",
            "ABI": "[]",
            "ContractName": name,
            "Proxy": "0",
            "Implementation": "",
        }
        self.creations[address] = {
            "contractAddress": address,
            "contractCreator": CREATOR,
            "txHash": "0x" + "ab" * 32,
        }

    def unverified(self, address: str) -> None:
        self.sources[address] = {
            "SourceCode": "",
            "ABI": "Contract source code not verified",
            "ContractName": "",
            "Proxy": "0",
            "Implementation": "",
        }

    def answer(self, method, path, query, body):
        if path != self.prefix:
            return 404, {"status": "0", "message": "NOTOK", "result": "not found"}
        if not query.get("apikey"):
            return 200, {"status": "0", "message": "NOTOK", "result": "Missing/Invalid API Key"}
        action = query.get("action", [""])[0]
        if action == "getsourcecode":
            entry = self.sources.get(query.get("address", [""])[0].lower())
            if entry is None:  # what the explorer says of an address without verified code
                entry = {"SourceCode": "", "ABI": "Contract source code not verified"}
            return 200, {"status": "1", "message": "OK", "result": [entry]}
        if action == "getcontractcreation":
            entry = self.creations.get(query.get("contractaddresses", [""])[0].lower())
            if entry is None:
                return 200, {"status": "0", "message": "No data found", "result": None}
            return 200, {"status": "1", "message": "OK", "result": [entry]}
        return 200, {
            "status": "0",
            "message": "NOTOK",
            "result": "Error! Missing or invalid action",
        }


# ---- JSON-RPC -----------------------------------------------------------------------------


def word(address: str) -> str:
    return "0x" + address[2:].rjust(64, "0")


class FakeRpc(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.code: dict[str, str] = {}  # address -> bytecode ("0x" or absent: none)
        self.storage: dict[tuple[str, str], str] = {}
        self.owners: dict[str, str] = {}  # address -> what owner() returns (absent: reverts)

    def contract(self, address: str, *, owner: str | None = OWNER) -> None:
        self.code[address] = "0x6080604052"
        if owner is not None:
            self.owners[address] = owner

    def proxy(
        self,
        address: str,
        *,
        implementation: str,
        admin: str,
        admin_code: bool = False,
        admin_owner: str | None = None,
    ) -> None:
        """An ERC-1967 proxy; its admin is an account (EOA) unless `admin_code`."""
        self.contract(address, owner=None)
        self.contract(implementation)
        self.storage[(address, IMPLEMENTATION_SLOT)] = word(implementation)
        self.storage[(address, ADMIN_SLOT)] = word(admin)
        if admin_code:
            self.contract(admin, owner=admin_owner)

    def answer(self, method, path, query, body):
        if method != "POST" or not isinstance(body, dict):
            return 200, {
                "jsonrpc": "2.0",
                "id": None,
                "error": {"code": -32600, "message": "invalid request"},
            }
        call, params = body.get("method"), body.get("params") or []
        result: Any
        if call == "eth_getCode":
            result = self.code.get(params[0].lower(), "0x")
        elif call == "eth_getStorageAt":
            result = self.storage.get((params[0].lower(), params[1]), "0x" + "0" * 64)
        elif call == "eth_call":
            target, data = params[0]["to"].lower(), params[0]["data"]
            if data != OWNER_SELECTOR or target not in self.owners:
                return 200, {
                    "jsonrpc": "2.0",
                    "id": body.get("id"),
                    "error": {"code": 3, "message": "execution reverted"},
                }
            result = word(self.owners[target])
        else:
            return 200, {
                "jsonrpc": "2.0",
                "id": body.get("id"),
                "error": {"code": -32601, "message": "method not found"},
            }
        return 200, {"jsonrpc": "2.0", "id": body.get("id"), "result": result}
