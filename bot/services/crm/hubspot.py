"""HubSpot through its official client, `hubspot-api-client`.

Contacts are the rep's prospects (owned by the HubSpot user with the rep's email); a logged
call becomes a Call engagement associated with the contact. The call's title carries our
reference, so a retry finds a call whose first push answered too late before making another.
HubSpot's search is eventually consistent (a new record shows there within seconds): the
outbox records the call's id from the create itself, and only a push whose answer was lost
depends on the search.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import urllib3
from hubspot import HubSpot
from hubspot.crm.associations.v4 import ApiException as AssociationsApiError
from hubspot.crm.contacts import ApiException as ContactsApiError
from hubspot.crm.deals import ApiException as DealsApiError
from hubspot.crm.objects.calls import ApiException as CallsApiError
from hubspot.crm.owners import ApiException as OwnersApiError
from urllib3.util.retry import Retry

from bot.services.crm.port import (
    DISPOSITION_IDS,
    CallLinks,
    CallRecord,
    CrmAccount,
    CrmAuthRejected,
    CrmContact,
    CrmError,
    CrmKind,
    CrmRecordRef,
    CrmRejected,
    CrmUnavailable,
    NewContact,
)

T = TypeVar("T")
logger = logging.getLogger(__name__)

CALL_TO_CONTACT = 194
"""HubSpot-defined association types: a call to the contact it was with, to the contact's
company, and to its open deal."""
CALL_TO_COMPANY = 182
CALL_TO_DEAL = 206
MAX_OUTCOMES = 100
"""A Slack select holds at most 100 options."""
BATCH_LIMIT = 100
"""HubSpot's batch reads take at most 100 inputs; more is a 400 for the whole batch."""
CONTACT_PROPERTIES = [
    "firstname",
    "lastname",
    "company",
    "phone",
    "mobilephone",
    "email",
    "lastmodifieddate",
]
PAGE_SIZE = 100
"""The search API's largest page."""
SEARCH_RESULT_LIMIT = 10_000
"""Search answers no page past its 10,000th result."""
PULL_RATE_RETRIES = 3
LONGEST_PULL_WAIT = 10.0
"""Seconds a pull waits out a rate limit itself; longer, and the next tick pulls again."""
TIMEOUT = (3.05, 10.0)
"""(connect, read) seconds: a CRM that hangs holds up the worker, never a rep."""
CHECK_TIMEOUT = (1.0, 2.0)
"""The connection form's check answers Slack within its 3 seconds, or says HubSpot is slow."""
DEFAULT_RATE_WAIT = 10.0
"""HubSpot's burst limit is counted over ten seconds."""
DAILY_RATE_WAIT = 3600.0

_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)
_EXISTING_ID = re.compile(r"Existing ID: (\d+)")
_API_ERRORS = (
    ContactsApiError,
    CallsApiError,
    OwnersApiError,
    AssociationsApiError,
    DealsApiError,
)


