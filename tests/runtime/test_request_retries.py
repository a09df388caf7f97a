"""Slack calls made while Slack waits for our answer: never waited out past its 3 s, and a
trigger_id is never spent twice."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.client import RemoteDisconnected
from urllib.error import URLError

import pytest
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.state import RetryState
from sqlalchemy import select

from bot import ids
from bot.config import Settings
from bot.runtime.app import web_client
from bot.runtime.request_retries import LONGEST_CALL_SECONDS, DroppedConnectionRetry
from storage.models import CallLogRow, RepRow
from tests.slack import SlackHarness


@pytest.fixture
def faulty(slack: SlackHarness) -> Iterator[SlackHarness]:
    yield slack
    slack.standin.clear_faults()


def answered_in_time(slack: SlackHarness, command: str, text: str) -> str:
    started = time.monotonic()
    reply = slack.command(command, text)
    assert time.monotonic() - started < 3
    assert reply.status == 200
    return reply.text


def test_a_first_time_rep_rate_limited_for_five_seconds_still_logs_in_time(
    faulty: SlackHarness,
) -> None:
    faulty.standin.fail_next("users.info", status=429, retry_after=5)
    assert "Voicemail left" in answered_in_time(faulty, ids.LOGCALL, "Jane Doe vm")
    assert len(faulty.standin.calls_to("users.info")) == 1
    with faulty.session_factory() as session:
        assert session.scalars(select(CallLogRow.outcome)).all() == ["vm"]
        # Without Slack's answer the rep's clock is UTC until Slack tells us (user_change).
        assert session.scalars(select(RepRow.tz)).all() == ["UTC"]


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "retry_after": 1, "error": "ratelimited"},
        {"status": 503, "error": "service_unavailable"},
    ],
)
def test_views_open_is_asked_once_whatever_slack_answers(
    faulty: SlackHarness, fault: dict[str, object]
) -> None:
    faulty.standin.fail_next("views.open", **fault)  # type: ignore[arg-type]
    answered_in_time(faulty, ids.LOGCALL, "")
    assert len(faulty.standin.calls_to("views.open")) == 1


def test_a_slow_views_open_is_given_up_on_before_slack_gives_up_on_us(
    faulty: SlackHarness,
) -> None:
    faulty.standin.delay("views.open", 2.5)
    answered_in_time(faulty, ids.LOGCALL, "")
    assert len(faulty.standin.calls_to("views.open")) == 1


def request(method: str) -> HttpRequest:
    return HttpRequest(method="POST", url=f"https://slack.com/api/{method}", headers={})


def can_retry(method: str, error: Exception) -> bool:
    return DroppedConnectionRetry().can_retry(
        state=RetryState(), request=request(method), response=None, error=error
    )


def test_a_dropped_connection_is_retried_once_except_for_a_trigger_id() -> None:
    dropped = URLError(ConnectionResetError(104, "Connection reset by peer"))
    assert can_retry("users.info", dropped)
    assert can_retry("chat.postMessage", RemoteDisconnected())
    assert not can_retry("views.open", dropped)
    assert not can_retry("views.push", dropped)
    assert not DroppedConnectionRetry().can_retry(
        state=RetryState(current_attempt=1), request=request("users.info"), error=dropped
    )


def test_a_timed_out_attempt_is_not_retried() -> None:
    assert not can_retry("users.info", URLError(TimeoutError("timed out")))
    assert not can_retry("users.info", TimeoutError("The read operation timed out"))


def test_the_listeners_client_ends_each_call_inside_slacks_three_seconds() -> None:
    client = web_client(Settings(slack_bot_token="xoxb-test"))
    retries = sum(handler.max_retry_count for handler in client.retry_handlers)
    assert (retries + 1) * client.timeout <= LONGEST_CALL_SECONDS < 3
