"""Salesforce through `simple-salesforce`: REST with an OAuth access token (renewed with
the refresh token when Salesforce says the session is invalid), or an access token from
the environment for a self-hosted install.

A rep's prospects are the Leads (not yet converted) and Contacts they own; a logged call
becomes a completed Task with TaskSubtype 'Call'. A Task has no standard external id, so
the Subject carries our reference and a retry looks it up with SOQL before creating again
(no custom field for an admin to add). Salesforce counts API requests per org per 24 hours:
past the limit it answers REQUEST_LIMIT_EXCEEDED, and the outbox waits an hour.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.format import format_soql

from bot.services.crm.http import BoundedSession
from bot.services.crm.port import (
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

API_VERSION = "59.0"
REQUEST_LIMIT_WAIT = 3600.0
"""The org's daily API allowance is spent; it refills over a rolling 24 hours."""
NO_COMPANY = "[not provided]"
"""A Lead needs a Company; a prospect added in Slack may have none."""
_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)
ROLE_BATCH = 200
"""Contacts whose opportunities are asked for in one query: the IN list stays well under
SOQL's 100,000-character limit."""
TRANSIENT = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "QUERY_TIMEOUT"})
"""Errors a busy org answers (a 400 or 503) that the same request a little later gets past."""
NO_ACCESS = frozenset({"INSUFFICIENT_ACCESS", "API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED"})
Renew = Callable[[], Mapping[str, str]]
"""New credentials from the refresh token (`tokens.salesforce_tokens`)."""


