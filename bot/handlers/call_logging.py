"""Logging a call and building its confirmation: the service behind the one-line /logcall and
the /logcall form, so both log the same way and answer with the same reply."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.common import build_logcall_reply
from bot.grammar.logcall import LogCallRequest
from bot.handlers.reps import ActingRep
from bot.rules.cadence import cadence_state
from bot.rules.public_holidays import closed_days
from bot.rules.windows import next_call_window
from bot.storage import queries
from bot.storage.logbook import log_call


def log_and_confirm(
    session_factory: sessionmaker[Session],
    rep: ActingRep,
    request: LogCallRequest,
    follow_up: datetime | None,
    now: datetime,
    *,
    prospect_id: int | None = None,
    once_key: str | None = None,
    response_url: str | None = None,
) -> dict[str, object] | None:
    """Log in one transaction and return the confirmation, buttons included.

    `once_key` names a submission Slack may deliver twice (a form's view id): the second
    delivery returns None and writes nothing. Raises bot.storage.logbook.NotYourProspect.
    """
    with session_factory.begin() as session:
        if once_key is not None and not queries.claim_event(session, rep.team_id, once_key, now):
            return None
        if not rep.stored:
            queries.ensure_rep(session, rep.team_id, rep.user_id, rep.tz.key, rep.name, now)
        logged = log_call(
            session,
            rep.team_id,
            rep.user_id,
            request,
            follow_up,
            now,
            prospect_id=prospect_id,
            stored_rules=rep.stored_rules,
            response_url=response_url,
        )
        closed = closed_days(logged.prospect)
        state = cadence_state(
            logged.history, logged.prospect.deal_value, now, rep.tz, logged.rules, closed
        )
        earliest = max(filter(None, [now, state.laid_off_until, follow_up]))
        return build_logcall_reply(
            prospect=logged.prospect,
            outcome=request.outcome,
            prospect_created=logged.prospect_created,
            notes=request.notes,
            state=state,
            window=next_call_window(logged.prospect.zone(rep.tz), earliest, closed=closed),
            tz_known=logged.prospect.tz is not None,
            rep_tz=rep.tz,
            now=now,
            call_id=logged.call_id,
        )
