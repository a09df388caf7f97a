"""Loopback stand-ins for HubSpot and Salesforce that the real client libraries talk to.

They answer with the shapes the vendors document (see fixtures/, recorded from their API
references), keep what was created, and record every request, so a test can say what the
CRM ended up holding. Faults are queued per path: a status with headers, answered either
instead of the request or after applying it (a 500 that created the record anyway, the
worst case for duplicates). `down` answers every request 503, as an outage does.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import json
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import trustme

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HUBSPOT_TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
SALESFORCE_TOKEN = "00D5g000004hSmo!AQ0AQJXQ9Rk1nS3mK7zqXv.tEsT0nLy"


HUBSPOT_CLIENT = ("a1b2c3d4-hubspot-client-id", "hubspot-client-secret")
SALESFORCE_CLIENT = ("3MVG9-salesforce-consumer-key", "salesforce-consumer-secret")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class OAuthApp:
    """An app registered with the CRM, and the codes and tokens it has handed out.

    `authorize` plays the admin's browser approving the app: it answers 302 to the
    redirect URI with a code, as the vendor's consent page does once the admin clicks.
    """

    client_id: str
    client_secret: str
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    authorized: list[dict[str, str]] = field(default_factory=list)

    def authorize(self, query: dict[str, list[str]], mint: Callable[[], str]) -> Answer:
        asked = {name: values[0] for name, values in query.items()}
        self.authorized.append(asked)
        if asked.get("client_id") != self.client_id or not asked.get("redirect_uri"):
            return Answer(HTTPStatus.BAD_REQUEST, {"error": "invalid_client_id"})
        code = f"code-{mint()}"
        self.codes[code] = asked
        target = f"{asked['redirect_uri']}?{urlencode({'code': code, 'state': asked['state']})}"
        return Answer(HTTPStatus.FOUND, None, {"Location": target})

    def redeem(self, form: dict[str, str]) -> tuple[int, str | None]:
        """(status, error) of a token request's client and grant; 200 and None when good."""
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return HTTPStatus.BAD_REQUEST, "invalid_client"
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return HTTPStatus.BAD_REQUEST, "invalid_grant"
            return HTTPStatus.OK, None
        asked = self.codes.pop(form.get("code") or "", None)
        if asked is None or asked["redirect_uri"] != form.get("redirect_uri"):
            return HTTPStatus.BAD_REQUEST, "invalid_grant"
        challenge = asked.get("code_challenge")
        if challenge is not None:
            verifier = (form.get("code_verifier") or "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if digest.decode() != challenge:
                return HTTPStatus.BAD_REQUEST, "invalid_grant"
        return HTTPStatus.OK, None


def form_of(body: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body if isinstance(body, str) else "").items()}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int


