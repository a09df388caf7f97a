"""The weekly picture tick: every rep's week as a DM on Friday afternoon, once per local week.

It rides on the digest's delivery rules (`bot.services.digest_delivery`): each rep's week is
claimed in the deliveries table (kind "weekly", keyed on the rep's local Monday) under a
lease before anything is built, only the claimant posts, and a failed or uncertain post is
retried with growing waits while the picture is due (Friday, until the rep's midnight), an
uncertain one only once the DM shows it did not land.

The DM is two Slack messages: the numbers (chat.postMessage with blocks) and then the heatmap
(files_upload_v2, which takes no blocks). The delivery is recorded as sent as soon as the
numbers are posted; the picture follows. A picture that fails is logged and noted on the
delivery but not retried, since a retry could not tell a half-shared file from none and the
rep would rather miss one picture than get the week twice.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web import SlackResponse
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.insights import build_week_message
from bot.insights.heatmap import render_week_heatmap
from bot.insights.weekly import WeekReport, weekly_picture_due
from bot.services.digest_delivery import (
    TickReport,
    claim_build_send,
    held_leases,
    pending_batches,
    worker_id,
)
from bot.services.slack_delivery import (
    ClientForTeam,
    RateLimits,
    delivery_metadata,
    failure_reason,
    post_once,
)
from storage import digest as store
from storage import insights as insights_store
from storage.digest import WEEKLY, DeliveryKey, DeliveryStatus

logger = logging.getLogger(__name__)

POSTING_THREADS = 4
"""Weekly pictures in flight at once: few, and each uploads a file."""

PICTURE_FILENAME = "week.png"

UPLOAD_FAILURES = (
    SlackApiError,
    SlackRequestError,
    URLError,
    TimeoutError,
    ConnectionError,
    http.client.HTTPException,
)
"""How files_upload_v2 fails: Slack's refusal, the upload URL's non-200, or the network."""


@dataclass(frozen=True)
class WeeklyPicture:
    message: dict[str, object]
    png: bytes
    title: str


def run_weekly_tick(
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam,
    now: datetime,
    *,
    dry_run: bool = False,
    worker: str | None = None,
) -> TickReport:
    """Send every weekly picture due at `now` that no tick has sent yet.

    A dry run claims nothing and posts nothing: it returns the messages that are due.
    """
    worker = worker or worker_id()
    report = TickReport(now=now, label="weekly")
    with session_factory() as session:
        due = {
            DeliveryKey(r.team_id, r.user_id, monday)
            for r in insights_store.weekly_recipients(session)
            if (monday := weekly_picture_due(r.at, r.tz, now)) is not None
        }
        taken = store.unavailable_deliveries(session, due, now, WEEKLY)
    report.due = len(due)
    weeks: dict[str, dict[str, WeekReport]] = {}

    def build(keys: Sequence[DeliveryKey]) -> dict[DeliveryKey, WeeklyPicture]:
        _read_weeks(session_factory, keys, now, weeks)
        return {key: _picture(_week(weeks, key)) for key in keys}

    sender = (
        None if dry_run else _WeeklySender(session_factory, client_for_team, worker, now, report)
    )
    with nullcontext() if dry_run else held_leases(session_factory, worker):
        claim_build_send(
            session_factory,
            pending_batches(due, taken),
            build,
            sender,
            report,
            worker,
            now,
            preview=lambda picture: picture.message,
            kind=WEEKLY,
        )
    return report


@dataclass(frozen=True)
class _WeeklySender:
    session_factory: sessionmaker[Session]
    client_for_team: ClientForTeam
    worker: str
    now: datetime
    report: TickReport

    def record(self) -> None:
        """Each batch's outcomes are written as its posts finish."""

    def send(
        self, built: dict[DeliveryKey, WeeklyPicture], in_doubt: Collection[DeliveryKey]
    ) -> None:
        _deliver_all(
            self.session_factory,
            self.client_for_team,
            built,
            in_doubt,
            self.worker,
            self.now,
            self.report,
        )


def _read_weeks(
    session_factory: sessionmaker[Session],
    keys: Sequence[DeliveryKey],
    now: datetime,
    weeks: dict[str, dict[str, WeekReport]],
) -> None:
    """Each workspace's weeks, read once per tick: one query gives all its reps'."""
    missing = {key.team_id for key in keys} - weeks.keys()
    if not missing:
        return
    with session_factory() as session:
        for team_id in missing:
            weeks[team_id] = insights_store.week_reports(session, team_id, now)


def _week(weeks: dict[str, dict[str, WeekReport]], key: DeliveryKey) -> WeekReport:
    # A rep removed since the recipients were read gets a week of zeros, not a crash.
    return weeks[key.team_id].get(key.rep_user_id) or WeekReport(key.rep_user_id, key.local_date)


def _picture(week: WeekReport) -> WeeklyPicture:
    return WeeklyPicture(
        message=build_week_message(week),
        png=render_week_heatmap(week.grid),
        title=f"Your week of {week.week_start:%b} {week.week_start.day}",
    )


def _deliver_all(
    session_factory: sessionmaker[Session],
    client_for_team: ClientForTeam,
    pictures: dict[DeliveryKey, WeeklyPicture],
    in_doubt: Collection[DeliveryKey],
    worker: str,
    now: datetime,
    report: TickReport,
) -> None:
    limits = RateLimits()

    def deliver(key: DeliveryKey) -> None:
        picture = pictures[key]
        posted = post_once(
            session_factory,
            key,
            worker,
            now,
            client_for_team,
            lambda client: _post_numbers(client, key, picture.message),
            kind=WEEKLY,
            limits=limits,
            in_doubt=key in in_doubt,
        )
        if posted is None:
            return
        report.add(posted.status, key)
        if posted.status is DeliveryStatus.SENT and posted.channel is not None:
            client = client_for_team(key.team_id)
            _upload_picture(session_factory, client, key, worker, posted.channel, picture)

    with ThreadPoolExecutor(POSTING_THREADS, thread_name_prefix="weekly") as pool:
        # list() so an unexpected error in any post surfaces here rather than vanishing.
        list(pool.map(deliver, pictures))


def _post_numbers(client: WebClient, key: DeliveryKey, message: dict[str, object]) -> SlackResponse:
    """Open the DM first: files_upload_v2 needs a channel id, and a user id is not one."""
    channel = client.conversations_open(users=key.rep_user_id)["channel"]["id"]
    return client.chat_postMessage(
        channel=channel,
        text=str(message["text"]),
        blocks=message["blocks"],  # type: ignore[arg-type]
        metadata=delivery_metadata(key, WEEKLY),
        unfurl_links=False,
        unfurl_media=False,
    )


def _upload_picture(
    session_factory: sessionmaker[Session],
    client: WebClient,
    key: DeliveryKey,
    worker: str,
    channel: str,
    picture: WeeklyPicture,
) -> None:
    try:
        client.files_upload_v2(
            channel=channel,
            content=picture.png,
            filename=PICTURE_FILENAME,
            title=picture.title,
        )
    except UPLOAD_FAILURES as failed:
        error = f"picture not uploaded: {failure_reason(failed)}"
        logger.warning("weekly for %s/%s: %s", key.team_id, key.rep_user_id, error)
        with session_factory.begin() as session:
            store.note_error(session, key, worker, error, WEEKLY)
