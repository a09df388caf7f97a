"""`/prospect crm` and `/prospect sync`, and what the App Home and `/prospect show` say
about the CRM. The connection form's submission is in `views.crm`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks.common import build_problem, ephemeral, section
from bot.blocks.crm import (
    CrmStatus,
    build_connect_links,
    build_crm_modal,
    build_outcomes_button,
    crm_link_text,
)
from bot.blocks.mrkdwn import escape
from bot.grammar.prospect import USAGE
from bot.services.crm import oauth
from bot.services.crm.connections import credential_box, workspace_crm
from bot.services.crm.port import CrmAccount, CrmError, CrmKind, CrmRecordRef, record_url
from bot.services.crm.tick import Busy, slack_rep_email, sync_now
from handlers.reps import NOT_ASKED, ActingRep, workspace_admin
from storage import crm as crm_store

if TYPE_CHECKING:
    from bot.services.context import Services

logger = logging.getLogger(__name__)

Reply = dict[str, object]
ADMINS_ONLY = (
    "Only workspace admins and owners can connect the CRM: ask one of them to run"
    " /prospect crm. Your calls reach the CRM once it is connected."
)


def open_connect_form(
    services: Services, client: WebClient, rep: ActingRep, trigger_id: str
) -> Reply:
    admin = workspace_admin(client, rep.user_id)
    if admin is None:
        return build_problem(NOT_ASKED, USAGE)
    if not admin:
        return build_problem(ADMINS_ONLY, USAGE)
    try:
        credential_box(services.settings)
    except CrmError as problem:
        return build_problem(problem.message, USAGE)
    with services.session_factory() as session:
        row = crm_store.connection(session, rep.team_id)
        connected = CrmKind(row.kind).label if row is not None else None
    mapping = [build_outcomes_button(connected)] if connected else []
    kinds = [kind for kind in CrmKind if oauth.configured(services.settings, kind)]
    if kinds:
        return connect_links(services, rep, kinds, mapping)
    try:
        client.views_open(trigger_id=trigger_id, view=build_crm_modal(connected))
    except SlackApiError as error:
        return build_problem(
            f"I couldn't open the CRM form ({error.response.get('error')}). Try again.", USAGE
        )
    text = "Connect HubSpot or Salesforce in the form I opened."
    return ephemeral([section(text), *mapping], fallback=text)


def connect_links(
    services: Services, rep: ActingRep, kinds: list[CrmKind], extra: list[dict[str, object]]
) -> Reply:
    """The OAuth links, each bound to this admin and workspace."""
    try:
        links = [
            (
                kind.label,
                oauth.start(
                    services.session_factory,
                    services.settings,
                    services.crm_http,
                    rep.team_id,
                    rep.user_id,
                    kind,
                    services.clock(),
                ),
            )
            for kind in kinds
        ]
    except CrmError as problem:
        return build_problem(problem.message, USAGE)
    return ephemeral([*build_connect_links(links), *extra], fallback="Connect your CRM")


def start_sync(services: Services, client: WebClient, rep: ActingRep, respond: Respond) -> Reply:
    """The pull runs behind the ack (a first pull takes longer than Slack waits); the
    outcome comes back under the command."""
    with services.session_factory() as session:
        try:
            crm = workspace_crm(session, services.settings, services.adapters, rep.team_id)
        except CrmError as problem:
            return build_problem(problem.message, USAGE)
    if crm is None:
        return build_problem(
            "No CRM is connected here yet: a workspace admin can connect one with /prospect crm.",
            USAGE,
        )
    now = services.clock()

    def pull() -> None:
        try:
            label, report = sync_now(
                services.session_factory,
                services.settings,
                services.adapters,
                rep.team_id,
                now,
                slack_rep_email(client),
            )
            text = report.describe(label)
        except Busy:
            text = f"{crm.label} is syncing right now; your contacts are on their way."
        except CrmError as problem:
            text = f":warning: The pull from {crm.label} failed: {problem.message}"
        respond(text=escape(text), response_type="ephemeral", replace_original=False)

    services.imports(rep.team_id, pull)
    text = f"Pulling your contacts from {crm.label} now; I'll say here when it's done."
    return ephemeral([section(escape(text))], fallback=text)


def crm_status(session: Session, rep: ActingRep) -> CrmStatus | None:
    """The App Home's CRM line; None when the workspace has no CRM row yet (as read with the
    rep, when they were read: every redraw of every Home in a workspace without a CRM would
    otherwise ask again)."""
    if rep.stored and not rep.crm_connected:
        return None
    row = crm_store.connection(session, rep.team_id)
    if row is None:
        return None
    waiting = crm_store.waiting_calls(session, rep.team_id, rep.user_id)
    return CrmStatus(
        label=CrmKind(row.kind).label,
        last_sync_at=row.last_sync_at,
        sync_error=row.last_sync_error,
        waiting=waiting.waiting,
        failed=waiting.failed,
        why=waiting.why or row.last_push_error if waiting.waiting else None,
    )


def crm_link(session: Session, team_id: str, prospect_id: int) -> str | None:
    """mrkdwn linking to the prospect's CRM record, once they have one."""
    row = crm_store.connection(session, team_id)
    ref = crm_store.prospect_crm_ref(session, team_id, prospect_id)
    if row is None or ref is None or not row.account_id:
        return None
    kind = CrmKind(row.kind)
    url = record_url(kind, CrmAccount(row.account_id, row.web_url or ""), CrmRecordRef(*ref))
    return crm_link_text(kind.label, url)
