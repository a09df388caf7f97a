"""Sending a workspace's outbox to its CRM: every logged call once, in the order logged.

Never lose: a row stays pending until the CRM has the call, however long it is down.
Never double: the attempt is counted before the request goes out, and any attempt after
the first looks the call up by our reference before creating it again. A row that fails
for a reason time will cure (the CRM down, a rate limit, a refused token) holds back the
rows behind it, so calls arrive in order; a row the CRM refuses for itself is set aside
with the reason, and the rest go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.mrkdwn import escape
from bot.rules.calls import Outcome
from bot.services.crm.connections import WorkspaceCrm
from bot.services.crm.port import (
    DISPOSITIONS,
    CallRecord,
    CrmAuthRejected,
    CrmRecordRef,
    CrmRejected,
    CrmUnavailable,
    NewContact,
    call_reference,
    call_title,
)
from bot.services.crm.sync import RepEmail, crm_owner
from storage import crm as crm_store
from storage.crm import OutboxAction, OutboxStatus, PendingItem, RepOwner

logger = logging.getLogger(__name__)

BATCH = 50
"""Rows sent per workspace per tick: a backlog drains over a few minutes, and one
workspace's backlog does not hold up the others' for long."""
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=10)
"""Backoff doubles up to this: a CRM back from an outage gets its backlog within minutes."""
AUTH_RETRY = timedelta(minutes=15)
"""A refused token is an admin's to fix; meanwhile ask again now and then, in case it was
the CRM's mistake."""
REPLY_URL_LIFETIME = timedelta(minutes=30)
"""Slack takes posts to a command's response_url for 30 minutes."""

ReplyPoster = Callable[[str, str], None]
"""Posts a short ephemeral follow-up to a rep's response_url."""


@dataclass
class OutboxReport:
    pushed: int = 0
    deleted: int = 0
    failed: int = 0
    cancelled: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)
    auth_refused: str | None = None
    """The CRM refused the credentials: what its admin should hear."""


def post_to_response_url(url: str, text: str) -> None:
    WebhookClient(url, timeout=5).send(text=text, response_type="ephemeral", replace_original=False)


def backoff(attempts: int, hint: float | None) -> timedelta:
    """The CRM's own hint when it gave one (a 429's headers); else doubling from 30 s."""
    if hint is not None:
        return timedelta(seconds=hint)
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def send_outbox(
    session_factory: sessionmaker[Session],
    crm: WorkspaceCrm,
    team_id: str,
    now: datetime,
    rep_email: RepEmail,
    post_reply: ReplyPoster = post_to_response_url,
) -> OutboxReport:
    report = OutboxReport()
    with session_factory() as session:
        items = crm_store.pending_items(session, team_id, BATCH)
    for item in items:
        if item.next_attempt_at is not None and item.next_attempt_at > now:
            report.waiting += 1
            break
        with session_factory.begin() as session:
            if not crm_store.begin_attempt(session, item.id, item.attempts):
                continue
        try:
            settled = _send(session_factory, crm, item, now, rep_email)
        except (CrmUnavailable, CrmAuthRejected) as problem:
            hint = problem.retry_after if isinstance(problem, CrmUnavailable) else None
            wait = (
                AUTH_RETRY
                if isinstance(problem, CrmAuthRejected)
                else backoff(item.attempts + 1, hint)
            )
            with session_factory.begin() as session:
                crm_store.mark_retry(session, item.id, problem.message, now + wait)
                crm_store.note_push_error(session, team_id, problem.message)
            logger.info("CRM push for %s waits %s: %s", team_id, wait, problem.message)
            report.errors.append(problem.message)
            report.waiting += 1
            if isinstance(problem, CrmAuthRejected):
                report.auth_refused = problem.message
            break
        except CrmRejected as problem:
            with session_factory.begin() as session:
                crm_store.mark_settled(session, item.id, OutboxStatus.FAILED, problem.message)
            logger.warning("CRM refused call %s of %s: %s", item.call_id, team_id, problem.message)
            report.failed += 1
            continue
        if settled is None:
            report.cancelled += 1
            continue
        crm_id, prospect_name = settled
        with session_factory.begin() as session:
            crm_store.mark_sent(session, item.id, team_id, item.call_id, crm_id, now)
            crm_store.note_push_error(session, team_id, None)
        if item.action is OutboxAction.DELETE:
            report.deleted += 1
            continue
        report.pushed += 1
        _tell_rep(item, crm.label, prospect_name, now, post_reply)
    return report


