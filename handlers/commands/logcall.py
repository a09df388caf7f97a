"""/logcall: log a call in one line, or open the call form when no text is given."""

from __future__ import annotations

from slack_bolt import Ack
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.common import build_problem, build_usage
from bot.blocks.logcall import build_logcall_modal
from bot.grammar.logcall import USAGE, GrammarError, parse_logcall
from bot.grammar.slack_text import decode
from bot.rules.dates import DateError
from handlers.call_logging import WrongCurrency, log_line
from handlers.home import refresh_home
from handlers.replays import CLAIMED_BY_HANDLER
from handlers.reps import acting_rep


def handle_logcall(
    ack: Ack, command: dict[str, str], client: WebClient, context: BoltContext
) -> None:
    services = context["services"]
    text = decode(command.get("text") or "").strip()
    team_id, user_id = command["team_id"], command["user_id"]
    if not text:
        rep = acting_rep(services.session_factory, client, team_id, user_id)
        try:
            client.views_open(trigger_id=command["trigger_id"], view=build_logcall_modal(rep.tz))
        except SlackApiError as error:
            ack(
                build_problem(
                    f"I couldn't open the call form ({error.response.get('error')})."
                    " Log the call in one line instead.",
                    USAGE,
                )
            )
            return
        ack()
        return
    if text.casefold() == "help":
        ack(build_usage(USAGE))
        return
    try:
        request = parse_logcall(text)
    except GrammarError as problem:
        ack(build_problem(problem.message, USAGE))
        return
    now = services.clock()
    try:
        rep, reply = log_line(
            services,
            client,
            team_id,
            user_id,
            request,
            now,
            response_url=command.get("response_url"),
            once_key=context.get(CLAIMED_BY_HANDLER),
        )
    except DateError as problem:
        ack(build_problem(str(problem), USAGE))
        return
    except WrongCurrency as problem:
        ack(build_problem(problem.message, USAGE))
        return
    if reply is None:
        ack()  # a replay of a call already logged
        return
    ack(reply)
    refresh_home(services, rep, now, queued=True)