class HubSpotCrm:
    kind = CrmKind.HUBSPOT

    def __init__(self, access_token: str, api_url: str = "https://api.hubapi.com") -> None:
        self.credentials = {"access_token": access_token}
        # The outbox retries with backoff; the client's own retries would only hide waits.
        self._client = HubSpot(
            access_token=access_token,
            host=api_url.rstrip("/"),
            retry=Retry(total=0, raise_on_status=False),
        )

    def check(self) -> CrmAccount:
        """The account's details: any valid token may read them, and they hold the portal
        id that record links need."""
        details = self._get("/account-info/v3/details")
        return CrmAccount(
            account_id=str(details["portalId"]),
            web_url=f"https://{details.get('uiDomain') or 'app.hubspot.com'}",
        )

    def call_outcomes(self) -> list[tuple[str, str]] | None:
        """The defaults and the account's own call outcomes."""
        found = self._get("/calling/v1/dispositions")
        return [
            (str(item["id"]), str(item.get("label") or item["id"]))
            for item in found or []
            if isinstance(item, dict) and item.get("id") and not item.get("deleted")
        ][:MAX_OUTCOMES]

    def _get(self, path: str) -> Any:
        """A GET for endpoints the client has no typed API for, through its generic call:
        the same auth, connection pool and errors as the rest."""
        api_client = self._client.crm.owners.owners_api.api_client
        return self._call(
            lambda: api_client.call_api(
                path,
                "GET",
                header_params={"Accept": "application/json"},
                response_types_map={200: "object"},
                auth_settings=["oauth2"],
                _return_http_data_only=True,
                _request_timeout=CHECK_TIMEOUT,
            )
        )

    def owner_for_email(self, email: str) -> str | None:
        page = self._call(
            lambda: self._client.crm.owners.owners_api.get_page(
                email=email, limit=1, _request_timeout=TIMEOUT
            )
        )
        return str(page.results[0].id) if page.results else None

    def contacts_changed(self, owner_id: str, since: datetime | None) -> Iterator[CrmContact]:
        """Search pages sorted by last change. Search stops at 10,000 results a query, so a
        longer pull starts a new query from the last change seen (GTE: the merge is
        idempotent, so the overlap costs nothing)."""
        after: str | None = None
        newest = since
        while True:
            filters = [{"propertyName": "hubspot_owner_id", "operator": "EQ", "value": owner_id}]
            if since is not None:
                filters.append(
                    {"propertyName": "lastmodifieddate", "operator": "GTE", "value": _millis(since)}
                )
            request: dict[str, Any] = {
                "filterGroups": [{"filters": filters}],
                "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
                "properties": CONTACT_PROPERTIES,
                "limit": PAGE_SIZE,
            }
            if after is not None:
                request["after"] = after
            page = self._paced(
                lambda request=request: self._client.crm.contacts.search_api.do_search(
                    public_object_search_request=request, _request_timeout=TIMEOUT
                )
            )
            ids = [str(found.id) for found in page.results]
            warning = None
            try:
                amounts = self._open_deal_amounts(ids)
            except CrmRejected as problem:
                # One bad batch must not stop the pull for good: the page comes in without
                # amounts, the cursor moves past it, and the rep is told.
                amounts, warning = {}, f"deal amounts not read: {problem.message}"
                logger.warning("HubSpot pull: %s", warning)
            for found in page.results:
                contact = _contact(found.id, found.properties, found.updated_at)
                newest = max(filter(None, [newest, contact.modified_at]))
                yield replace(contact, deal_amount=amounts.get(contact.ref.crm_id), warning=warning)
                warning = None
            after = page.paging.next.after if page.paging and page.paging.next else None
            if after is None:
                return
            if int(after) >= SEARCH_RESULT_LIMIT:
                if newest == since:
                    # 10,000 changed in one millisecond (a bulk import): no query reaches
                    # past them. Logged, and the pull carries on with what it has.
                    logger.warning(
                        "HubSpot search can't page past 10,000 contacts changed at %s", since
                    )
                    return
                after, since = None, newest

    def _paced(self, request: Callable[[], T]) -> T:
        """A pull makes many requests in a row: a short rate-limit wait is waited out here
        (search allows five requests a second), so one 429 does not undo the pull."""
        for _ in range(PULL_RATE_RETRIES):
            try:
                return self._call(request)
            except CrmUnavailable as problem:
                if problem.retry_after is None or problem.retry_after > LONGEST_PULL_WAIT:
                    raise
                time.sleep(problem.retry_after)
        return self._call(request)

    def _open_deal_amounts(self, contact_ids: list[str]) -> dict[str, str]:
        """Each contact's largest open deal, two batch reads a page. Without the deals
        scope there are no amounts, and the contacts still come in."""
        if not contact_ids:
            return {}
        try:
            deals_of = self._associated(contact_ids, "deals")
            deal_ids = sorted({deal for deals in deals_of.values() for deal in deals})
            open_amounts = self._open_deals(deal_ids)
        except CrmAuthRejected:
            return {}
        largest: dict[str, str] = {}
        for contact_id, linked_deals in deals_of.items():
            amounts = [a for d in linked_deals if (a := open_amounts.get(d)) is not None]
            if amounts:
                largest[contact_id] = str(max(amounts))
        return largest

    def _associated(self, ids: list[str], to_type: str) -> dict[str, list[str]]:
        """Each contact's associated records of a type, in batches HubSpot accepts."""
        found: dict[str, list[str]] = {}
        for start in range(0, len(ids), BATCH_LIMIT):
            chunk = ids[start : start + BATCH_LIMIT]
            linked = self._paced(
                lambda chunk=chunk: self._client.crm.associations.v4.batch_api.get_page(
                    from_object_type="contacts",
                    to_object_type=to_type,
                    batch_input_public_fetch_associations_batch_request={
                        "inputs": [{"id": contact_id} for contact_id in chunk]
                    },
                    _request_timeout=TIMEOUT,
                )
            )
            for result in linked.results:
                found[str(result._from.id)] = [str(to.to_object_id) for to in result.to]
        return found

    def _open_deals(self, deal_ids: list[str]) -> dict[str, Decimal | None]:
        """The open ones among these deals, with their amounts, in batches of 100."""
        open_deals: dict[str, Decimal | None] = {}
        for start in range(0, len(deal_ids), BATCH_LIMIT):
            chunk = deal_ids[start : start + BATCH_LIMIT]
            deals = self._paced(
                lambda chunk=chunk: self._client.crm.deals.batch_api.read(
                    batch_read_input_simple_public_object_id={
                        "properties": ["amount", "hs_is_closed"],
                        "propertiesWithHistory": [],
                        "inputs": [{"id": deal_id} for deal_id in chunk],
                    },
                    _request_timeout=TIMEOUT,
                )
            )
            for deal in deals.results:
                properties = deal.properties or {}
                if properties.get("hs_is_closed") != "true":
                    open_deals[str(deal.id)] = _amount(properties.get("amount"))
        return open_deals

    def call_links(self, contact: CrmRecordRef) -> CallLinks:
        """The contact's company and its open deal (the largest, when there are several)."""
        companies = self._associated([contact.crm_id], "companies").get(contact.crm_id, [])
        deals = self._open_deals(
            self._associated([contact.crm_id], "deals").get(contact.crm_id, [])
        )
        deal = max(deals, key=lambda d: (deals[d] or Decimal(0), d)) if deals else None
        return CallLinks(contact, companies[0] if companies else None, deal)

    def find_contact(self, email: str | None, phone: str | None) -> CrmRecordRef | None:
        pairs = [("email", email)] if email else []
        pairs += [("phone", phone), ("mobilephone", phone)] if phone else []
        groups = [
            {"filters": [{"propertyName": name, "operator": "EQ", "value": value}]}
            for name, value in pairs
        ]
        if not groups:
            return None
        request = {"filterGroups": groups, "properties": ["email"], "limit": 1}
        page = self._call(
            lambda: self._client.crm.contacts.search_api.do_search(
                public_object_search_request=request, _request_timeout=TIMEOUT
            )
        )
        return CrmRecordRef(str(page.results[0].id), "contact") if page.results else None

    def create_contact(self, contact: NewContact) -> CrmRecordRef:
        first, _, last = contact.name.partition(" ")
        properties = {
            "firstname": first,
            "lastname": last,
            "company": contact.company,
            "phone": contact.phone,
            "mobilephone": contact.cell,
            "email": contact.email,
            "hubspot_owner_id": contact.owner_id,
        }
        body = {"properties": {k: v for k, v in properties.items() if v}}
        try:
            created = self._call(
                lambda: self._client.crm.contacts.basic_api.create(
                    simple_public_object_input_for_create=body, _request_timeout=TIMEOUT
                )
            )
        except CrmRejected as problem:
            # Search lags writes by seconds: a contact made since answers 409 with its id.
            existing = _EXISTING_ID.search(problem.message)
            if existing is None:
                raise
            return CrmRecordRef(existing.group(1), "contact")
        return CrmRecordRef(str(created.id), "contact")

    def find_created(self, contact: NewContact, since: datetime) -> CrmRecordRef | None:
        first, _, last = contact.name.partition(" ")
        filters = [
            {"propertyName": "createdate", "operator": "GTE", "value": _millis(since)},
            {"propertyName": "firstname", "operator": "EQ", "value": first},
        ]
        if last:
            filters.append({"propertyName": "lastname", "operator": "EQ", "value": last})
        if contact.owner_id:
            filters.append(
                {"propertyName": "hubspot_owner_id", "operator": "EQ", "value": contact.owner_id}
            )
        request = {"filterGroups": [{"filters": filters}], "properties": ["email"], "limit": 1}
        page = self._call(
            lambda: self._client.crm.contacts.search_api.do_search(
                public_object_search_request=request, _request_timeout=TIMEOUT
            )
        )
        return CrmRecordRef(str(page.results[0].id), "contact") if page.results else None

    def find_call(self, title: str, contact: CrmRecordRef | None = None) -> str | None:
        """Among the contact's calls first: associations are read from the record itself,
        while search shows a new call only seconds later."""
        if contact is not None:
            call_ids = self._associated([contact.crm_id], "calls").get(contact.crm_id, [])
            for start in range(0, len(call_ids), BATCH_LIMIT):
                chunk = call_ids[start : start + BATCH_LIMIT]
                calls = self._call(
                    lambda chunk=chunk: self._client.crm.objects.calls.batch_api.read(
                        batch_read_input_simple_public_object_id={
                            "properties": ["hs_call_title"],
                            "propertiesWithHistory": [],
                            "inputs": [{"id": call_id} for call_id in chunk],
                        },
                        _request_timeout=TIMEOUT,
                    )
                )
                for found in calls.results:
                    if (found.properties or {}).get("hs_call_title") == title:
                        return str(found.id)
        request = {
            "filterGroups": [
                {"filters": [{"propertyName": "hs_call_title", "operator": "EQ", "value": title}]}
            ],
            "properties": ["hs_call_title"],
            "limit": 1,
        }
        page = self._call(
            lambda: self._client.crm.objects.calls.search_api.do_search(
                public_object_search_request=request, _request_timeout=TIMEOUT
            )
        )
        return str(page.results[0].id) if page.results else None

    def create_call(self, call: CallRecord) -> str:
        properties = {
            "hs_timestamp": call.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "hs_call_title": call.title,
            "hs_call_body": call.notes,
            "hs_call_direction": "INBOUND" if call.inbound else "OUTBOUND",
            "hs_call_status": "COMPLETED",
            "hs_call_disposition": call.mapped_disposition or DISPOSITION_IDS[call.disposition],
        }
        optional = {
            "hubspot_owner_id": call.owner_id,
            "hs_call_from_number": call.from_number,
            "hs_call_to_number": call.to_number,
            "hs_call_recording_url": call.recording_url,
        }
        properties.update({name: value for name, value in optional.items() if value})
        if call.duration_seconds is not None:
            properties["hs_call_duration"] = str(call.duration_seconds * 1000)  # milliseconds
        targets = [
            (call.contact.crm_id, CALL_TO_CONTACT),
            (call.links.company_id, CALL_TO_COMPANY),
            (call.links.deal_id, CALL_TO_DEAL),
        ]
        body = {
            "properties": properties,
            "associations": [
                {
                    "to": {"id": target},
                    "types": [
                        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": kind}
                    ],
                }
                for target, kind in targets
                if target
            ],
        }
        created = self._call(
            lambda: self._client.crm.objects.calls.basic_api.create(
                simple_public_object_input_for_create=body, _request_timeout=TIMEOUT
            )
        )
        return str(created.id)

    def delete_call(self, crm_id: str) -> None:
        try:
            self._call(
                lambda: self._client.crm.objects.calls.basic_api.archive(
                    call_id=crm_id, _request_timeout=TIMEOUT
                )
            )
        except CrmRejected as gone:
            if "404" not in gone.message:
                raise

    def _call(self, request: Callable[[], T]) -> T:
        """The client's exceptions, one class per API package, as the port's four."""
        try:
            return request()
        except _API_ERRORS as error:
            raise _translate(error.status, error.headers or {}, error.body) from None
        except urllib3.exceptions.HTTPError as error:
            raise CrmUnavailable(f"HubSpot is not answering ({type(error).__name__}).") from None