def _send(
    session_factory: sessionmaker[Session],
    crm: WorkspaceCrm,
    item: PendingItem,
    now: datetime,
    rep_email: RepEmail,
) -> tuple[str | None, str] | None:
    """(crm id, prospect name) once the CRM has it; None when there was nothing to send."""
    if item.action is OutboxAction.DELETE:
        return _delete(session_factory, crm, item)
    with session_factory() as session:
        call = crm_store.call_to_push(session, item.team_id, item.call_id)
        mapped = crm_store.dispositions(session, item.team_id)
    if call is None:
        return _cancel(session_factory, item, "the call was deleted before it was sent")
    outcome = Outcome(call.outcome)
    disposition = DISPOSITIONS.get(outcome)
    if disposition is None:
        return _cancel(session_factory, item, "an email sent instead is not a call")
    adapter = crm.adapter
    rep = RepOwner(item.rep_user_id, call.rep_owner_id, call.rep_owner_checked_at)
    owner = crm_owner(session_factory, adapter, item.team_id, rep, rep_email, now)
    if call.prospect_crm_id:
        contact = CrmRecordRef(call.prospect_crm_id, call.prospect_crm_object or "contact")
    else:
        new = NewContact(
            name=call.prospect_name,
            owner_id=owner,
            company=call.company,
            phone=call.phone,
            cell=call.cell,
            email=call.email,
        )
        contact = (
            adapter.find_contact(call.email, call.phone or call.cell)
            or adapter.find_created(new, item.created_at)
            or adapter.create_contact(new)
        )
        # Saved at once: a retry of this call must not create the contact a second time.
        _link(session_factory, item.team_id, call.prospect_id, contact)
    links = adapter.call_links(contact)
    if links.contact != contact:
        # A Lead converted in the CRM: the prospect follows it to its Contact.
        _link(session_factory, item.team_id, call.prospect_id, links.contact)
    record = CallRecord(
        reference=call_reference(item.team_id, item.call_id),
        outcome=outcome,
        disposition=disposition,
        at=call.at,
        # The call's day on the rep's calendar (no rep row: a call from before reps).
        day=call.at.astimezone(ZoneInfo(call.rep_tz or "UTC")).date(),
        notes=call.notes,
        links=links,
        owner_id=owner,
        duration_seconds=call.duration_seconds,
        recording_url=call.recording_url,
        rep_number=call.rep_number,
        prospect_number=call.phone or call.cell,
        mapped_disposition=mapped.get(outcome.value),
    )
    earlier = adapter.find_call(record.title, record.contact) if item.attempts > 0 else None
    return earlier or adapter.create_call(record), call.prospect_name


def _link(
    session_factory: sessionmaker[Session], team_id: str, prospect_id: int, ref: CrmRecordRef
) -> None:
    with session_factory.begin() as session:
        crm_store.link_prospect(session, team_id, prospect_id, ref.crm_id, ref.crm_object)


def _delete(
    session_factory: sessionmaker[Session], crm: WorkspaceCrm, item: PendingItem
) -> tuple[str | None, str] | None:
    with session_factory() as session:
        pushed = crm_store.push_state(session, item.team_id, item.call_id, item.id)
    crm_id = pushed.crm_id
    disposition = DISPOSITIONS.get(Outcome(pushed.outcome)) if pushed.outcome else None
    if crm_id is None and pushed.attempted and disposition is not None:
        # An attempt went out and nobody heard back: the record may be there all the same.
        reference = call_reference(item.team_id, item.call_id)
        crm_id = crm.adapter.find_call(call_title(disposition, reference))
    if crm_id is None:
        return _cancel(session_factory, item, "the call never reached the CRM")
    crm.adapter.delete_call(crm_id)
    return crm_id, ""


def _cancel(session_factory: sessionmaker[Session], item: PendingItem, why: str) -> None:
    with session_factory.begin() as session:
        crm_store.mark_settled(session, item.id, OutboxStatus.CANCELLED, why)


def _tell_rep(
    item: PendingItem, label: str, prospect_name: str, now: datetime, post_reply: ReplyPoster
) -> None:
    """Under the /logcall reply, while Slack still takes posts there; the App Home says
    it in any case."""
    if not item.response_url or now - item.created_at > REPLY_URL_LIFETIME:
        return
    text = f":white_check_mark: Your call with *{escape(prospect_name)}* is also logged in {label}."
    try:
        post_reply(item.response_url, text)
    except (SlackApiError, OSError) as problem:
        logger.info("couldn't tell %s the call reached %s: %s", item.rep_user_id, label, problem)
