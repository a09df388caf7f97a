"""The opening every worded command shares: parse, answer `help` or a grammar error, find the rep.

`/prospect` and `/vmscript` both read their text first so bad input is refused before any
database or Slack call, and only then look up who is asking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from slack_bolt import Ack
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.common import build_problem, build_usage
from bot.grammar.logcall import GrammarError
from bot.grammar.slack_text import decode
from handlers.reps import ActingRep, acting_rep

Request = TypeVar("Request")


@dataclass(frozen=True)
class Opening(Generic[Request]):
    request: Request
    rep: ActingRep
    factory: sessionmaker[Session]
    now: datetime


def open_command(
    ack: Ack,
    command: dict[str, str],
    client: WebClient,
    context: BoltContext,
    parse: Callable[[str], Request],
    usage: str,
    help_request: type,
) -> Opening[Request] | None:
    """None when the command was already answered: its usage, or what could not be read.

    `parse` gets the text as the rep typed it: Slack's escaping is undone here, once.
    """
    try:
        request = parse(decode(command.get("text") or ""))
    except GrammarError as problem:
        ack(build_problem(problem.message, usage))
        return None
    if isinstance(request, help_request):
        ack(build_usage(usage))
        return None
    services = context["services"]
    factory: sessionmaker[Session] = services.session_factory
    rep = acting_rep(factory, client, command["team_id"], command["user_id"])
    return Opening(request, rep, factory, services.clock())
