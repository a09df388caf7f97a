"""Logging a call and building its confirmation: the service behind the one-line /logcall and
the /logcall form, so both log the same way and answer with the same reply."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.coaching import gatekeeper_blocks, introduction_buttons, referral_blocks
from bot.blocks.common import build_logcall_reply
from bot.drafts.scripts import IncompleteProfile, draft_screener
from bot.grammar.logcall import LogCallRequest
from bot.rules.cadence import CadenceRules, cadence_state
from bot.rules.calls import Outcome, Prospect, Rep
from bot.rules.dates import day_start, resolve_earlier, resolve_when
from bot.rules.erasure import ASKED_NOT_TO_BE_CALLED
from bot.rules.money import currency_mismatch
from bot.rules.public_holidays import closed_days, rep_closed_days
from bot.rules.relationship import (
    Relationship,
    next_touch_window,
    relationship,
    voicemail_pacing,
)
from handlers.reps import ActingRep, new_rep, rep_from_row
from storage import crm as crm_store
from storage import home as home_store
from storage import privacy, queries
from storage import scripts as script_store
from storage.logbook import FirstRead, RecordedCall, Replayed, log_call, rep_and_prospect

if TYPE_CHECKING:
    from bot.services.context import Services


class WrongCurrency(Exception):
    """A deal value typed in another currency than the workspace's; `message` says how to fix it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AskedNotToBeCalled(WrongCurrency):
    """The number or email is of someone erased after asking not to be called: answered like
    a wrong currency, with the reason and nothing written."""


def log_and_confirm(
    services: Services,
    rep: ActingRep,
    request: LogCallRequest,
    follow_up: datetime | None,
    now: datetime,
    *,
    prospect_id: int | None = None,
    once_key: str | None = None,
    called_at: datetime | None = None,
    back_on: datetime | None = None,
    response_url: str | None = None,
    recorded: RecordedCall | None = None,
) -> dict[str, object] | None:
    """Log in one transaction and return the confirmation, buttons included.

    `called_at` is when an earlier call happened; `back_on` the day a gatekeeper said the
    prospect is in (it becomes the follow-up). `once_key` names a submission Slack may
    deliver twice (a form's view id): the second delivery returns None and writes nothing.
    The call is queued for the workspace's CRM, if it has one, and, with a worker redrawing
    App Homes, the rep's Home is left for it, both in the same transaction.
    Raises storage.logbook.NotYourProspect, and WrongCurrency for a value marked in
    another currency than the workspace's; either way nothing is written. `recorded` is
    the phone system's duration and recording for a call logged from its event.
    """
    try:
        with services.session_factory.begin() as session:
            return _log_in(
                session,
                services,
                rep,
                request,
                follow_up,
                now,
                prospect_id=prospect_id,
                once_key=once_key,
                called_at=called_at,
                back_on=back_on,
                response_url=response_url,
                recorded=recorded,
            )
    except Replayed:
        return None


def log_line(
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    request: LogCallRequest,
    now: datetime,
    *,
    response_url: str | None = None,
    once_key: str | None = None,
) -> tuple[ActingRep, dict[str, object] | None]:
    """The one-line /logcall in one transaction, the rep read inside it with the prospect
    and its calls: a known rep's call is one session, one read and one commit. Only a
    first-time rep's zone is asked of Slack, outside any transaction. `once_key` names the
    delivery (its replay key): a second delivery writes nothing and gets None. Raises
    DateError (a `next:`, `at:` or `back:` that is not a date) and WrongCurrency, with
    nothing written. The CRM and the App Home are as for `log_and_confirm`."""

    def log(
        session: Session, rep: ActingRep, read: FirstRead | None = None
    ) -> tuple[ActingRep, dict[str, object] | None]:
        follow_up, called_at, back_on = _moments(request, rep, now)
        reply = _log_in(
            session,
            services,
            rep,
            request,
            follow_up,
            now,
            once_key=once_key,
            called_at=called_at,
            back_on=back_on,
            response_url=response_url,
            read=read,
        )
        return rep, reply

    try:
        with services.session_factory.begin() as session:
            read = rep_and_prospect(
                session, team_id, user_id, request, services.suppression_key, now
            )
            if read.rep is not None:
                rep = rep_from_row(team_id, user_id, read.rep)
                return log(session, rep, read)
        rep = new_rep(client, team_id, user_id)
        with services.session_factory.begin() as session:
            return log(session, rep)
    except Replayed:
        return rep, None


