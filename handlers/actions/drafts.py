"""Draft buttons on the /logcall confirmation and on digest entries: a draft for one prospect.

The button carries the prospect id only; the draft is made for the clicker's own prospect
in this workspace, or refused.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot import ids
from bot.blocks.common import build_warning
from bot.blocks.scripts import build_draft_reply
from bot.drafts.scripts import DraftKind
from bot.grammar.vmscript import DraftRequest
from bot.rules.calls import Rep
from handlers.clicks import clicked_id, refuse, say
from handlers.drafting import CannotDraft, compose_draft
from handlers.reps import acting_rep, interaction_rep_ids
from storage import queries
from storage import scripts as script_store


def register(app: App) -> None:
    app.action(ids.LOGCALL_DRAFT_VOICEMAIL)(handle_draft_voicemail)
    app.action(ids.DIGEST_DRAFT_VOICEMAIL)(handle_draft_voicemail)
    app.action(ids.DIGEST_DRAFT_EMAIL)(handle_draft_email)


def handle_draft_voicemail(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Not pinned to a voicemail: once the cadence says email, the reply says why it is one."""
    ack()
    _draft(body, respond, client, context, DraftKind.VOICEMAIL, kind_given=False)


def handle_draft_email(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    _draft(body, respond, client, context, DraftKind.EMAIL, kind_given=True)


def _draft(
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    kind: DraftKind,
    *,
    kind_given: bool,
) -> None:
    services = context["services"]
    team_id, user_id = interaction_rep_ids(body)
    prospect_id = clicked_id(body)
    if prospect_id is None:
        refuse(respond)
        return
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    try:
        with services.session_factory.begin() as session:
            row = queries.own_prospect(session, team_id, user_id, prospect_id)
            if row is None:
                refuse(respond)
                return
            profile = script_store.rep_profile(session, team_id, user_id) or Rep(
                user_id=user_id, tz=rep.tz.key, name=rep.name
            )
            request = DraftRequest(prospect_name=row.name, kind=kind, kind_given=kind_given)
            composed = compose_draft(session, team_id, profile, rep.tz, request, services.clock())
    except CannotDraft as problem:
        say(respond, build_warning(problem.message))
        return
    reply = build_draft_reply(
        draft=composed.draft,
        prospect=composed.prospect,
        cadence_rule=composed.cadence_rule,
        switched_to_email=composed.switched_to_email,
        facts_total=composed.facts_total,
    )
    say(respond, reply)
