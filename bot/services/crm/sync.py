"""Pulling each rep's own contacts from the CRM into their prospects.

A rep is matched to the CRM user with their Slack email (users.info, which needs the
users:read.email scope). Each pull asks only for what changed since the last one, page by
page, and every contact is read exactly as a CSV row would be, with the same dedupe rules:
a prospect the rep already has by phone, email or name is linked, not doubled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.grammar.csv_rows import RowError, map_headers, read_row
from bot.rules.erasure import ASKED_NOT_TO_BE_CALLED
from bot.rules.prospects import ProspectFields
from bot.services.crm.connections import WorkspaceCrm
from bot.services.crm.port import CrmContact, CrmPort
from storage import crm as crm_store
from storage.crm import RepOwner
from storage.privacy import SuppressionList

logger = logging.getLogger(__name__)

SYNC_EVERY = timedelta(minutes=15)
OWNER_RECHECK = timedelta(days=1)
"""A rep with no CRM user is looked for again this much later (an admin may have added
one), not on every push and pull."""
MERGE_BATCH = 200
"""Contacts merged per transaction: a long first pull saves as it goes."""
_COLUMNS = map_headers(["Name", "Company", "Phone", "Mobile", "Email", "Amount"])

RepEmail = Callable[[str], str | None]
"""A rep's email from Slack's users.info; None when Slack has none for them."""


@dataclass
class PullReport:
    added: int = 0
    linked: int = 0
    updated: int = 0
    skipped: list[str] = field(default_factory=list)
    """Contacts not taken, each with why (a phone we can't read, no name)."""
    unmatched: list[str] = field(default_factory=list)
    """Reps with no CRM user of their email: they get nothing pulled."""
    warnings: list[str] = field(default_factory=list)
    """What the CRM refused on the way (a page's deal amounts); the pull went on."""

    def describe(self, label: str) -> str:
        text = (
            f"Pulled from {label}: {self.added} new, {self.linked} linked to prospects you"
            f" had, {self.updated} updated."
        )
        if self.skipped:
            text += f" {len(self.skipped)} skipped ({self.skipped[0]})."
        if self.unmatched:
            text += f" No {label} user has the email of {len(self.unmatched)} rep(s)."
        if self.warnings:
            text += f" {label} refused part of it: {self.warnings[0]}"
        return text


def contact_fields(contact: CrmContact) -> ProspectFields:
    """Raises RowError, as the CSV import would for the same values."""
    values = [
        contact.name,
        contact.company or "",
        contact.phone or "",
        contact.cell or "",
        contact.email or "",
        contact.deal_amount or "",
    ]
    return read_row(values, _COLUMNS)


def crm_owner(
    session_factory: sessionmaker[Session],
    adapter: CrmPort,
    team_id: str,
    rep: RepOwner,
    rep_email: RepEmail,
    now: datetime,
) -> str | None:
    """The rep's CRM user, found by email once and then remembered; a rep the CRM has no
    user for is remembered as such too, and asked about again a day later."""
    if rep.owner_id:
        return rep.owner_id
    if rep.checked_at is not None and now - rep.checked_at < OWNER_RECHECK:
        return None
    email = rep_email(rep.user_id)
    owner = adapter.owner_for_email(email) if email else None
    with session_factory.begin() as session:
        crm_store.set_crm_owner(session, team_id, rep.user_id, owner, now)
    return owner


def pull_contacts(
    session_factory: sessionmaker[Session],
    crm: WorkspaceCrm,
    team_id: str,
    now: datetime,
    rep_email: RepEmail,
    suppression_key: bytes,
) -> PullReport:
    """Raises the adapter's CrmError; the cursor then stays where it was. Contacts erased
    after asking not to be called (storage.privacy) are skipped, saying so."""
    with session_factory() as session:
        row = crm_store.connection(session, team_id)
        cursor = row.sync_cursor if row is not None else None
        reps = crm_store.reps(session, team_id)
        suppressions = SuppressionList.load(session, team_id, suppression_key)
    report = PullReport()
    newest = cursor
    for rep in reps:
        user_id = rep.user_id
        owner = crm_owner(session_factory, crm.adapter, team_id, rep, rep_email, now)
        if owner is None:
            report.unmatched.append(user_id)
            continue
        # A rep matched just now has never been pulled: all of theirs, not just the changes.
        since = cursor if rep.owner_id else None
        batch: list[tuple[str, str, ProspectFields]] = []
        for contact in crm.adapter.contacts_changed(owner, since):
            newest = max(filter(None, [newest, contact.modified_at]))
            if contact.warning:
                report.warnings.append(contact.warning)
            try:
                fields = contact_fields(contact)
                if suppressions.refuses((fields.phone, fields.cell), fields.email):
                    raise RowError(ASKED_NOT_TO_BE_CALLED)
                batch.append((contact.ref.crm_id, contact.ref.crm_object, fields))
            except RowError as problem:
                report.skipped.append(f"{contact.name}: {problem.message}")
            if len(batch) >= MERGE_BATCH:
                _merge(session_factory, team_id, user_id, batch, now, report)
                batch = []
        _merge(session_factory, team_id, user_id, batch, now, report)
    with session_factory.begin() as session:
        warning = report.warnings[0] if report.warnings else None
        crm_store.note_sync(
            session,
            team_id,
            now,
            newest,
            None,
            warning=f"came in, but {crm.label} refused part of it: {warning}" if warning else None,
        )
    return report


def _merge(
    session_factory: sessionmaker[Session],
    team_id: str,
    user_id: str,
    batch: list[tuple[str, str, ProspectFields]],
    now: datetime,
    report: PullReport,
) -> None:
    if not batch:
        return
    with session_factory.begin() as session:
        merged = crm_store.merge_pulled(session, team_id, user_id, batch, now)
    report.added += merged.added
    report.linked += merged.linked
    report.updated += merged.updated
