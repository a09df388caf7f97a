"""Events: Slack's retries are processed once; single-workspace uninstalls are acknowledged."""

from __future__ import annotations

from slack_bolt import Ack

from tests.slack import SlackHarness


def test_a_retried_event_is_processed_once(slack: SlackHarness) -> None:
    handled: list[str] = []

    def remember(ack: Ack, event: dict[str, str]) -> None:
        ack()
        handled.append(event["text"])

    slack.app.event("app_mention")(remember)
    event = {"type": "app_mention", "user": "U1", "text": "hello", "channel": "C1", "ts": "1.0"}
    assert slack.event(event).status == 200
    retry = slack.event(
        event, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert retry.status == 200
    assert handled == ["hello"]
    other = {**event, "text": "again", "ts": "2.0"}
    slack.event(other)
    assert handled == ["hello", "again"]


def test_uninstall_events_are_acknowledged_in_single_workspace_mode(slack: SlackHarness) -> None:
    assert slack.event({"type": "app_uninstalled"}).status == 200
    assert slack.event({"type": "tokens_revoked", "tokens": {"bot": ["U0PHONETAG"]}}).status == 200
