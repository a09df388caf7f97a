"""The stand-in's posting limits, as the digest bench relies on them: Slack's one message a
second per channel with a short burst, a budget per workspace, and 429 with Retry-After
beyond them. Rates here are tiny, so no token comes back while a test runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime.slack_standin import PostingLimits, SlackStandIn, team_of_token


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


def _client(slack: SlackStandIn, token: str) -> WebClient:
    return WebClient(base_url=slack.base_url, token=token)


def _refused(client: WebClient, channel: str) -> SlackApiError:
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel=channel, text="one too many")
    return refused.value


def test_without_limits_any_number_of_posts_to_one_channel_pass(slack: SlackStandIn) -> None:
    client = _client(slack, "xoxb-test")
    for n in range(10):
        assert client.chat_postMessage(channel="U1", text=str(n))["ok"]


def test_a_channel_takes_its_burst_then_429_with_retry_after(slack: SlackStandIn) -> None:
    slack.limit_posting(PostingLimits(per_channel=0.01, channel_burst=3))
    client = _client(slack, "xoxb-test")
    for n in range(3):
        client.chat_postMessage(channel="U1", text=str(n))
    refused = _refused(client, "U1")
    assert refused.response.status_code == 429
    assert refused.response["error"] == "ratelimited"
    assert int(refused.response.headers["Retry-After"]) >= 1
    # Another channel has a burst of its own; the refused post was not recorded as sent.
    assert client.chat_postMessage(channel="U2", text="fine")["ok"]
    assert [c.answered_ok for c in slack.calls_to("chat.postMessage")] == [True] * 3 + [
        False,
        True,
    ]
    assert len(slack.messages_in("DU1")) == 3


def test_the_workspace_budget_spans_channels_and_is_per_workspace(slack: SlackStandIn) -> None:
    slack.limit_posting(PostingLimits(per_workspace=0.01, workspace_burst=2))
    first = _client(slack, "xoxb-T0000001-installed")
    for channel in ("U1", "U2"):
        first.chat_postMessage(channel=channel, text="hi")
    assert _refused(first, "U3").response.status_code == 429
    # The same channel ids in another workspace are its own, under its own budget.
    second = _client(slack, "xoxb-T0000002-installed")
    for channel in ("U1", "U2"):
        assert second.chat_postMessage(channel=channel, text="hi")["ok"]
    assert _refused(second, "U3").response.status_code == 429


def test_limits_end_with_clear(slack: SlackStandIn) -> None:
    slack.limit_posting(PostingLimits(per_channel=0.01, channel_burst=1))
    client = _client(slack, "xoxb-test")
    client.chat_postMessage(channel="U1", text="hi")
    slack.clear()
    assert client.chat_postMessage(channel="U1", text="again")["ok"]


def test_a_token_names_its_workspace_as_the_stand_ins_installs_issue_them() -> None:
    assert team_of_token("xoxb-T123ABC-installed", "T0") == "T123ABC"
    assert team_of_token("xoxb-test", "T0") == "T0"
    assert team_of_token(None, "T0") == "T0"
