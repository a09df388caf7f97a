"""/digest: preview today's digest, see and change when it and the weekly picture come, post
the team's week in a channel, and (admins) turn learning call windows on or off."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_bolt import Ack
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.common import build_problem, build_usage, build_warning, ephemeral
from bot.blocks.digest import build_digest_message, build_digest_settings
from bot.blocks.insights import (
    ADMINS_ONLY,
    TEAM_CHANNEL_ERRORS,
    TEAM_TITLE,
    build_learning_settings,
    build_team_posted,
    build_week_message,
)
from bot.grammar.slack_text import decode
from bot.insights.heatmap import render_week_heatmap
from bot.insights.weekly import DEFAULT_WEEKLY_TIME, team_week, week_bounds
from bot.rules.money import currency_sign
from bot.rules.schedule import (
    DEFAULT_DAYS,
    DEFAULT_TIME,
    USAGE,
    DigestCommand,
    DigestSchedule,
    ScheduleError,
    parse_digest_command,
)
from bot.services.context import Services
from bot.services.weekly_delivery import UPLOAD_FAILURES, failure_reason
from handlers.reps import NOT_ASKED, ActingRep, acting_rep, workspace_admin
from storage import digest as digest_store
from storage import insights as insights_store
from storage import queries
from storage import reminders as reminder_store

logger = logging.getLogger(__name__)

CURRENCY_ADMINS_ONLY = (
    "Only workspace admins and owners can change the currency deals are counted in."
    " Nothing was changed."
)


def handle_digest(
    ack: Ack, command: dict[str, str], client: WebClient, context: BoltContext
) -> None:
    services = context["services"]
    # `/digest team #sales` names the channel by the id inside Slack's mention.
    text = decode(command.get("text") or "", keep_channel_mentions=True)
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
    if request.learning is not None or request.currency is not None:
        ack(_workspace_setting(services, client, team_id, user_id, request, now))
        return
    rep = acting_rep(services.session_factory, client, team_id, user_id)
    if request.team:
        channel = request.team_channel or command["channel_id"]
        ack(_post_team_week(services.session_factory, client, rep, channel, now))
        return
    if request.preview:
        # Read-only: the preview never touches the deliveries, so the daily one still comes.
        with services.session_factory() as session:
            plan = digest_store.rep_digest_plan(session, team_id, user_id, rep.tz, now)
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
            if request.weekly_time or request.weekly_off:
                insights_store.set_weekly_time(session, team_id, user_id, request.weekly_time)
            if request.reminders is not None:
                reminder_store.set_reminders(session, team_id, user_id, request.reminders)
    with services.session_factory() as session:
        row = queries.rep_row(session, team_id, user_id)
        learning = insights_store.window_learning(session, team_id)
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
            weekly_time=row.weekly_time if row else DEFAULT_WEEKLY_TIME,
            learning=learning,
            reminders=row.reminders if row else True,
        )
    )


def _workspace_setting(
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    request: DigestCommand,
    now: datetime,
) -> dict[str, object]:
    """Learning or the deal currency: one setting for the whole workspace, admins only."""
    admin = workspace_admin(client, user_id)
    if admin is None:
        return build_warning(NOT_ASKED)
    if not admin:
        return build_warning(ADMINS_ONLY if request.learning is not None else CURRENCY_ADMINS_ONLY)
    with services.session_factory.begin() as session:
        if request.learning is not None:
            insights_store.set_window_learning(session, team_id, request.learning, now)
            return build_learning_settings(request.learning, saved=True)
        assert request.currency is not None
        insights_store.set_currency(session, team_id, request.currency, now)
    sign = currency_sign(request.currency).strip()
    return build_usage(
        f"Saved. Deal values in this workspace are in {sign} ({request.currency}) now:"
        f" type them like value:{sign}20k. Attempt budgets count thousands of {sign}."
    )


def _post_team_week(
    session_factory: sessionmaker[Session],
    client: WebClient,
    rep: ActingRep,
    channel: str,
    now: datetime,
) -> dict[str, object]:
    """The team's totals and heatmap in `channel`; any rep may ask, since no rep is named.

    Each rep's week is bounded by their own clock; the heading's week is the asker's.
    """
    with session_factory() as session:
        reports = insights_store.week_reports(session, rep.team_id, now)
    team = team_week(reports.values(), week_bounds(now, rep.tz).this_start.date())
    message = build_week_message(team)
    picture = render_week_heatmap(team.grid, TEAM_TITLE)
    try:
        client.chat_postMessage(
            channel=channel,
            text=str(message["text"]),
            blocks=message["blocks"],  # type: ignore[arg-type]
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as refused:
        problem = TEAM_CHANNEL_ERRORS.get(str(refused.response.get("error")))
        if problem is None:
            raise
        return build_warning(problem)
    try:
        client.files_upload_v2(
            channel=channel, content=picture, filename="team-week.png", title=TEAM_TITLE
        )
    except UPLOAD_FAILURES as failed:
        logger.warning("team week picture for %s: %s", rep.team_id, failure_reason(failed))
        return build_team_posted(channel, picture_error=failure_reason(failed))
    return build_team_posted(channel, picture_error=None)
