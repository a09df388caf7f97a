"""/digest: preview today's digest, or see and change when it comes."""

from __future__ import annotations

from slack_bolt import Ack
from slack_bolt.context import BoltContext
from slack_sdk import WebClient

from bot.blocks import build_problem, build_usage, ephemeral
from bot.digest import plan_digest
from bot.digest_blocks import build_digest_message, build_digest_settings
from bot.schedule import (
    DEFAULT_DAYS,
    DEFAULT_TIME,
    USAGE,
    DigestSchedule,
    ScheduleError,
    parse_digest_command,
)
from handlers.reps import acting_rep
from storage import digest as digest_store
from storage import queries


def handle_digest(
    ack: Ack, command: dict[str, str], client: WebClient, context: BoltContext
) -> None:
    services = context["services"]
    text = command.get("text") or ""
    try:
        request = parse_digest_command(text)
    except ScheduleError as problem:
        ack(build_problem(problem.message, USAGE))
        return
    if request.show_help:
        ack(build_usage(USAGE))
        return
    team_id, user_id = command["team_id"], command["user_id"]
    now = services.clock()
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    if request.preview:
        # Read-only: the preview never touches the deliveries, so the daily one still comes.
        with services.session_factory() as session:
            inputs = digest_store.digest_inputs(session, [(team_id, user_id)], now)
        rep_inputs = inputs[(team_id, user_id)]
        plan = plan_digest(
            rep_tz=rep.tz,
            now=now,
            prospects=rep_inputs.prospects,
            owed_calls=rep_inputs.owed_calls,
            rules=rep_inputs.rules,
        )
        message = build_digest_message(plan)
        ack(ephemeral(message["blocks"], str(message["text"])))  # type: ignore[arg-type]
        return
    if request.changes_settings:
        with services.session_factory.begin() as session:
            queries.ensure_rep(session, team_id, user_id, rep.tz.key, rep.name, now)
            digest_store.set_digest_settings(
                session,
                team_id,
                user_id,
                digest_time=request.digest_time,
                digest_days=request.digest_days,
                paused=request.paused,
                when_empty=request.when_empty,
            )
    with services.session_factory() as session:
        row = queries.rep_row(session, team_id, user_id)
    # A rep who never changed anything has no row yet: show the defaults they would get.
    schedule = DigestSchedule.from_settings(
        row.digest_time if row else DEFAULT_TIME,
        row.digest_days if row else DEFAULT_DAYS,
        rep.tz.key,
    )
    ack(
        build_digest_settings(
            schedule,
            paused=bool(row and row.digest_paused),
            when_empty=bool(row and row.digest_when_empty),
            now=now,
            saved=request.changes_settings,
        )
    )