def _translate(status: int | None, headers: Any, body: Any) -> CrmError:
    if status == 429:
        return CrmUnavailable("HubSpot's rate limit was reached.", _rate_wait(headers, body))
    if status == 401:
        return CrmAuthRejected(
            "HubSpot refused the access token (401, expired or revoked): the admin who"
            " connected it can reconnect with /prospect crm."
        )
    if status == 403 and _category(body) == "MISSING_SCOPES":
        return CrmAuthRejected(
            f"HubSpot's connection lacks a permission it needs ({_message(body)}): an admin"
            " can reconnect with /prospect crm to grant it."
        )
    if status == 403:
        return CrmRejected(f"HubSpot did not allow this record (403): {_message(body)}")
    if status is None or status >= 500:
        return CrmUnavailable(f"HubSpot answered {status}: it is having trouble.")
    return CrmRejected(f"HubSpot refused the record ({status}): {_message(body)}")


def _rate_wait(headers: Any, body: Any) -> float:
    """Retry-After when sent; the rolling window's length when the window is spent; a daily
    limit waits an hour (it resets at midnight in the account's zone)."""
    retry_after = headers.get("Retry-After")
    if retry_after and str(retry_after).isdigit():
        return float(retry_after)
    if "DAILY" in str(body):
        return DAILY_RATE_WAIT
    interval = headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
    if interval and str(interval).isdigit():
        return int(interval) / 1000
    return DEFAULT_RATE_WAIT


def _category(body: Any) -> str:
    try:
        return str(json.loads(body).get("category", ""))
    except (TypeError, ValueError, AttributeError):
        return ""


def _message(body: Any) -> str:
    try:
        return str(json.loads(body).get("message", ""))[:200]
    except (TypeError, ValueError, AttributeError):
        return ""


def _amount(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text)) if text not in (None, "") else None
    except InvalidOperation:
        return None


def _millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def _contact(crm_id: str, properties: dict[str, Any], updated_at: datetime | None) -> CrmContact:
    def text(name: str) -> str | None:
        value = (properties or {}).get(name)
        return str(value).strip() or None if value is not None else None

    name = " ".join(part for part in (text("firstname"), text("lastname")) if part)
    modified = text("lastmodifieddate")
    return CrmContact(
        ref=CrmRecordRef(str(crm_id), "contact"),
        name=name or text("email") or f"HubSpot contact {crm_id}",
        modified_at=_parse_time(modified) if modified else (updated_at or _LONG_AGO),
        company=text("company"),
        phone=text("phone"),
        cell=text("mobilephone"),
        email=text("email"),
    )


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
