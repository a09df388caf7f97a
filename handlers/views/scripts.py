"""/vmscript modals: the rep's profile and a wrong-number caller saved as a prospect.

Bad input is answered in the modal itself, field by field, and nothing is written until
every field reads."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot import ids
from bot.blocks.mrkdwn import escape
from bot.blocks.scripts import build_saved_modal, read_caller_form, read_profile_form
from bot.grammar.logcall import LogCallRequest
from bot.rules.calls import Outcome
from handlers.call_logging import pushes_to_crm
from handlers.reps import acting_rep
from storage import queries
from storage import scripts as script_store
from storage.logbook import log_call


def register(app: App) -> None:
    app.view(ids.VMSCRIPT_PROFILE_VIEW)(handle_profile_submission)
    app.view(ids.VMSCRIPT_SAVE_CALLER_VIEW)(handle_save_caller_submission)


def handle_profile_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    form = read_profile_form(view["state"])
    if form.errors:
        ack(response_action="errors", errors=form.errors)
        return
    services = context["services"]
    team_id, user_id = _who(body)
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    with services.session_factory.begin() as session:
        script_store.update_profile(
            session,
            team_id,
            user_id,
            tz=rep.tz.key,
            slack_name=rep.name,
            changes=form.values,
            now=services.clock(),
        )
    saved = build_saved_modal("Profile saved", "Your next draft uses these details.")
    ack(response_action="update", view=saved)


def handle_save_caller_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The wrong-number caller becomes a prospect, with the conversation logged as one.

    The rep did talk to them, so it is logged as `connected`: the cadence then starts
    fresh rather than counting the call as an unanswered dial.
    """
    form = read_caller_form(view["state"])
    if form.errors:
        ack(response_action="errors", errors=form.errors)
        return
    services = context["services"]
    team_id, user_id = _who(body)
    name, phone = str(form.values["name"]), form.values["phone"]
    now = services.clock()
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    with services.session_factory.begin() as session:
        known = queries.find_prospect(session, team_id, user_id, name, phone)
        if known is not None:
            field = "name" if known.name_key == queries.name_key(name) else "phone"
            ack(
                response_action="errors",
                errors={field: f"That's your prospect {known.name} already."},
            )
            return
        push_to_crm = pushes_to_crm(services, session, rep)
        queries.ensure_rep(session, team_id, user_id, rep.tz.key, rep.name, now)
        notes = " ".join(filter(None, ["Called me by mistake.", form.values["notes"]]))
        request = LogCallRequest(
            prospect_name=name,
            outcome=Outcome.CONNECTED,
            phone=phone,
            company=form.values["company"],
            notes=notes,
        )
        log_call(
            session,
            team_id,
            user_id,
            request,
            None,
            now,
            push_to_crm=push_to_crm,
            rep_tz=rep.tz,
        )
    text = f"Saved *{escape(name)}* as a prospect. Draft a voicemail with /vmscript {escape(name)}."
    ack(response_action="update", view=build_saved_modal("Prospect saved", text))


def _who(body: dict[str, Any]) -> tuple[str, str]:
    """The workspace the modal was used in; org-wide installs send no `team`, only the user's."""
    user = body["user"]
    team = body.get("team") or {}
    return str(team.get("id") or user["team_id"]), str(user["id"])