class SalesforceCrm:
    kind = CrmKind.SALESFORCE

    def __init__(
        self,
        *,
        instance_url: str,
        access_token: str,
        refresh_token: str | None = None,
        session: requests.Session | None = None,
        renew: Renew | None = None,
    ) -> None:
        self._credentials = {"instance_url": instance_url, "access_token": access_token}
        if refresh_token:
            self._credentials["refresh_token"] = refresh_token
        self._session = session or BoundedSession()
        self._renew = renew
        self._client: Salesforce | None = None

    @property
    def credentials(self) -> dict[str, str]:
        """As they are now: a renewal changes them, and the caller stores them again."""
        return dict(self._credentials)

    @property
    def client(self) -> Salesforce:
        """Built on first use, so building the adapter never touches the network."""
        if self._client is None:
            self._client = Salesforce(
                instance_url=self._credentials["instance_url"],
                session_id=self._credentials["access_token"],
                session=self._session,
                version=API_VERSION,
            )
        return self._client

    def check(self) -> CrmAccount:
        found = self._call(lambda: self.client.query("SELECT Id FROM Organization LIMIT 1"))
        records = found.get("records") or []
        org_id = str(records[0]["Id"]) if records else ""
        return CrmAccount(account_id=org_id, web_url=self.client.base_url.split("/services/")[0])

    def call_outcomes(self) -> list[tuple[str, str]] | None:
        """CallDisposition is a text field: an admin writes the org's own words."""
        return None

    def owner_for_email(self, email: str) -> str | None:
        soql = format_soql(
            "SELECT Id FROM User WHERE Email = {} AND IsActive = true LIMIT 1", email
        )
        records = self._call(lambda: self.client.query(soql)).get("records") or []
        return str(records[0]["Id"]) if records else None

    def contacts_changed(self, owner_id: str, since: datetime | None) -> Iterator[CrmContact]:
        after = format_soql(" AND LastModifiedDate >= {:literal}", _soql_time(since or _LONG_AGO))
        queries = (
            (
                "lead",
                "SELECT Id, FirstName, LastName, Company, Phone, MobilePhone, Email,"
                " LastModifiedDate FROM Lead WHERE OwnerId = {} AND IsConverted = false",
            ),
            (
                "contact",
                "SELECT Id, FirstName, LastName, Account.Name, Phone, MobilePhone, Email,"
                " LastModifiedDate FROM Contact WHERE OwnerId = {}",
            ),
        )
        for crm_object, select in queries:
            soql = format_soql(select, owner_id) + after + " ORDER BY LastModifiedDate"
            # query_all_iter follows nextRecordsUrl page by page.
            records = self._call(lambda soql=soql: self.client.query_all_iter(soql))
            batch: list[CrmContact] = []
            while True:
                record = self._call(lambda records=records: next(records, None))
                if record is not None:
                    batch.append(_contact(crm_object, record))
                if batch and (record is None or len(batch) >= ROLE_BATCH):
                    yield from self._with_deal_amounts(batch)
                    batch = []
                if record is None:
                    break

    def _with_deal_amounts(self, contacts: list[CrmContact]) -> Iterator[CrmContact]:
        """Contacts' largest open opportunity, through their contact roles; Leads have none."""
        ids = [c.ref.crm_id for c in contacts if c.ref.crm_object == "contact"]
        amounts: dict[str, Decimal] = {}
        if ids:
            soql = format_soql(
                "SELECT ContactId, Opportunity.Amount FROM OpportunityContactRole"
                " WHERE Opportunity.IsClosed = false AND ContactId IN {}",
                ids,
            )
            roles = self._call(lambda: list(self.client.query_all_iter(soql)))
            for role in roles:
                amount = (role.get("Opportunity") or {}).get("Amount")
                if amount is None:
                    continue
                contact_id = str(role["ContactId"])
                amounts[contact_id] = max(amounts.get(contact_id, Decimal(0)), Decimal(str(amount)))
        for contact in contacts:
            amount = amounts.get(contact.ref.crm_id)
            yield replace(contact, deal_amount=str(amount)) if amount is not None else contact

    def find_contact(self, email: str | None, phone: str | None) -> CrmRecordRef | None:
        for crm_object, table in (("contact", "Contact"), ("lead", "Lead")):
            conditions = []
            if email:
                conditions.append(format_soql("Email = {}", email))
            if phone:
                conditions.append(format_soql("Phone = {0} OR MobilePhone = {0}", phone))
            if not conditions:
                return None
            where = " OR ".join(conditions)
            if table == "Lead":
                where = f"({where}) AND IsConverted = false"
            soql = f"SELECT Id FROM {table} WHERE {where} LIMIT 1"
            records = self._call(lambda soql=soql: self.client.query(soql)).get("records") or []
            if records:
                return CrmRecordRef(str(records[0]["Id"]), crm_object)
        return None

    def create_contact(self, contact: NewContact) -> CrmRecordRef:
        first, last = _name_parts(contact.name)
        fields = {
            "FirstName": first,
            "LastName": last,
            "Company": contact.company or NO_COMPANY,
            "Phone": contact.phone,
            "MobilePhone": contact.cell,
            "Email": contact.email,
            "OwnerId": contact.owner_id,
        }
        created = self._call(
            lambda: self.client.Lead.create({k: v for k, v in fields.items() if v})
        )
        return CrmRecordRef(str(created["id"]), "lead")

    def find_created(self, contact: NewContact, since: datetime) -> CrmRecordRef | None:
        first, last = _name_parts(contact.name)
        soql = format_soql(
            "SELECT Id FROM Lead WHERE LastName = {} AND CreatedDate >= {:literal}"
            " AND IsConverted = false",
            last,
            _soql_time(since),
        )
        if first:
            soql += format_soql(" AND FirstName = {}", first)
        if contact.owner_id:
            soql += format_soql(" AND OwnerId = {}", contact.owner_id)
        records = self._call(lambda: self.client.query(soql + " LIMIT 1")).get("records") or []
        return CrmRecordRef(str(records[0]["Id"]), "lead") if records else None

    def find_call(self, title: str, contact: CrmRecordRef | None = None) -> str | None:
        soql = format_soql(
            "SELECT Id FROM Task WHERE Subject = {} AND TaskSubtype = 'Call' LIMIT 1", title
        )
        records = self._call(lambda: self.client.query(soql)).get("records") or []
        return str(records[0]["Id"]) if records else None

    def call_links(self, contact: CrmRecordRef) -> CallLinks:
        """A converted Lead is followed to the Contact (and Account) it became: Salesforce
        refuses Tasks on a converted Lead. A Contact's Task goes under its open
        opportunity (through its contact roles) or else its Account."""
        if contact.crm_object == "lead":
            soql = format_soql(
                "SELECT Id, IsConverted, ConvertedContactId, ConvertedAccountId FROM Lead"
                " WHERE Id = {} LIMIT 1",
                contact.crm_id,
            )
            records = self._call(lambda: self.client.query(soql)).get("records") or []
            lead = records[0] if records else {}
            if not lead.get("IsConverted") or not lead.get("ConvertedContactId"):
                return CallLinks(contact)
            contact = CrmRecordRef(str(lead["ConvertedContactId"]), "contact")
        soql = format_soql(
            "SELECT Id, AccountId FROM Contact WHERE Id = {} LIMIT 1", contact.crm_id
        )
        records = self._call(lambda: self.client.query(soql)).get("records") or []
        account = str(records[0]["AccountId"]) if records and records[0].get("AccountId") else None
        soql = format_soql(
            "SELECT OpportunityId FROM OpportunityContactRole"
            " WHERE ContactId = {} AND Opportunity.IsClosed = false LIMIT 1",
            contact.crm_id,
        )
        roles = self._call(lambda: self.client.query(soql)).get("records") or []
        deal = str(roles[0]["OpportunityId"]) if roles else None
        return CallLinks(contact, account, deal)

    def create_call(self, call: CallRecord) -> str:
        fields = {
            "Subject": call.title,
            "TaskSubtype": "Call",
            "Status": "Completed",
            "CallDisposition": call.mapped_disposition or call.disposition.value,
            "CallType": "Inbound" if call.inbound else "Outbound",
            "ActivityDate": call.day.isoformat(),
            "WhoId": call.contact.crm_id,
            # A Lead's Task takes no WhatId; a Contact's goes under its deal or account.
            "WhatId": call.links.deal_id or call.links.company_id,
            "Description": _description(call),
            "OwnerId": call.owner_id,
            "CallDurationInSeconds": call.duration_seconds,
        }
        created = self._call(
            lambda: self.client.Task.create({k: v for k, v in fields.items() if v})
        )
        return str(created["id"])

    def delete_call(self, crm_id: str) -> None:
        try:
            self._call(lambda: self.client.Task.delete(crm_id))
        except CrmRejected as gone:
            if "NOT_FOUND" not in gone.message and "ENTITY_IS_DELETED" not in gone.message:
                raise

    def _call(self, request: Callable[[], T], *, retried: bool = False) -> T:
        """simple-salesforce's exceptions and requests' network errors as the port's four.

        INVALID_SESSION_ID with a refresh token at hand: renew the access token once and
        retry; refused again (or the refresh refused), the admin has to reconnect.
        """
        try:
            return request()
        except SalesforceExpiredSession:
            if self._renew is None or retried:
                raise _translate_expired() from None
            self._credentials.update(self._renew())
            self._client = None
            return self._call(request, retried=True)
        except SalesforceError as error:
            raise _translate(error) from None
        except requests.RequestException as error:
            raise CrmUnavailable(f"Salesforce is not answering ({type(error).__name__}).") from None


