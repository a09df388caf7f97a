"""The CRM's part of the minute tick: pull each workspace's reps' contacts every 15 minutes,
and send its outbox.

Safe on any number of processes at once: a workspace is worked by whoever holds its lease,
so its calls reach the CRM one at a time, in order.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.mrkdwn import escape
from bot.config import Settings
from bot.services.crm.connections import (
    AdapterFactory,
    WorkspaceCrm,
    default_adapters,
    env_credentials,
    seal,
    workspace_credentials,
)
from bot.services.crm.outbox import AUTH_RETRY, ReplyPoster, post_to_response_url, send_outbox
from bot.services.crm.port import CrmAuthRejected, CrmError
from bot.services.crm.sync import SYNC_EVERY, PullReport, RepEmail, pull_contacts
from bot.services.crm.tokens import fresh
from bot.services.slack_delivery import ClientForTeam
from storage import crm as crm_store
from storage.privacy import suppression_key

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
"""Longer than a tick's work for one workspace; a worker that died frees it by then."""


NOT_CONNECTED = (
    "No CRM is connected here yet: a workspace admin can connect one with /prospect crm."
)


class Busy(CrmError):
    """Another worker holds the workspace right now."""


class NotConnected(CrmError):
    """The workspace has no CRM, stored or from the environment."""


@dataclass
class CrmTickReport:
    now: datetime
    label: str = "crm"
    pushed: int = 0
    deleted: int = 0
    failed: int = 0
    waiting: int = 0
    pulled: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def acted(self) -> bool:
        return any((self.pushed, self.deleted, self.failed, self.pulled, self.errors))

    def summary(self) -> str:
        return (
            f"{self.label} tick at {self.now.isoformat()}: {self.pushed} calls pushed,"
            f" {self.deleted} deleted, {self.failed} refused, {self.waiting} workspaces"
            f" waiting, {self.pulled} prospects pulled"
            + (f"; {'; '.join(self.errors)}" if self.errors else "")
        )


def run_crm_tick(
    session_factory: sessionmaker[Session],
    settings: Settings,
    now: datetime,
    *,
    client_for_team: ClientForTeam | None = None,
    adapters: AdapterFactory | None = None,
    post_reply: ReplyPoster = post_to_response_url,
    worker: str | None = None,
) -> CrmTickReport:
    """Send every connected workspace's due calls, and pull the ones due a pull."""
    adapters = adapters or default_adapters(settings)
    worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    report = CrmTickReport(now)
    with session_factory.begin() as session:
        if env_credentials(settings) is None:
            crm_store.discard_unconnected(session)
            teams = crm_store.connected_teams(session)
        else:
            # The environment's CRM serves every workspace with reps, from their first day.
            connected = crm_store.connected_teams(session)
            teams = sorted(
                set(connected)
                | set(crm_store.teams_with_pending(session))
                | set(crm_store.teams_with_reps(session))
            )
    with session_factory() as session:
        # Refused credentials are an admin's to fix: asked again now and then, not each minute.
        resting = crm_store.refused_lately(session, now - AUTH_RETRY)
    for team_id in teams:
        if team_id in resting:
            continue
        rep_email = slack_rep_email(client_for_team(team_id)) if client_for_team else _no_email
        try:
            with leased(session_factory, settings, adapters, team_id, now, worker) as crm:
                # Pull first: a call to someone already in the CRM then finds their record
                # linked, rather than making them a second one.
                if _pull_due(session_factory, team_id, now):
                    pulled = _pull_noted(
                        session_factory, crm, team_id, now, rep_email, settings.secret_key
                    )
                    report.pulled += pulled.added + pulled.linked + pulled.updated
                sent = send_outbox(session_factory, crm, team_id, now, rep_email, post_reply)
                report.pushed += sent.pushed
                report.deleted += sent.deleted
                report.failed += sent.failed
                report.waiting += 1 if sent.waiting else 0
                report.errors += sent.errors
                if sent.auth_refused:
                    _refused(session_factory, client_for_team, team_id, sent.auth_refused, now)
        except Busy:
            continue
        except CrmError as problem:
            if isinstance(problem, CrmAuthRejected):
                _refused(session_factory, client_for_team, team_id, problem.message, now)
            # Credentials that can't be opened, or an environment's CRM that refused its
            # first check: the calls wait, and the reps' Home says why.
            with session_factory.begin() as session:
                crm_store.note_push_error(session, team_id, problem.message)
            report.errors.append(f"{team_id}: {problem.message}")
    return report


def crm_tick(
    settings: Settings,
) -> Callable[[sessionmaker[Session], ClientForTeam, datetime], CrmTickReport]:
    """run_crm_tick in the shape the minute tick calls its jobs."""

    def tick(
        session_factory: sessionmaker[Session], client_for_team: ClientForTeam, now: datetime
    ) -> CrmTickReport:
        return run_crm_tick(session_factory, settings, now, client_for_team=client_for_team)

    return tick


def sync_now(
    session_factory: sessionmaker[Session],
    settings: Settings,
    adapters: AdapterFactory,
    team_id: str,
    now: datetime,
    rep_email: RepEmail,
) -> tuple[str, PullReport]:
    """`/prospect sync`: the pull, now. Returns the CRM's label and what came in.

    Raises Busy when a tick is working the workspace, or the CRM's CrmError.
    """
    worker = f"sync:{uuid.uuid4().hex[:8]}"
    with leased(session_factory, settings, adapters, team_id, now, worker) as crm:
        return crm.label, _pull_noted(
            session_factory, crm, team_id, now, rep_email, settings.secret_key, quiet=False
        )


