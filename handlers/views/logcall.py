"""The /logcall form: its prospect type-ahead, its submission, and the follow-up form.

Bad input is answered in the form itself, field by field, and nothing is written until
every field reads. Slack may deliver one submission twice; it is logged once.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.blocks.logcall import (
    DEAL_VALUE,
    FOLLOW_UP,
    PROSPECT,
    TYPE_AHEAD_LIMIT,
    FormErrors,
    build_prospect_options,
    describe_follow_up,
    read_follow_up_form,
    read_logcall_form,
)
from bot.blocks.payload_ids import read_row_id
from bot.blocks.scripts import build_saved_modal
from bot.grammar.logcall import LogCallRequest
from handlers.call_logging import WrongCurrency, log_and_confirm
from handlers.clicks import NOT_YOURS
from handlers.home import refresh_home
from handlers.phone import ALREADY_LOGGED, phone_call_of_form
from handlers.reps import acting_rep, interaction_rep_ids
from storage import queries
from storage.logbook import NotYourProspect, set_follow_up

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.options(ids.LOGCALL_PROSPECT)(handle_prospect_options)
    app.view(ids.LOGCALL_VIEW)(handle_logcall_submission)
    app.view(ids.FOLLOW_UP_VIEW)(handle_follow_up_submission)


def handle_prospect_options(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Only the typing rep's own prospects in this workspace, plus "New prospect"."""
    team_id, user_id = interaction_rep_ids(body)
    typed = str(body.get("value") or "")
    with context["services"].session_factory() as session:
        rows = queries.prospects_matching(session, team_id, user_id, typed, TYPE_AHEAD_LIMIT)
        prospects = [queries.to_prospect(row) for row in rows]
    ack(options=build_prospect_options(prospects, typed))


def handle_logcall_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    services = context["services"]
    now = services.clock()
    try:
        form = read_logcall_form(view["state"], now)
    except FormErrors as problem:
        ack(response_action="errors", errors=problem.errors)
        return
    team_id, user_id = interaction_rep_ids(body)
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    request = LogCallRequest(
        # A picked prospect is logged by id; the name only names a new one.
        prospect_name=form.new_name or "",
        outcome=form.outcome,
        phone=form.phone,
        deal_value=form.deal_value,
        deal_currency=form.deal_currency,
        notes=form.notes,
    )
    phoned = phone_call_of_form(services, team_id, user_id, view.get("private_metadata"))
    try:
        reply = log_and_confirm(
            services,
            rep,
            request,
            form.follow_up_at,
            now,
            prospect_id=form.prospect_id,
            once_key=phoned.once_key if phoned else f"view:{view['id']}",
            called_at=phoned.called_at if phoned else None,
            recorded=phoned.recorded if phoned else None,
        )
    except NotYourProspect:
        ack(response_action="errors", errors={PROSPECT: NOT_YOURS})
        return
    except WrongCurrency as problem:
        ack(response_action="errors", errors={DEAL_VALUE: problem.message})
        return
    if reply is None and phoned is not None:
        ack(response_action="errors", errors={PROSPECT: ALREADY_LOGGED})
        return
    ack()
    if reply is None:
        return
    try:
        client.chat_postMessage(channel=user_id, text=str(reply["text"]), blocks=reply["blocks"])
    except SlackApiError as error:
        # The call is saved and the Home below shows it; only the receipt is lost.
        logger.warning("confirmation DM failed for %s: %s", user_id, error.response.get("error"))
    refresh_home(services, rep, now, queued=True)


def handle_follow_up_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    services = context["services"]
    now = services.clock()
    try:
        when = read_follow_up_form(view["state"], now)
    except FormErrors as problem:
        ack(response_action="errors", errors=problem.errors)
        return
    team_id, user_id = interaction_rep_ids(body)
    prospect_id = read_row_id(view.get("private_metadata"))
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    with services.session_factory.begin() as session:
        row = (
            set_follow_up(session, team_id, user_id, prospect_id, when)
            if prospect_id is not None
            else None
        )
        prospect = queries.to_prospect(row) if row is not None else None
    if prospect is None:
        ack(response_action="errors", errors={FOLLOW_UP: NOT_YOURS})
        return
    ack(
        response_action="update",
        view=build_saved_modal("Follow-up set", describe_follow_up(prospect, rep.tz)),
    )
    refresh_home(services, rep, now)
