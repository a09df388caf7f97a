"""/prospect: add, edit, show, list, snooze and delete the rep's own prospects.

Only the rep's own prospects in this workspace are ever found by name, and nothing is
written on input we could not read: the reply quotes what was wrong instead.
"""

from __future__ import annotations

from datetime import datetime

from slack_bolt import Ack, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.common import build_problem, ephemeral, section
from bot.blocks.mrkdwn import escape
from bot.blocks.prospect import (
    build_added_reply,
    build_delete_prompt,
    build_duplicate_reply,
    build_edit_modal,
    build_list_reply,
    build_show_reply,
    build_snoozed_reply,
)
from bot.grammar.prospect import (
    USAGE,
    AddProspect,
    ConnectCrm,
    ConnectPhone,
    DeleteProspect,
    EditProspect,
    EraseProspect,
    ExportWorkspace,
    ListProspects,
    ShowHelp,
    ShowProspect,
    SnoozeProspect,
    SyncCrm,
    parse_prospect,
)
from bot.rules.cadence import cadence_state
from bot.rules.dates import DateError, resolve_when
from bot.rules.erasure import ASKED_NOT_TO_BE_CALLED
from bot.rules.money import currency_mismatch
from bot.rules.prospects import Duplicate, ProspectFields, snooze_end
from bot.rules.public_holidays import closed_days
from bot.rules.relationship import next_touch_window, relationship
from bot.rules.windows import next_call_window
from handlers.commands.opening import open_command
from handlers.crm import crm_link, open_connect_form, start_sync
from handlers.phone import connect_phone
from handlers.privacy import open_erase_form, start_export
from handlers.reps import ActingRep
from storage import privacy, queries
from storage import prospects as prospect_store

Reply = dict[str, object]


def handle_prospect(
    ack: Ack,
    command: dict[str, str],
    client: WebClient,
    context: BoltContext,
    respond: Respond,
) -> None:
    opened = open_command(ack, command, client, context, parse_prospect, USAGE, ShowHelp)
    if opened is None:
        return
    request, rep, factory, now = opened.request, opened.rep, opened.factory, opened.now
    match request:
        case AddProspect():
            reply = _add(factory, rep, request, now, context["services"].suppression_key)
        case EditProspect(name=name):
            reply = _edit(factory, rep, name, client, command["trigger_id"])
        case ShowProspect(name=name):
            reply = _show(factory, rep, name, now)
        case ListProspects(filter=which):
            with factory() as session:
                listing = prospect_store.list_prospects(
                    session, rep.team_id, rep.user_id, which, now, rep.tz
                )
                currency = prospect_store.workspace_rules(session, rep.team_id).currency
            reply = build_list_reply(which, listing.entries, listing.total, rep.tz, now, currency)
        case SnoozeProspect():
            reply = _snooze(factory, rep, request, now)
        case DeleteProspect(name=name):
            reply = _confirm_delete(factory, rep, name)
        case EraseProspect(name=name):
            reply = open_erase_form(context["services"], client, rep, name, command["trigger_id"])
        case ExportWorkspace():
            reply = start_export(context["services"], client, rep)
        case ConnectCrm():
            reply = open_connect_form(context["services"], client, rep, command["trigger_id"])
        case SyncCrm():
            ack(start_sync(context["services"], client, rep, respond))
            return
        case ConnectPhone():
            reply = connect_phone(context["services"], client, rep, request)
    ack(reply)