def _translate_expired() -> CrmError:
    return CrmAuthRejected(
        "Salesforce refused the access token (401, session expired or revoked): the admin"
        " who connected it can reconnect with /prospect crm."
    )


def _translate(error: SalesforceError) -> CrmError:
    codes = _error_codes(error)
    if "REQUEST_LIMIT_EXCEEDED" in codes:
        return CrmUnavailable(
            "Salesforce's daily API request limit is used up.", retry_after=REQUEST_LIMIT_WAIT
        )
    if TRANSIENT.intersection(codes):
        return CrmUnavailable(f"Salesforce is busy ({', '.join(codes)}); trying again shortly.")
    if isinstance(error, SalesforceExpiredSession):
        return _translate_expired()
    if isinstance(error, SalesforceRefusedRequest) or NO_ACCESS.intersection(codes):
        return CrmAuthRejected(
            "Salesforce refused the request (403): the connected user lacks access"
            f" ({', '.join(codes) or 'forbidden'}); an admin can grant it in Salesforce."
        )
    if isinstance(error, SalesforceMalformedRequest | SalesforceResourceNotFound):
        return CrmRejected(f"Salesforce refused the record: {', '.join(codes) or error.status}")
    return CrmUnavailable(f"Salesforce answered {getattr(error, 'status', '?')}.")


def _name_parts(name: str) -> tuple[str | None, str]:
    """(FirstName, LastName) as Salesforce wants them: a Lead needs a LastName."""
    first, _, last = name.rpartition(" ")
    return first or None, last or name


def _description(call: CallRecord) -> str | None:
    """Tasks have no standard fields for the numbers: they lead the notes."""
    numbers = [f"From: {call.from_number}"] if call.from_number else []
    numbers += [f"To: {call.to_number}"] if call.to_number else []
    lines = [" · ".join(numbers)] if numbers else []
    if call.notes:
        lines.append(call.notes)
    return "\n".join(lines) or None


def _error_codes(error: SalesforceError) -> list[str]:
    content = getattr(error, "content", None)
    if isinstance(content, list):
        return [str(item.get("errorCode")) for item in content if isinstance(item, dict)]
    return []


def _soql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _contact(crm_object: str, record: dict[str, Any]) -> CrmContact:
    def text(value: Any) -> str | None:
        return str(value).strip() or None if value is not None else None

    account = record.get("Account") or {}
    company = record.get("Company") if crm_object == "lead" else account.get("Name")
    name = " ".join(
        part for part in (text(record.get("FirstName")), text(record.get("LastName"))) if part
    )
    modified = text(record.get("LastModifiedDate"))
    return CrmContact(
        ref=CrmRecordRef(str(record["Id"]), crm_object),
        name=name or text(record.get("Email")) or f"Salesforce {crm_object} {record['Id']}",
        modified_at=_parse_time(modified) if modified else _LONG_AGO,
        company=text(company),
        phone=text(record.get("Phone")),
        cell=text(record.get("MobilePhone")),
        email=text(record.get("Email")),
    )


def _parse_time(text: str) -> datetime:
    """Salesforce writes '2026-11-23T16:00:00.000+0000'."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
