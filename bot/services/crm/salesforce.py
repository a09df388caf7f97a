"""Salesforce through `simple-salesforce`: REST with an access token, or a login with
username, password and security token.

A rep's prospects are the Leads (not yet converted) and Contacts they own; a logged call
becomes a completed Task with TaskSubtype 'Call'. A Task has no standard external id, so
the Subject carries our reference and a retry looks it up with SOQL before creating again
(no custom field for an admin to add). Salesforce counts API requests per org per 24 hours:
past the limit it answers REQUEST_LIMIT_EXCEEDED, and the outbox waits an hour.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.format import format_soql

from bot.services.crm.port import (
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
TIMEOUT = (3.05, 10.0)
"""(connect, read) seconds: a CRM that hangs holds up the worker, never a rep."""
REQUEST_LIMIT_WAIT = 3600.0
"""The org's daily API allowance is spent; it refills over a rolling 24 hours."""
NO_COMPANY = "[not provided]"
"""A Lead needs a Company; a prospect added in Slack may have none."""
_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)
ROLE_BATCH = 200
"""Contacts whose opportunities are asked for in one query: the IN list stays well under
SOQL's 100,000-character limit."""


class BoundedSession(requests.Session):
    """A requests session whose every request has a timeout (simple-salesforce sets none,
    and a hung CRM must not hold the worker for ever), and whose own `verify` wins:
    requests otherwise lets REQUESTS_CA_BUNDLE override it. Tests point `verify` at their
    certificate authority."""

    def request(self, method: str | bytes, url: str | bytes, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, **kwargs)


class SalesforceCrm:
    kind = CrmKind.SALESFORCE

    def __init__(
        self,
        *,
        instance_url: str | None = None,
        access_token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        security_token: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self._instance_url = instance_url
        self._access_token = access_token
        self._login = (username, password, security_token)
        self._session = session or BoundedSession()
        self._client: Salesforce | None = None

    @property
    def client(self) -> Salesforce:
        """Logged in on first use, so building the adapter never touches the network."""
        if self._client is None:
            self._client = self._call(self._connect)
        return self._client

    def _connect(self) -> Salesforce:
        if self._access_token:
            return Salesforce(
                instance_url=self._instance_url,
                session_id=self._access_token,
                session=self._session,
                version=API_VERSION,
            )
        username, password, security_token = self._login
        return Salesforce(
            username=username,
            password=password,
            security_token=security_token,
            domain=login_domain(self._instance_url),
            session=self._session,
            version=API_VERSION,
        )

    def check(self) -> CrmAccount:
        found = self._call(lambda: self.client.query("SELECT Id FROM Organization LIMIT 1"))
        records = found.get("records") or []
        org_id = str(records[0]["Id"]) if records else ""
        return CrmAccount(account_id=org_id, web_url=self.client.base_url.split("/services/")[0])

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
        first, _, last = contact.name.rpartition(" ")
        fields = {
            "FirstName": first or None,
            "LastName": last or contact.name,
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

    def find_call(self, title: str) -> str | None:
        soql = format_soql(
            "SELECT Id FROM Task WHERE Subject = {} AND TaskSubtype = 'Call' LIMIT 1", title
        )
        records = self._call(lambda: self.client.query(soql)).get("records") or []
        return str(records[0]["Id"]) if records else None

    def create_call(self, call: CallRecord) -> str:
        fields = {
            "Subject": call.title,
            "TaskSubtype": "Call",
            "Status": "Completed",
            "CallDisposition": call.disposition.value,
            "CallType": "Inbound" if call.inbound else "Outbound",
            "ActivityDate": call.at.astimezone(UTC).date().isoformat(),
            "WhoId": call.contact.crm_id,
            "Description": call.notes or None,
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

        A login's session expires; with a password at hand, log in again once and retry.
        """
        try:
            return request()
        except SalesforceExpiredSession:
            if self._access_token or self._client is None or retried:
                raise _translate_expired() from None
            self._client = None
            return self._call(request, retried=True)
        except SalesforceError as error:
            raise _translate(error) from None
        except requests.RequestException as error:
            raise CrmUnavailable(f"Salesforce is not answering ({type(error).__name__}).") from None


def login_domain(instance_url: str | None) -> str:
    """simple-salesforce logs in at https://DOMAIN.salesforce.com: 'login', 'test', or the
    org's My Domain ('acme.my') taken from its instance URL."""
    host = urlsplit(instance_url or "").hostname or ""
    if host.endswith(".salesforce.com"):
        return host.removesuffix(".salesforce.com")
    return "login"


def _translate_expired() -> CrmError:
    return CrmAuthRejected(
        "Salesforce refused the credentials (session expired or invalid): an admin can"
        " reconnect with /prospect crm."
    )


def _translate(error: SalesforceError) -> CrmError:
    codes = _error_codes(error)
    if "REQUEST_LIMIT_EXCEEDED" in codes:
        return CrmUnavailable(
            "Salesforce's daily API request limit is used up.", retry_after=REQUEST_LIMIT_WAIT
        )
    if isinstance(error, SalesforceExpiredSession | SalesforceAuthenticationFailed):
        return _translate_expired()
    if isinstance(error, SalesforceRefusedRequest):
        return CrmAuthRejected(
            "Salesforce refused the request: the connected user lacks access"
            f" ({', '.join(codes) or 'forbidden'})."
        )
    if isinstance(error, SalesforceMalformedRequest | SalesforceResourceNotFound):
        return CrmRejected(f"Salesforce refused the record: {', '.join(codes) or error.status}")
    return CrmUnavailable(f"Salesforce answered {getattr(error, 'status', '?')}.")


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