def _add(
    factory: sessionmaker[Session],
    rep: ActingRep,
    request: AddProspect,
    now: datetime,
    suppression_key: bytes,
) -> Reply:
    fields = ProspectFields(
        name=request.name,
        company=request.company,
        phone=request.phone,
        cell=request.cell,
        email=request.email,
        tz=request.tz,
        deal_value=request.deal_value,
        referrer=request.referrer,
        connection_note=request.note,
        hook=request.hook,
    )
    with factory.begin() as session:
        mismatch = currency_mismatch(
            request.deal_currency, prospect_store.workspace_rules(session, rep.team_id).currency
        )
        if mismatch:
            return build_problem(mismatch, USAGE)
        if privacy.is_suppressed(
            session, rep.team_id, suppression_key, (fields.phone, fields.cell), fields.email
        ):
            return build_problem(f"Not added: {ASKED_NOT_TO_BE_CALLED}.", USAGE)
        added = prospect_store.add_prospect(session, rep.team_id, rep.user_id, fields, now)
        if isinstance(added, Duplicate):
            return build_duplicate_reply(added)
        queries.ensure_rep(session, rep.team_id, rep.user_id, rep.tz.key, rep.name, now)
        rules = prospect_store.workspace_rules(session, rep.team_id)
        prospect = queries.to_prospect(added)
        tz_inferred = added.tz_inferred
    state = cadence_state([], prospect.deal_value, now, rep.tz, rules)
    window = next_call_window(prospect.zone(rep.tz), now, closed=closed_days(prospect))
    return build_added_reply(
        prospect=prospect,
        tz_inferred=tz_inferred,
        state=state,
        window=window,
        rep_tz=rep.tz,
        now=now,
        currency=rules.currency,
    )


def _edit(
    factory: sessionmaker[Session], rep: ActingRep, name: str, client: WebClient, trigger_id: str
) -> Reply:
    with factory() as session:
        row = prospect_store.prospect_by_name(session, rep.team_id, rep.user_id, name)
        if row is None:
            return _not_found(name)
        prospect_id, prospect = row.id, queries.to_prospect(row)
        currency = prospect_store.workspace_rules(session, rep.team_id).currency
    try:
        view = build_edit_modal(prospect_id, prospect, currency)
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        return build_problem(
            f"I couldn't open the form for {prospect.name} ({error.response.get('error')})."
            " Try again in a moment.",
            USAGE,
        )
    text = f"Editing *{escape(prospect.name)}* in the form I opened."
    return ephemeral([section(text)], fallback=f"Editing {prospect.name}.")


def _show(factory: sessionmaker[Session], rep: ActingRep, name: str, now: datetime) -> Reply:
    with factory() as session:
        row = prospect_store.prospect_by_name(session, rep.team_id, rep.user_id, name)
        if row is None:
            return _not_found(name)
        record = prospect_store.prospect_record(session, rep.team_id, row)
        link = crm_link(session, rep.team_id, row.id)
    prospect = record.prospect
    closed = closed_days(prospect)
    state = cadence_state(record.history, prospect.deal_value, now, rep.tz, record.rules, closed)
    standing = relationship(prospect, record.history, now, rep.tz, record.rules, closed, state)
    window = next_touch_window(standing, prospect, rep.tz, closed=closed)
    return build_show_reply(
        prospect=prospect,
        tz_inferred=record.tz_inferred,
        history=record.history,
        drafts=record.drafts,
        state=state,
        window=window,
        rep_tz=rep.tz,
        now=now,
        crm_link=link,
        currency=record.rules.currency,
        standing=standing,
    )


def _snooze(
    factory: sessionmaker[Session], rep: ActingRep, request: SnoozeProspect, now: datetime
) -> Reply:
    until: datetime | None = None
    if request.until_text is not None:
        try:
            until = resolve_when(request.until_text, now, rep.tz)
        except DateError as problem:
            return build_problem(problem.message, USAGE)
    elif request.days is not None:
        until = snooze_end(request.days, now, rep.tz)
    with factory.begin() as session:
        row = prospect_store.prospect_by_name(session, rep.team_id, rep.user_id, request.name)
        if row is None:
            return _not_found(request.name)
        prospect_store.snooze(session, rep.team_id, rep.user_id, row.id, until)
        prospect = queries.to_prospect(row)
    return build_snoozed_reply(prospect, rep.tz)


def _confirm_delete(factory: sessionmaker[Session], rep: ActingRep, name: str) -> Reply:
    """Nothing is deleted here: the button in the reply does it, after Slack's confirm."""
    with factory() as session:
        row = prospect_store.prospect_by_name(session, rep.team_id, rep.user_id, name)
        if row is None:
            return _not_found(name)
        preview = prospect_store.deletion_preview(session, rep.team_id, row)
        return build_delete_prompt(row.id, queries.to_prospect(row), preview.calls, preview.drafts)


def _not_found(name: str) -> Reply:
    return build_problem(
        f"You have no prospect named “{name}”. See yours with /prospect list all,"
        f" or add them with /prospect add {name}.",
        USAGE,
    )
