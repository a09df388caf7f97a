"""/logcall: parse the line, log it, answer with the cadence state and the next window."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_bolt import Ack
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.blocks import build_logcall_reply, build_problem, build_usage
from bot.cadence import cadence_state
from bot.dates import DateError, resolve_when
from bot.grammar import USAGE, GrammarError, parse_logcall
from bot.windows import next_call_window
from handlers.reps import acting_rep
from storage import queries
from storage.logbook import log_call


def handle_logcall(
    ack: Ack, command: dict[str, str], client: WebClient, context: BoltContext
) -> None:
    services = context["services"]
    text = (command.get("text") or "").strip()
    if text.casefold() in {"", "help"}:
        ack(build_usage(USAGE))
        return
    try:
        request = parse_logcall(text)
    except GrammarError as problem:
        ack(build_problem(problem.message, USAGE))
        return
    team_id, user_id = command["team_id"], command["user_id"]
    now = services.clock()
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    rep_tz = rep.tz
    try:
        follow_up = resolve_when(request.next_text, now, rep_tz) if request.next_text else None
    except DateError as problem:
        ack(build_problem(str(problem), USAGE))
        return
    with services.session_factory.begin() as session:
        queries.ensure_rep(session, team_id, user_id, rep_tz.key, rep.name, now)
        logged = log_call(session, team_id, user_id, request, follow_up, now)
        state = cadence_state(logged.history, logged.prospect.deal_value, now, rep_tz, logged.rules)
        prospect_tz = ZoneInfo(logged.prospect.tz) if logged.prospect.tz else rep_tz
        earliest = max(filter(None, [now, state.laid_off_until, follow_up]))
        reply = build_logcall_reply(
            prospect=logged.prospect,
            outcome=request.outcome,
            prospect_created=logged.prospect_created,
            notes=request.notes,
            state=state,
            window=next_call_window(prospect_tz, earliest),
            tz_known=logged.prospect.tz is not None,
            rep_tz=rep_tz,
            now=now,
        )
    ack(reply)