def _moments(
    request: LogCallRequest, rep: ActingRep, now: datetime
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """`next:`, `at:` and `back:` on the rep's clock; raises DateError."""
    follow_up = resolve_when(request.next_text, now, rep.tz) if request.next_text else None
    called_at = resolve_earlier(request.at_text, now, rep.tz) if request.at_text else None
    back_on = day_start(request.back_text, now, rep.tz) if request.back_text else None
    return follow_up, called_at, back_on


def _log_in(
    session: Session,
    services: Services,
    rep: ActingRep,
    request: LogCallRequest,
    follow_up: datetime | None,
    now: datetime,
    *,
    prospect_id: int | None = None,
    once_key: str | None = None,
    called_at: datetime | None = None,
    back_on: datetime | None = None,
    response_url: str | None = None,
    read: FirstRead | None = None,
    recorded: RecordedCall | None = None,
) -> dict[str, object]:
    """Raises Replayed (from log_call) for a delivery whose `once_key` was claimed before:
    the caller's transaction rolls back. `read` is what one-line /logcall's first read
    found, sparing the reads it holds."""
    stored_rules = rep.stored_rules
    if stored_rules is None:
        stored_rules = queries.workspace(session, rep.team_id, now).cadence_rules
    rules = CadenceRules.from_mapping(stored_rules)
    if mismatch := currency_mismatch(request.deal_currency, rules.currency):
        raise WrongCurrency(mismatch)
    suppressed = (
        read.suppressed
        if read is not None
        else privacy.is_suppressed(
            session,
            rep.team_id,
            services.suppression_key,
            (request.phone, request.cell),
            request.email,
        )
    )
    if suppressed:
        raise AskedNotToBeCalled(f"Nothing was logged: {ASKED_NOT_TO_BE_CALLED}.")
    if not rep.stored:
        queries.ensure_rep(session, rep.team_id, rep.user_id, rep.tz.key, rep.name, now)
    push_to_crm = pushes_to_crm(services, session, rep)
    logged = log_call(
        session,
        rep.team_id,
        rep.user_id,
        request,
        back_on or follow_up,
        now,
        prospect_id=prospect_id,
        rules=rules,
        called_at=called_at,
        response_url=response_url,
        push_to_crm=push_to_crm,
        looked_up=read.prospect if read is not None else None,
        recorded=recorded,
        once_key=once_key,
        rep_tz=rep.tz,
    )
    if rep.home_opened:
        home_store.want_redraw(session, rep.team_id, rep.user_id, now)
    prospect = logged.prospect
    if read is not None and read.rep is not None:
        profile: Rep | None = queries.to_rep(read.rep)
    else:
        profile = script_store.rep_profile(session, rep.team_id, rep.user_id)
    profile = profile or Rep(rep.user_id, rep.tz.key, rep.name)
    closed = closed_days(prospect)
    state = cadence_state(logged.history, prospect.deal_value, now, rep.tz, logged.rules, closed)
    standing = relationship(prospect, logged.history, now, rep.tz, logged.rules, closed, state)
    advice = referral_blocks(standing, prospect)
    if request.outcome is Outcome.GATEKEEPER:
        advice = _gatekeeper_advice(profile, prospect, standing)
    window = next_touch_window(
        standing,
        prospect,
        rep.tz,
        rep_day=profile.day,
        closed=closed,
        rep_closed=rep_closed_days(profile),
    )
    pacing = None
    if request.outcome is Outcome.VOICEMAIL:
        pacing = voicemail_pacing(standing, logged.rules, rep.tz)
    return build_logcall_reply(
        prospect=prospect,
        outcome=request.outcome,
        prospect_created=logged.prospect_created,
        notes=request.notes,
        state=state,
        window=window,
        standing=standing,
        pacing=pacing,
        promised=logged.promised,
        tz_known=prospect.tz is not None,
        rep_tz=rep.tz,
        now=now,
        call_id=logged.call_id,
        called_at=called_at,
        back_on=back_on,
        advice=advice,
        extra_buttons=introduction_buttons(standing, prospect),
    )


def _gatekeeper_advice(
    rep: Rep, prospect: Prospect, standing: Relationship
) -> list[dict[str, object]]:
    """The seed's tactics and the screener to use next time; a rep without a profile is told
    what to add rather than given a script with no name in it."""
    try:
        return gatekeeper_blocks(prospect, draft_screener(rep, prospect, standing), None)
    except IncompleteProfile as missing:
        return gatekeeper_blocks(prospect, None, str(missing))


def pushes_to_crm(services: Services, session: Session, rep: ActingRep) -> bool:
    """Whether a call logged now queues a push: only where there is a CRM to push to (the
    environment's CRM serves every workspace)."""
    return services.crm_from_env or (
        rep.crm_connected if rep.stored else crm_store.is_connected(session, rep.team_id)
    )
