"""Calls the phone system already knows about: what a verified webhook's call does (log it,
ask the rep with one tap, or offer to save the caller), the DM's buttons, and
`/prospect phone` (workspace admins) tying a phone account to the workspace.

Everything goes through the same call-logging path as /logcall, so a tap answers with the
same cadence, next window and drafts, with the call's real time and duration.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.blocks.common import build_problem, context, ephemeral, section
from bot.blocks.logcall import build_logcall_modal
from bot.blocks.mrkdwn import escape
from bot.blocks.payload_ids import read_row_id
from bot.blocks.phone import (
    build_call_question,
    build_return_call_notice,
    build_unknown_caller,
    phone_call_metadata,
    read_phone_call_metadata,
)
from bot.blocks.scripts import build_save_caller_modal
from bot.grammar.logcall import LogCallRequest
from bot.grammar.prospect import USAGE, ConnectPhone
from bot.rules.calls import Outcome, Prospect
from bot.services.crm.connections import credential_box
from bot.services.crm.port import CrmError
from bot.services.phone.port import Direction, Handling, PhoneCall, handling, quick_outcomes
from handlers.call_logging import log_and_confirm
from handlers.clicks import NOT_YOURS
from handlers.home import refresh_home
from handlers.reps import NOT_ASKED, ActingRep, acting_rep, interaction_rep_ids, workspace_admin
from storage import phone as phone_store
from storage import queries
from storage.logbook import RecordedCall

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.services.context import Services
    from storage.models import PhoneEventRow

logger = logging.getLogger(__name__)

Reply = dict[str, object]
ADMINS_ONLY = (
    "Only workspace admins and owners can connect a phone system: ask one of them to run"
    " /prospect phone."
)
ALREADY_LOGGED = "This call is logged already: nothing new was saved."
_STATUS_FOR = {
    Handling.ASK: phone_store.EventStatus.ASKED,
    Handling.LOG_NO_ANSWER: phone_store.EventStatus.LOGGED,
    Handling.LOG_INBOUND: phone_store.EventStatus.LOGGED,
    Handling.OFFER_PROSPECT: phone_store.EventStatus.OFFERED,
}
_AUTOMATIC = {Handling.LOG_NO_ANSWER: Outcome.NO_ANSWER, Handling.LOG_INBOUND: Outcome.INBOUND}


def register(app: App) -> None:
    app.action(re.compile(rf"^{ids.PHONE_LOG}:"))(handle_quick_outcome)
    app.action(ids.PHONE_MORE)(handle_more)
    app.action(ids.PHONE_SAVE_CALLER)(handle_save_caller)


@dataclass(frozen=True)
class _Claimed:
    """A call seen for the first time, what it asks of the rep, and whose prospect it is."""

    event_id: int
    handling: Handling
    prospect: Prospect | None


def receive_call(services: Services, client: WebClient, team_id: str, call: PhoneCall) -> str:
    """Act on one finished call from a verified webhook; returns what was done, for the log.

    A call whose rep we can't find, to a number that is none of theirs, or delivered before
    (the vendor's call id) does nothing. A call the rep already logged by hand is matched to
    it, gaining its duration and recording, and nothing is asked.
    """
    now = services.clock()
    rep_user_id = _rep_for(services, client, team_id, call)
    if rep_user_id is None:
        return "ignored: no rep with that email or number"
    claimed = _claim(services, team_id, rep_user_id, call, now)
    if isinstance(claimed, str):
        return claimed
    rep = acting_rep(services.session_factory, client, team_id, rep_user_id)
    if claimed.prospect is None:
        offer = build_unknown_caller(claimed.event_id, call.number, call.started_at, rep.tz)
        _dm(client, rep_user_id, offer)
        return "offered to save the caller"
    if claimed.handling is Handling.ASK:
        question = build_call_question(
            claimed.event_id,
            claimed.prospect,
            call.direction.value,
            call.started_at,
            call.duration_seconds,
            quick_outcomes(call),
            rep.tz,
        )
        _dm(client, rep_user_id, question)
        return "asked the rep"
    return _log_unasked(services, client, rep, call, claimed, now)


def _claim(
    services: Services, team_id: str, rep_user_id: str, call: PhoneCall, now: datetime
) -> _Claimed | str:
    """The call, claimed by its vendor id, or why there is nothing to do."""
    with services.session_factory.begin() as session:
        prospect_id = phone_store.prospect_by_number(session, team_id, rep_user_id, call.number)
        what = handling(call, prospect_id is not None)
        if what is Handling.IGNORE:
            return "ignored: not a prospect's number"
        event = phone_store.NewEvent(
            team_id=team_id,
            vendor=call.vendor,
            vendor_call_id=call.call_id,
            rep_user_id=rep_user_id,
            prospect_id=prospect_id,
            number=call.number,
            direction=call.direction.value,
            answered=call.answered,
            machine=call.machine,
            started_at=call.started_at,
            duration_seconds=call.duration_seconds,
            recording_url=call.recording_url,
            status=_STATUS_FOR[what],
        )
        event_id = phone_store.claim_event(session, event, now)
        if event_id is None:
            return "ignored: delivered before"
        if prospect_id is None:
            return _Claimed(event_id, what, None)
        typed = phone_store.hand_logged_call(
            session, team_id, rep_user_id, prospect_id, call.started_at
        )
        if typed is not None:
            phone_store.match_call(session, event_id, typed)
            return "matched a call logged by hand"
        row = queries.own_prospect(session, team_id, rep_user_id, prospect_id)
        return _Claimed(event_id, what, queries.to_prospect(row) if row else None)


def _log_unasked(
    services: Services,
    client: WebClient,
    rep: ActingRep,
    call: PhoneCall,
    claimed: _Claimed,
    now: datetime,
) -> str:
    """A no-answer or a prospect's inbound call, logged without asking; the DM is /logcall's
    confirmation, headed for an inbound call by when the rep owes the call back."""
    assert claimed.prospect is not None and claimed.prospect.id is not None
    outcome = _AUTOMATIC[claimed.handling]
    recorded = RecordedCall(call.duration_seconds, call.recording_url, claimed.event_id)
    try:
        reply = _log(
            services,
            rep,
            claimed.event_id,
            claimed.prospect.id,
            outcome,
            call.started_at,
            now,
            recorded,
        )
    except Exception:
        # Nothing was logged: a later delivery of this call may try again.
        with services.session_factory.begin() as session:
            phone_store.forget_event(session, claimed.event_id)
        raise
    if reply is None:
        return "ignored: logged before"
    message: Reply = {"text": reply["text"], "blocks": reply["blocks"]}
    if outcome is Outcome.INBOUND:
        with services.session_factory() as session:
            due = phone_store.return_call_due(session, claimed.event_id)
        if due is not None:
            notice = build_return_call_notice(claimed.prospect, call.started_at, due, rep.tz)
            message = {
                "text": notice["text"],
                "blocks": [*notice["blocks"], *reply["blocks"]],  # type: ignore[misc]
            }
    _dm(client, rep.user_id, message)
    refresh_home(services, rep, now, queued=True)
    return f"logged {outcome.value}"


def _log(
    services: Services,
    rep: ActingRep,
    event_id: int,
    prospect_id: int,
    outcome: Outcome,
    called_at: datetime,
    now: datetime,
    recorded: RecordedCall,
) -> Reply | None:
    """Through /logcall's own path; the event's id names it once, so two taps (or a tap and
    a second delivery) log one call."""
    return log_and_confirm(
        services,
        rep,
        LogCallRequest(prospect_name="", outcome=outcome),
        None,
        now,
        prospect_id=prospect_id,
        once_key=f"phone:{event_id}",
        called_at=called_at,
        recorded=recorded,
    )


def _rep_for(services: Services, client: WebClient, team_id: str, call: PhoneCall) -> str | None:
    """By the phone user's email (their profile's, else Slack's), then by the rep's own
    number, then, for a call the phone system gave to nobody, by whose prospect is calling.
    A call naming a user or line that is no rep's is nobody's."""
    with services.session_factory() as session:
        if call.rep_email:
            found = phone_store.rep_by_email(session, team_id, call.rep_email)
            if found is not None:
                return found
        if call.rep_number:
            found = phone_store.rep_by_number(session, team_id, call.rep_number)
            if found is not None:
                return found
    if call.rep_email:
        try:
            user = client.users_lookupByEmail(email=call.rep_email).get("user") or {}
        except SlackApiError as error:
            logger.info("no Slack user for a phone call's email: %s", error.response.get("error"))
            user = {}
        if isinstance(user, dict) and user.get("id") and not user.get("is_bot"):
            return str(user["id"])
    if call.unassigned and call.direction is Direction.INBOUND:
        with services.session_factory() as session:
            return phone_store.owner_of_number(session, team_id, call.number)
    return None


def _dm(client: WebClient, user_id: str, message: Reply) -> None:
    try:
        client.chat_postMessage(
            channel=user_id,
            text=str(message["text"]),
            blocks=message["blocks"],  # type: ignore[arg-type]
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as error:
        # What was logged stays logged; the rep sees it in the Home and the digest.
        logger.warning("phone call DM failed for %s: %s", user_id, error.response.get("error"))


def handle_quick_outcome(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    """One tap: the outcome from the button, everything else from the phone system."""
    ack()
    services = context["services"]
    now = services.clock()
    action = body["actions"][0]
    outcome_text = str(action.get("action_id", "")).partition(":")[2]
    event_id = read_row_id(action.get("value"))
    team_id, user_id = interaction_rep_ids(body)
    if outcome_text not in {o.value for o in Outcome} or event_id is None:
        respond(text=NOT_YOURS, response_type="ephemeral", replace_original=False)
        return
    with services.session_factory.begin() as session:
        event = phone_store.event(session, team_id, event_id)
        if event is None or event.rep_user_id != user_id or event.prospect_id is None:
            respond(text=NOT_YOURS, response_type="ephemeral", replace_original=False)
            return
        if event.status != phone_store.EventStatus.ASKED:
            respond(text=ALREADY_LOGGED, replace_original=False)
            return
        typed = phone_store.hand_logged_call(
            session, team_id, user_id, event.prospect_id, event.started_at
        )
        if typed is not None:
            phone_store.match_call(session, event.id, typed)
        recorded = RecordedCall(event.duration_seconds, event.recording_url, event.id)
        prospect_id, started_at = event.prospect_id, event.started_at
    if typed is not None:
        respond(
            text="You logged this call already; it now has its duration and recording.",
            replace_original=True,
        )
        return
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    reply = _log(
        services, rep, event_id, prospect_id, Outcome(outcome_text), started_at, now, recorded
    )
    if reply is None:
        respond(text=ALREADY_LOGGED, replace_original=False)
        return
    respond(text=str(reply["text"]), blocks=reply["blocks"], replace_original=True)  # type: ignore[arg-type]
    refresh_home(services, rep, now, queued=True)


def handle_more(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """The full call form with the prospect picked, for notes, a follow-up or another outcome."""
    ack()
    services = context["services"]
    team_id, user_id = interaction_rep_ids(body)
    event_id = read_row_id(body["actions"][0].get("value"))
    with services.session_factory() as session:
        event = _own_event(session, team_id, user_id, event_id)
        row = (
            queries.own_prospect(session, team_id, user_id, event.prospect_id)
            if event is not None and event.prospect_id
            else None
        )
        prospect = queries.to_prospect(row) if row is not None else None
    if prospect is None or event_id is None:
        return
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    view = build_logcall_modal(rep.tz, prospect, phone_call_metadata(event_id))
    client.views_open(trigger_id=body["trigger_id"], view=view)


@dataclass(frozen=True)
class FormCall:
    """What the call form opened from a phone call's More… logs with: the call's real
    time, duration and recording, and the event's key, so a tap and the form log it once."""

    called_at: datetime
    recorded: RecordedCall
    once_key: str


def phone_call_of_form(
    services: Services, team_id: str, user_id: str, private_metadata: object
) -> FormCall | None:
    """The phone call a submitted call form was opened for, if it is this rep's; None for a
    form opened anywhere else. A call tapped already is refused by its once key."""
    event_id = read_row_id(read_phone_call_metadata(private_metadata))
    if event_id is None:
        return None
    with services.session_factory() as session:
        event = phone_store.event(session, team_id, event_id)
        if event is None or event.rep_user_id != user_id:
            return None
        return FormCall(
            event.started_at,
            RecordedCall(event.duration_seconds, event.recording_url, event.id),
            f"phone:{event.id}",
        )


def handle_save_caller(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The save-caller form, with the number that called prefilled."""
    ack()
    services = context["services"]
    team_id, user_id = interaction_rep_ids(body)
    event_id = read_row_id(body["actions"][0].get("value"))
    with services.session_factory() as session:
        event = _own_event(session, team_id, user_id, event_id)
        number = event.number if event is not None else None
    client.views_open(trigger_id=body["trigger_id"], view=build_save_caller_modal(None, number))


def connect_phone(
    services: Services, client: WebClient, rep: ActingRep, request: ConnectPhone
) -> Reply:
    """Admins only (Slack unable to say is a refusal); a token typed here is stored sealed."""
    admin = workspace_admin(client, rep.user_id)
    if admin is None:
        return build_problem(NOT_ASKED, USAGE)
    if not admin:
        return build_problem(ADMINS_ONLY, USAGE)
    if request.vendor is None:
        with services.session_factory() as session:
            vendors = phone_store.connected_vendors(session, rep.team_id)
        text = (
            f"Connected here: {', '.join(v.title() for v in vendors)}."
            if vendors
            else "No phone system is connected here yet."
        )
        return ephemeral([section(escape(text)), context(escape(USAGE))], fallback=text)
    env_token = {
        "aircall": services.settings.aircall_webhook_token,
        "twilio": services.settings.twilio_auth_token,
    }[request.vendor]
    sealed = None
    if request.token is not None:
        try:
            sealed = credential_box(services.settings).encrypt(request.token.encode()).decode()
        except CrmError as problem:
            return build_problem(problem.message, USAGE)
    elif not env_token:
        variable = "AIRCALL_WEBHOOK_TOKEN" if request.vendor == "aircall" else "TWILIO_AUTH_TOKEN"
        return build_problem(
            f"Give the token: /prospect phone {request.vendor} token:…"
            f" (or the operator sets {variable}). Nothing was saved.",
            USAGE,
        )
    with services.session_factory.begin() as session:
        phone_store.save_account(
            session, rep.team_id, request.vendor, sealed, rep.user_id, services.clock()
        )
    path = f"/phone/{request.vendor}"
    url = f"{services.settings.public_url or 'https://YOUR-HOST'}{path}"
    text = (
        f"{request.vendor.title()} is connected to this workspace. Point its"
        f" {'webhook' if request.vendor == 'aircall' else 'status callback'} at {url};"
        " calls are then logged for the rep who made or took them (see docs/phone.md)."
    )
    return ephemeral([section(escape(text))], fallback=text)


def _own_event(
    session: Session, team_id: str, user_id: str, event_id: int | None
) -> PhoneEventRow | None:
    """The phone call a button names, if it is this rep's: another rep's call is not theirs
    to log or save."""
    event = phone_store.event(session, team_id, event_id) if event_id is not None else None
    return event if event is not None and event.rep_user_id == user_id else None