@contextmanager
def leased(
    session_factory: sessionmaker[Session],
    settings: Settings,
    adapters: AdapterFactory,
    team_id: str,
    now: datetime,
    worker: str,
) -> Iterator[WorkspaceCrm]:
    """The workspace's CRM, held for this worker alone while the block runs.

    Raises Busy, NotConnected, or SecretKeyProblem when stored credentials can't be opened.
    """
    _ensure_env_connection(session_factory, settings, adapters, team_id, now)
    with session_factory.begin() as session:
        if not crm_store.take_lease(session, team_id, worker, now, LEASE):
            raise Busy("Another pull or push is running for this workspace.")
    try:
        with session_factory() as session:
            found = workspace_credentials(session, settings, team_id)
        if found is None:
            raise NotConnected(NOT_CONNECTED)
        kind, stored, account = found
        # HubSpot's token is refreshed before it runs out, never after a 401.
        credentials = fresh(settings, kind, stored, now)
        crm = WorkspaceCrm(adapters(kind, credentials), account)
        try:
            yield crm
        finally:
            # Salesforce renews its own token on INVALID_SESSION_ID: keep the new one.
            credentials = {**credentials, **crm.adapter.credentials}
            if credentials != stored and _stored_here(session_factory, team_id):
                with session_factory.begin() as session:
                    crm_store.save_credentials(session, team_id, seal(settings, credentials))
    finally:
        with session_factory.begin() as session:
            crm_store.release_lease(session, team_id, worker)


def _stored_here(session_factory: sessionmaker[Session], team_id: str) -> bool:
    """Whether the workspace's credentials are its own (the environment's stay there)."""
    with session_factory() as session:
        row = crm_store.connection(session, team_id)
        return row is not None and row.credentials is not None


def _ensure_env_connection(
    session_factory: sessionmaker[Session],
    settings: Settings,
    adapters: AdapterFactory,
    team_id: str,
    now: datetime,
) -> None:
    """A single-workspace install's CRM gets its row on first use: the lease and the
    record links live there."""
    from_env = env_credentials(settings)
    with session_factory() as session:
        if from_env is None or crm_store.connection(session, team_id) is not None:
            return
    kind, credentials = from_env
    account = adapters(kind, credentials).check()
    with session_factory.begin() as session:
        crm_store.save_connection(
            session, team_id, kind.value, None, account.account_id, account.web_url, None, now
        )


def _refused(
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam | None,
    team_id: str,
    why: str,
    now: datetime,
) -> None:
    """The workspace rests a while, and its admin hears (once)."""
    with session_factory.begin() as session:
        crm_store.note_auth_refused(session, team_id, now)
    if client_for_team is not None:
        tell_admin(session_factory, client_for_team(team_id), team_id, why, now)


def tell_admin(
    session_factory: sessionmaker[Session],
    client: WebClient,
    team_id: str,
    why: str,
    now: datetime,
) -> None:
    """The admin who connected the CRM hears once, by DM, that it refused the credentials;
    reps see it on their App Home. A reconnect makes the next refusal news again."""
    with session_factory.begin() as session:
        admin = crm_store.claim_auth_alert(session, team_id, now)
    if admin is None:
        return
    text = f":warning: Calls have stopped reaching the CRM. {why}"
    try:
        client.chat_postMessage(channel=admin, text=escape(text))
    except SlackApiError as error:
        logger.info("couldn't tell %s the CRM refused: %s", admin, error.response.get("error"))


def slack_rep_email(client: WebClient) -> RepEmail:
    def lookup(user_id: str) -> str | None:
        try:
            profile = client.users_info(user=user_id)["user"].get("profile") or {}
        except SlackApiError as error:
            logger.info("users.info failed for %s: %s", user_id, error.response.get("error"))
            return None
        email = profile.get("email")
        return str(email) if email else None

    return lookup


def _no_email(user_id: str) -> str | None:
    return None


def _pull_due(session_factory: sessionmaker[Session], team_id: str, now: datetime) -> bool:
    with session_factory() as session:
        row = crm_store.connection(session, team_id)
    return row is not None and (row.last_sync_at is None or now - row.last_sync_at >= SYNC_EVERY)


def _pull_noted(
    session_factory: sessionmaker[Session],
    crm: WorkspaceCrm,
    team_id: str,
    now: datetime,
    rep_email: RepEmail,
    secret_key: str | None,
    *,
    quiet: bool = True,
) -> PullReport:
    """A failed pull is noted for the App Home; the tick carries on, a rep's sync hears it."""
    try:
        key = suppression_key(secret_key)
        return pull_contacts(session_factory, crm, team_id, now, rep_email, key)
    except CrmError as problem:
        with session_factory.begin() as session:
            crm_store.note_sync(session, team_id, now, None, f"failed: {problem.message}")
        logger.info("CRM pull for %s failed: %s", team_id, problem.message)
        if not quiet or isinstance(problem, CrmAuthRejected):
            # Refused credentials stop the push too: the tick tells the admin once.
            raise
        return PullReport()
