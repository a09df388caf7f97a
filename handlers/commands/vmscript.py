"""/vmscript: drafts to read into the phone, the rep's profile and commercials, and lint."""

from __future__ import annotations

from datetime import datetime

from slack_bolt import Ack
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.common import build_problem, build_warning
from bot.blocks.scripts import (
    build_check_reply,
    build_draft_reply,
    build_facts_reply,
    build_profile_modal,
    build_profile_reply,
)
from bot.drafts.lint import lint
from bot.grammar.vmscript import (
    MAX_FACTS,
    USAGE,
    AddFact,
    CheckScript,
    DraftRequest,
    ListFacts,
    ProfileRequest,
    RemoveFact,
    ShowHelp,
    parse_vmscript,
)
from bot.rules.calls import Rep
from handlers.commands.opening import open_command
from handlers.drafting import CannotDraft, compose_draft
from handlers.reps import ActingRep
from storage import queries
from storage import scripts as script_store

Reply = dict[str, object]


def handle_vmscript(
    ack: Ack, command: dict[str, str], client: WebClient, context: BoltContext
) -> None:
    opened = open_command(ack, command, client, context, parse_vmscript, USAGE, ShowHelp)
    if opened is None:
        return
    request, rep, factory, now = opened.request, opened.rep, opened.factory, opened.now
    match request:
        case DraftRequest():
            reply = _draft(factory, rep, request, now)
        case ProfileRequest() if not request.changes():
            reply = _open_profile(factory, rep, client, command["trigger_id"])
        case ProfileRequest():
            reply = _save_profile(factory, rep, request, now)
        case AddFact() | ListFacts() | RemoveFact():
            reply = _facts(factory, rep, request, now)
        case CheckScript():
            reply = _check(factory, rep, request)
    ack(reply)


def _draft(
    factory: sessionmaker[Session], rep: ActingRep, request: DraftRequest, now: datetime
) -> Reply:
    try:
        with factory.begin() as session:
            profile = _profile(session, rep)
            composed = compose_draft(session, rep.team_id, profile, rep.tz, request, now)
    except CannotDraft as problem:
        if not problem.usage:
            return build_warning(problem.message)
        return build_problem(problem.message, USAGE)
    return build_draft_reply(
        draft=composed.draft,
        prospect=composed.prospect,
        cadence_rule=composed.cadence_rule,
        switched_to_email=composed.switched_to_email,
        facts_total=composed.facts_total,
        caller_name=request.prospect_name,
    )


def _open_profile(
    factory: sessionmaker[Session], rep: ActingRep, client: WebClient, trigger_id: str
) -> Reply:
    """The form to edit, and the profile as it stands in the channel meanwhile."""
    with factory() as session:
        profile = _profile(session, rep)
    try:
        client.views_open(trigger_id=trigger_id, view=build_profile_modal(profile))
    except SlackApiError as error:
        note = (
            f"I couldn't open the form ({error.response.get('error')}); set your details in one"
            " line instead: /vmscript profile phone:… name:…"
        )
    else:
        note = "Edit it in the form I opened, or in one line: /vmscript profile phone:… name:…"
    return build_profile_reply(profile, note=note)


def _save_profile(
    factory: sessionmaker[Session], rep: ActingRep, request: ProfileRequest, now: datetime
) -> Reply:
    with factory.begin() as session:
        profile = script_store.update_profile(
            session,
            rep.team_id,
            rep.user_id,
            tz=rep.tz.key,
            slack_name=rep.name,
            changes=request.changes(),
            now=now,
        )
    return build_profile_reply(profile, note="Saved.")


def _facts(
    factory: sessionmaker[Session],
    rep: ActingRep,
    request: AddFact | ListFacts | RemoveFact,
    now: datetime,
) -> Reply:
    with factory.begin() as session:
        facts = script_store.list_facts(session, rep.team_id, rep.user_id)
        match request:
            case ListFacts():
                return build_facts_reply(facts)
            case AddFact(text=text) if text in facts:
                return build_problem(f"“{text}” is already fact {facts.index(text) + 1}.", USAGE)
            case AddFact() if len(facts) >= MAX_FACTS:
                return build_problem(
                    f"You have {MAX_FACTS} facts, the most I keep. Remove one first"
                    " (/vmscript facts remove N).",
                    USAGE,
                )
            case AddFact(text=text):
                # A first fact also brings the rep's row, so drafts have their Slack name.
                queries.ensure_rep(session, rep.team_id, rep.user_id, rep.tz.key, rep.name, now)
                facts = script_store.add_fact(session, rep.team_id, rep.user_id, text, now)
                return build_facts_reply(facts, f"Added fact {len(facts)}.")
            case RemoveFact(number=number):
                removed = script_store.remove_fact(session, rep.team_id, rep.user_id, number)
                if removed is None:
                    if not facts:
                        problem = f"There's no fact {number}: you have no facts yet."
                    elif len(facts) == 1:
                        problem = f"There's no fact {number}: you have only fact 1."
                    else:
                        problem = f"There's no fact {number}: your facts are numbered 1 to"
                        problem += f" {len(facts)}."
                    return build_problem(problem, USAGE)
                remaining = script_store.list_facts(session, rep.team_id, rep.user_id)
                return build_facts_reply(remaining, f"Removed “{removed}”.")


def _check(factory: sessionmaker[Session], rep: ActingRep, request: CheckScript) -> Reply:
    """Lints against the rep's own number and benefit when the profile has them."""
    with factory() as session:
        profile = _profile(session, rep)
    findings = lint(request.text, phone=profile.phone or profile.cell, benefit=profile.benefit)
    return build_check_reply(request.text, findings)


def _profile(session: Session, rep: ActingRep) -> Rep:
    """The stored profile, or what Slack told us about a rep who has none yet."""
    stored = script_store.rep_profile(session, rep.team_id, rep.user_id)
    return stored or Rep(user_id=rep.user_id, tz=rep.tz.key, name=rep.name)