@dataclass
class Fault:
    method: str
    path: str
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    after_applying: bool = False


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class StandIn:
    """The HTTP plumbing both CRMs share: serving, recording, faults and outages."""

    tls: trustme.CA | None = None

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.down = False
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    def start(self) -> StandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                standin._serve(self, "GET")

            def do_POST(self) -> None:
                standin._serve(self, "POST")

            def do_DELETE(self) -> None:
                standin._serve(self, "DELETE")

            def do_PATCH(self) -> None:
                standin._serve(self, "PATCH")

            def log_message(self, format: str, *args: Any) -> None:
                return None

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        scheme = "http"
        if self.tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.tls.issue_cert("127.0.0.1", "localhost").configure_cert(context)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            scheme = "https"
        self._server = server
        self.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def fail_next(
        self,
        method: str,
        path: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        after_applying: bool = False,
    ) -> None:
        self.faults.append(Fault(method, path, status, body, headers or {}, after_applying))

    def sent(self, method: str, path_pattern: str) -> list[Recorded]:
        pattern = re.compile(path_pattern)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    def next_id(self) -> int:
        return next(self._ids)

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        raise NotImplementedError

    def authorized(self, header: str | None) -> bool:
        raise NotImplementedError

    def signs_in(self, path: str) -> bool:
        """OAuth's own endpoints (authorize, token), which take no bearer token."""
        return False

    def sign_in(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        raise NotImplementedError

    def unauthorized(self) -> Answer:
        raise NotImplementedError

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        query = parse_qs(url.query)
        with self._lock:
            answer = self._answer(method, url.path, query, body, handler)
            self.requests.append(Recorded(method, url.path, query, body, answer.status))
        payload = b"" if answer.body is None else json.dumps(answer.body).encode()
        content_type = "application/json;charset=UTF-8"
        handler.send_response(answer.status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: Any,
        handler: BaseHTTPRequestHandler,
    ) -> Answer:
        if self.down:
            return Answer(HTTPStatus.SERVICE_UNAVAILABLE, {"message": "Service Unavailable"})
        if self.signs_in(path):
            fault = next(
                (f for f in self.faults if f.method == method and re.fullmatch(f.path, path)), None
            )
            if fault is not None:
                self.faults.remove(fault)
                return Answer(fault.status, fault.body, fault.headers)
            return self.sign_in(method, path, query, body)
        if not self.authorized(handler.headers.get("Authorization")):
            return self.unauthorized()
        fault = next(
            (f for f in self.faults if f.method == method and re.fullmatch(f.path, path)), None
        )
        if fault is not None:
            self.faults.remove(fault)
            if fault.after_applying:
                self.route(method, path, query, body)
            return Answer(fault.status, fault.body, fault.headers)
        return self.route(method, path, query, body)


# -- HubSpot ---------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _millis(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


class HubSpotStandIn(StandIn):
    """CRM v3 objects (contacts, calls), their search, owners and the account details."""

    def __init__(self, token: str = HUBSPOT_TOKEN) -> None:
        super().__init__()
        self.token = token
        self.token_expires_at: datetime | None = None
        """When the OAuth access token in use dies (a private app's never does)."""
        self.app = OAuthApp(*HUBSPOT_CLIENT)
        self.companies_of: dict[str, list[str]] = {}
        self.dispositions = [
            {"id": "f240bbac-87c9-4f6e-bf70-924b57d47db7", "label": "Connected", "deleted": False},
            {
                "id": "b2cf5968-551e-4856-9783-52b3da59a7d0",
                "label": "Left voicemail",
                "deleted": False,
            },
            {"id": "73a0d17f-1163-4015-bdd5-ec830791da20", "label": "No answer", "deleted": False},
            {
                "id": "5f3b1a7e-0d3c-4c1e-9a5b-demo00000001",
                "label": "Demo booked",
                "deleted": False,
            },
            {
                "id": "0b3c2d1e-retired-outcome-000000000001",
                "label": "Old outcome",
                "deleted": True,
            },
        ]
        """The account's call outcomes: HubSpot's defaults and its own custom ones."""
        self.search_lag = timedelta(0)
        """How long a new record stays out of search: HubSpot's index lags its writes."""
        self.owners: dict[str, str] = {}
        self.contacts: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, dict[str, Any]] = {}
        self.deals: dict[str, dict[str, str]] = {}
        self.deals_of: dict[str, list[str]] = {}
        self.clock: Callable[[], datetime] = lambda: datetime(2026, 11, 23, 16, 0, tzinfo=UTC)

    def authorized(self, header: str | None) -> bool:
        alive = self.token_expires_at is None or self.clock() < self.token_expires_at
        return header == f"Bearer {self.token}" and alive

    def unauthorized(self) -> Answer:
        return Answer(HTTPStatus.UNAUTHORIZED, fixture("hubspot_unauthorized.json"))

    def signs_in(self, path: str) -> bool:
        return path in ("/oauth/authorize", "/oauth/v1/token")

    def sign_in(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        if path == "/oauth/authorize":
            return self.app.authorize(query, lambda: str(self.next_id()))
        status, error = self.app.redeem(form_of(body))
        if error is not None:
            return Answer(
                status,
                {
                    "status": "BAD_REFRESH_TOKEN" if "refresh" in str(body) else "BAD_AUTH_CODE",
                    "message": error,
                },
            )
        self.token = f"CJSP5qf1KhICAQEYs-gDIIGOBii1hQIyGQAf3xBKmlwHjX7OIpuIFEavB2-{self.next_id()}"
        refresh = f"6f18f21e-a743-4509-b7fd-{self.next_id():012d}"
        self.app.refresh_tokens.add(refresh)
        self.token_expires_at = self.clock() + timedelta(minutes=30)
        return Answer(
            HTTPStatus.OK,
            {
                "access_token": self.token,
                "refresh_token": refresh,
                "expires_in": 1800,
                "token_type": "bearer",
            },
        )

    def add_company(self, contact_id: str) -> str:
        company_id = str(7000 + self.next_id())
        self.companies_of.setdefault(contact_id, []).append(company_id)
        return company_id

    def add_deal(self, contact_id: str, amount: str, *, closed: bool = False) -> str:
        deal_id = str(9000 + self.next_id())
        self.deals[deal_id] = {"amount": amount, "hs_is_closed": "true" if closed else "false"}
        self.deals_of.setdefault(contact_id, []).append(deal_id)
        return deal_id

    def add_owner(self, email: str) -> str:
        owner_id = str(41629779 + self.next_id())
        self.owners[email] = owner_id
        return owner_id

    def add_contact(self, modified: datetime, **properties: str) -> str:
        contact = fixture("hubspot_contact.json")
        contact_id = str(500 + self.next_id())
        contact["id"] = contact_id
        contact["properties"] = {
            **properties,
            "hs_object_id": contact_id,
            "lastmodifieddate": _iso(modified),
        }
        contact["updatedAt"] = _iso(modified)
        self.contacts[contact_id] = contact
        return contact_id

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        if method == "GET" and path == "/calling/v1/dispositions":
            return Answer(HTTPStatus.OK, self.dispositions)
        if method == "GET" and path == "/account-info/v3/details":
            return Answer(HTTPStatus.OK, fixture("hubspot_account_details.json"))
        if method == "GET" and path == "/crm/v3/owners/":
            email = (query.get("email") or [""])[0]
            results = []
            if email in self.owners:
                owner = fixture("hubspot_owner.json")
                owner.update(id=self.owners[email], email=email)
                results.append(owner)
            return Answer(HTTPStatus.OK, {"results": results})
        batch = re.fullmatch(
            r"/crm/v4/associations/contacts/(deals|companies|calls)/batch/read", path
        )
        read = re.fullmatch(r"/crm/v3/objects/(deals|calls)/batch/read", path)
        is_batch = batch is not None or read is not None
        if method == "POST" and is_batch and len(body["inputs"]) > 100:
            return Answer(
                HTTPStatus.BAD_REQUEST,
                {
                    "status": "error",
                    "message": "Batch input size of 101 is larger than maximum of 100",
                    "category": "VALIDATION_ERROR",
                },
            )
        if method == "POST" and batch is not None:
            linked = {"deals": self.deals_of, "companies": self.companies_of}.get(
                batch.group(1)
            ) or self._calls_of()
            return Answer(HTTPStatus.OK, self._associations(body, linked))
        if method == "POST" and path == "/crm/v3/objects/deals/batch/read":
            return Answer(HTTPStatus.OK, self._read_deals(body))
        if method == "POST" and path == "/crm/v3/objects/calls/batch/read":
            return Answer(HTTPStatus.OK, self._read_calls(body))
        match = re.fullmatch(r"/crm/v3/objects/(contacts|calls)(?:/(search|\w+))?", path)
        if match is None:
            return Answer(HTTPStatus.NOT_FOUND, {"status": "error", "message": "Not found"})
        kind, rest = match.groups()
        store = self.contacts if kind == "contacts" else self.calls
        if method == "POST" and rest == "search":
            return Answer(HTTPStatus.OK, self._search(store, body))
        if method == "POST" and rest is None:
            email = body["properties"].get("email")
            twin = next(
                (
                    c
                    for c in self.contacts.values()
                    if email and c["properties"].get("email") == email
                ),
                None,
            )
            if kind == "contacts" and twin is not None:
                return Answer(
                    HTTPStatus.CONFLICT,
                    {
                        "status": "error",
                        "message": f"Contact already exists. Existing ID: {twin['id']}",
                        "category": "CONFLICT",
                    },
                )
            return Answer(HTTPStatus.CREATED, self._create(kind, store, body))
        if method == "DELETE" and rest is not None:
            store.pop(rest, None)
            return Answer(HTTPStatus.NO_CONTENT)
        return Answer(HTTPStatus.METHOD_NOT_ALLOWED, {"status": "error"})

    def _batch(self, results: list[dict[str, Any]]) -> dict[str, Any]:
        now = _iso(self.clock())
        return {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}

    def _associations(self, body: dict[str, Any], linked: dict[str, list[str]]) -> dict[str, Any]:
        results = []
        for asked in body["inputs"]:
            deals = linked.get(asked["id"], [])
            if deals:
                kind = {"category": "HUBSPOT_DEFINED", "typeId": 4, "label": None}
                to = [{"toObjectId": int(d), "associationTypes": [kind]} for d in deals]
                results.append({"from": {"id": asked["id"]}, "to": to})
        return self._batch(results)

    def _calls_of(self) -> dict[str, list[str]]:
        """Contacts' calls, from the associations each call was created with."""
        linked: dict[str, list[str]] = {}
        for call_id, call in self.calls.items():
            for association in call["associations"]:
                if association["types"][0]["associationTypeId"] == 194:
                    linked.setdefault(association["to"]["id"], []).append(call_id)
        return linked

    def _read_calls(self, body: dict[str, Any]) -> dict[str, Any]:
        wanted = body.get("properties") or []
        results = []
        for asked in body["inputs"]:
            call = self.calls.get(asked["id"])
            if call is not None:
                shown = {k: v for k, v in call.items() if k != "associations"}
                shown["properties"] = {
                    k: v
                    for k, v in call["properties"].items()
                    if k in wanted or k == "hs_object_id"
                }
                results.append(shown)
        return self._batch(results)

    def _read_deals(self, body: dict[str, Any]) -> dict[str, Any]:
        now = _iso(self.clock())
        results = [
            {
                "id": asked["id"],
                "properties": {**self.deals[asked["id"]], "hs_object_id": asked["id"]},
                "createdAt": now,
                "updatedAt": now,
                "archived": False,
            }
            for asked in body["inputs"]
            if asked["id"] in self.deals
        ]
        return self._batch(results)

    def _create(self, kind: str, store: dict[str, dict[str, Any]], body: Any) -> dict[str, Any]:
        record = fixture("hubspot_call.json" if kind == "calls" else "hubspot_contact.json")
        record_id = str(31463395733 + self.next_id())
        now = _iso(self.clock())
        record.update(
            id=record_id,
            properties={
                **body["properties"],
                "hs_object_id": record_id,
                "createdate": now,
                "lastmodifieddate": now,
            },
            createdAt=now,
            updatedAt=now,
        )
        stored = copy.deepcopy(record)
        stored["associations"] = body.get("associations") or []
        store[record_id] = stored
        return record

    def _search(self, store: dict[str, dict[str, Any]], request: dict[str, Any]) -> dict[str, Any]:
        groups = request.get("filterGroups") or [{"filters": []}]
        indexed = _iso(self.clock() - self.search_lag)
        found = [
            r
            for r in store.values()
            if any(_matches(r, g["filters"]) for g in groups)
            and (not self.search_lag or str(r.get("createdAt") or "") <= indexed)
        ]
        for sort in reversed(request.get("sorts") or []):
            found.sort(
                key=lambda r, name=sort["propertyName"]: str(r["properties"].get(name) or ""),
                reverse=sort.get("direction") == "DESCENDING",
            )
        start = int(request.get("after") or 0)
        limit = int(request.get("limit") or 10)
        page = found[start : start + limit]
        wanted = request.get("properties") or []
        results = []
        for record in page:
            shown = {k: v for k, v in record.items() if k != "associations"}
            shown["properties"] = {
                k: v for k, v in record["properties"].items() if k in wanted or k == "hs_object_id"
            }
            results.append(shown)
        answer: dict[str, Any] = {"total": len(found), "results": results}
        if start + limit < len(found):
            after = str(start + limit)
            answer["paging"] = {"next": {"after": after, "link": f"?after={after}"}}
        return answer


def _matches(record: dict[str, Any], filters: list[dict[str, Any]]) -> bool:
    for rule in filters:
        value = record["properties"].get(rule["propertyName"])
        wanted = rule.get("value")
        if rule["propertyName"] in ("lastmodifieddate", "createdate") and value is not None:
            value, wanted = _millis(value), int(wanted)
        operator = rule["operator"]
        if operator == "EQ" and str(value) != str(wanted):
            return False
        if operator == "GTE" and (value is None or value < wanted):
            return False
        if operator == "GT" and (value is None or value <= wanted):
            return False
    return True


# -- Salesforce ------------------------------------------------------------------------------


_TOKEN = re.compile(r"\s*('(?:[^'\\]|\\.)*'|>=|<=|!=|[=<>(),]|[\w.:+-]+)")


class SalesforceStandIn(StandIn):
    """REST v59.0: SOQL queries paged with nextRecordsUrl, sObject create and delete."""

    def __init__(self, token: str = SALESFORCE_TOKEN, page_size: int = 2) -> None:
        super().__init__()
        self.tls = trustme.CA()
        self.token = token
        self.app = OAuthApp(*SALESFORCE_CLIENT)
        self.url_for_answers: str | None = None
        """The `instance_url` token answers name; the stand-in's own address by default."""
        self.page_size = page_size
        self.users: dict[str, str] = {}
        self.records: dict[str, dict[str, dict[str, Any]]] = {
            "Lead": {},
            "Contact": {},
            "Task": {},
            "OpportunityContactRole": {},
        }
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self.clock: Callable[[], datetime] = lambda: datetime(2026, 11, 23, 16, 0, tzinfo=UTC)

    def ca_file(self, folder: Path) -> str:
        path = folder / "salesforce-test-ca.pem"
        assert self.tls is not None
        self.tls.cert_pem.write_to_path(str(path))
        return str(path)

    def authorized(self, header: str | None) -> bool:
        return header == f"Bearer {self.token}"

    def unauthorized(self) -> Answer:
        return Answer(HTTPStatus.UNAUTHORIZED, fixture("salesforce_invalid_session.json"))

    def signs_in(self, path: str) -> bool:
        return path in ("/services/oauth2/authorize", "/services/oauth2/token")

    def sign_in(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        """Salesforce's web-server flow: the authorize page (PKCE's challenge is kept with
        the code) and the token endpoint, which names the org's instance in its answer."""
        if path == "/services/oauth2/authorize":
            return self.app.authorize(query, lambda: str(self.next_id()))
        form = form_of(body)
        status, error = self.app.redeem(form)
        if error is not None:
            return Answer(status, {"error": error, "error_description": "authentication failure"})
        self.token = f"{SALESFORCE_TOKEN[:16]}{self.next_id():08d}"
        answer = {
            "access_token": self.token,
            "instance_url": self.url_for_answers or self.url,
            "id": "https://login.salesforce.com/id/00D5g000004hSmoEAE/005D00000000001",
            "token_type": "Bearer",
            "issued_at": "1700000000000",
            "signature": "c2lnbmF0dXJl",
            "scope": "refresh_token api",
        }
        if form.get("grant_type") == "authorization_code":
            refresh = f"5Aep861-{self.next_id():012d}"
            self.app.refresh_tokens.add(refresh)
            answer["refresh_token"] = refresh
        return Answer(HTTPStatus.OK, answer)

    def expire_sessions(self) -> None:
        """Every session ends, as Salesforce's session timeout ends them."""
        self.token = f"{SALESFORCE_TOKEN[:16]}{self.next_id():08d}"

    def add_user(self, email: str) -> str:
        user_id = f"005D{self.next_id():014d}"
        self.users[email] = user_id
        return user_id

    def add_record(self, sobject: str, modified: datetime, **fields: Any) -> str:
        prefix = {"Lead": "00Q", "Contact": "003", "Task": "00T", "OpportunityContactRole": "00K"}[
            sobject
        ]
        record_id = f"{prefix}D{self.next_id():014d}"
        if sobject == "Lead":
            fields.setdefault("IsConverted", False)
        stamp = modified.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        self.records[sobject][record_id] = {
            **fields,
            "Id": record_id,
            "CreatedDate": stamp,
            "LastModifiedDate": stamp,
        }
        return record_id

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        base = "/services/data/v59.0"
        if method == "GET" and path == f"{base}/query/":
            return self._query((query.get("q") or [""])[0])
        if method == "GET" and path.startswith(f"{base}/query/"):
            return self._page(path.rsplit("/", 1)[1])
        match = re.fullmatch(rf"{base}/sobjects/(\w+)/(\w*)", path)
        if match is None:
            return Answer(HTTPStatus.NOT_FOUND, [{"errorCode": "NOT_FOUND", "message": path}])
        sobject, record_id = match.groups()
        who = self.records["Lead"].get((body or {}).get("WhoId", "")) if sobject == "Task" else None
        if method == "POST" and who is not None and who.get("IsConverted"):
            return Answer(
                HTTPStatus.BAD_REQUEST,
                [
                    {
                        "errorCode": "CANNOT_UPDATE_CONVERTED_LEAD",
                        "message": "cannot reference converted lead",
                        "fields": ["WhoId"],
                    }
                ],
            )
        if method == "POST" and not record_id:
            created = fixture("salesforce_created.json")
            created["id"] = self.add_record(sobject, self.clock(), **body)
            return Answer(HTTPStatus.CREATED, created)
        if method == "DELETE" and record_id in self.records.get(sobject, {}):
            del self.records[sobject][record_id]
            return Answer(HTTPStatus.NO_CONTENT)
        if method == "DELETE":
            return Answer(
                HTTPStatus.NOT_FOUND,
                [{"errorCode": "ENTITY_IS_DELETED", "message": "entity is deleted"}],
            )
        return Answer(HTTPStatus.METHOD_NOT_ALLOWED, [{"errorCode": "METHOD_NOT_ALLOWED"}])

    def _query(self, soql: str) -> Answer:
        found = re.fullmatch(
            r"SELECT (?P<fields>.+?) FROM (?P<table>\w+)(?: WHERE (?P<where>.+?))?"
            r"(?: ORDER BY (?P<order>\w+))?(?: LIMIT (?P<limit>\d+))?",
            unquote(soql).strip(),
        )
        if found is None:
            return Answer(HTTPStatus.BAD_REQUEST, [{"errorCode": "MALFORMED_QUERY"}])
        table = found["table"]
        if table == "Organization":
            rows = [{"Id": "00D5g000004hSmoEAE"}]
        elif table == "User":
            rows = [
                {"Id": uid, "Email": email, "IsActive": True} for email, uid in self.users.items()
            ]
        else:
            rows = list(self.records.get(table, {}).values())
        if found["where"]:
            condition = _Condition(found["where"])
            rows = [row for row in rows if condition.holds(row)]
        if found["order"]:
            rows.sort(key=lambda row: str(row.get(found["order"]) or ""))
        if found["limit"]:
            rows = rows[: int(found["limit"])]
        fields = [name.strip() for name in found["fields"].split(",")]
        shaped = [_shape(table, row, fields) for row in rows]
        locator = f"01gD0000002HU6KIAW-{self.next_id()}"
        self._cursors[locator] = shaped
        return self._page(locator, total=len(shaped))

    def _page(self, locator: str, total: int | None = None) -> Answer:
        rows = self._cursors.pop(locator, None)
        if rows is None:
            return Answer(HTTPStatus.BAD_REQUEST, [{"errorCode": "INVALID_QUERY_LOCATOR"}])
        page, rest = rows[: self.page_size], rows[self.page_size :]
        answer: dict[str, Any] = {
            "totalSize": total if total is not None else len(rows),
            "done": not rest,
            "records": page,
        }
        if rest:
            following = f"01gD0000002HU6KIAW-{self.next_id()}"
            self._cursors[following] = rest
            answer["nextRecordsUrl"] = f"/services/data/v59.0/query/{following}"
        return Answer(HTTPStatus.OK, answer)


def _shape(table: str, row: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "attributes": {"type": table, "url": f"/services/data/v59.0/sobjects/{table}/{row['Id']}"}
    }
    for name in fields:
        if "." in name:
            parent, child = name.split(".", 1)
            value = row.get(name)
            shaped[parent] = (
                None if value is None else {"attributes": {"type": parent}, child: value}
            )
        else:
            shaped[name] = row.get(name)
    return shaped


class _Condition:
    """The WHERE clauses the adapter writes: comparisons joined by AND, OR and brackets."""

    def __init__(self, text: str) -> None:
        self.tokens = [t for t in _TOKEN.findall(text) if t.strip()]

    def holds(self, row: dict[str, Any]) -> bool:
        self.row, self.at = row, 0
        return self._any()

    def _any(self) -> bool:
        result = self._all()
        while self._peek() == "OR":
            self.at += 1
            result = self._all() or result
        return result

    def _all(self) -> bool:
        result = self._one()
        while self._peek() == "AND":
            self.at += 1
            result = self._one() and result
        return result

    def _one(self) -> bool:
        if self._peek() == "(":
            self.at += 1
            result = self._any()
            self.at += 1
            return result
        name, operator, literal = self.tokens[self.at : self.at + 3]
        self.at += 3
        if operator == "IN":
            self.at -= 1
            listed = []
            while self.tokens[self.at] != ")":
                self.at += 1
                listed.append(_literal(self.tokens[self.at]))
                self.at += 1
            self.at += 1
            return self.row.get(name) in listed
        value, wanted = self.row.get(name), _literal(literal)
        if operator == "=":
            return value == wanted
        if operator == ">=":
            return value is not None and _sortable(value) >= _sortable(wanted)
        raise AssertionError(f"stand-in can't compare with {operator}")

    def _peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None


def _literal(token: str) -> Any:
    if token.startswith("'"):
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    if token in ("true", "false"):
        return token == "true"
    return token


def _sortable(value: Any) -> str:
    """Salesforce's stored '2026-11-20T09:33:40.000+0000' against a literal '…Z'."""
    text = str(value)
    if re.match(r"\d{4}-\d\d-\d\dT", text):
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("+0000", "+00:00"))
        return moment.astimezone(UTC).isoformat()
    return text
