"""The stand-in must look like Slack to the real `slack_sdk` client, or app tests prove nothing."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.runtime.slack_standin import RESPONSE_URL, UPLOAD_URL, SlackStandIn


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(users={"U2": {"tz": "Europe/Berlin", "real_name": "Jane Doe"}}) as standin:
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(base_url=slack.base_url, token="xoxb-test")


def test_start_returns_loopback_api_url_on_an_ephemeral_port() -> None:
    standin = SlackStandIn()
    url = standin.start()
    try:
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/api/")
        assert standin.port != 0
    finally:
        standin.stop()
    standin.stop()  # stopping twice is harmless, so fixtures need no bookkeeping


def test_post_message_to_a_user_lands_in_a_dm_with_increasing_ts(
    slack: SlackStandIn, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    first = client.chat_postMessage(channel="U1", text="hi", blocks=blocks)
    second = client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])

    assert first["channel"] == "DU1"
    assert second["channel"] == "C1"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == blocks
    [call, _] = slack.calls_to("chat.postMessage")
    assert call.args == {"channel": "U1", "text": "hi", "blocks": blocks}
    assert call.token == "xoxb-test"
    assert call.answered_ok


def test_form_encoded_json_arguments_are_decoded(slack: SlackStandIn, client: WebClient) -> None:
    blocks = [{"type": "divider"}]
    client.api_call(
        "chat.postEphemeral",
        params={"channel": "C1", "user": "U1", "blocks": json.dumps(blocks)},
    )

    [call] = slack.calls_to("chat.postEphemeral")
    assert call.args["blocks"] == blocks
    assert call.args["user"] == "U1"


def test_ephemeral_conversation_and_auth_answers(client: WebClient) -> None:
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    assert client.conversations_open(users="U1")["channel"]["id"] == "DU1"
    auth = client.auth_test()
    assert auth["team_id"] and auth["user_id"] and auth["bot_id"]


@pytest.mark.parametrize("method", ["views_open", "views_push", "views_update", "views_publish"])
def test_views_echo_the_view_with_an_id(client: WebClient, method: str) -> None:
    view = {"type": "modal", "callback_id": "logcall", "title": {"type": "plain_text", "text": "x"}}
    kwargs = {"views_open": {"trigger_id": "t"}, "views_push": {"trigger_id": "t"}}.get(
        method, {"view_id": "V42"} if method == "views_update" else {"user_id": "U1"}
    )

    answer = getattr(client, method)(view=view, **kwargs)

    assert answer["view"]["id"].startswith("V")
    assert answer["view"]["callback_id"] == "logcall"


def test_users_info_uses_configured_time_zone_and_defaults(client: WebClient) -> None:
    jane = client.users_info(user="U2")["user"]
    someone = client.users_info(user="U9")["user"]

    assert jane["tz"] == "Europe/Berlin"
    assert jane["tz_offset"] in (3600, 7200)
    assert jane["real_name"] == "Jane Doe"
    assert someone["tz"] == "America/Chicago"
    assert someone["tz_offset"] in (-21600, -18000)
    assert someone["profile"]["email"]


def test_unknown_methods_answer_ok(slack: SlackStandIn, client: WebClient) -> None:
    assert client.api_call("reactions.add", json={"name": "phone"})["ok"]
    assert slack.calls_to("reactions.add")[0].args == {"name": "phone"}


def test_files_upload_v2_goes_through_the_upload_url(
    slack: SlackStandIn, client: WebClient
) -> None:
    answer = client.files_upload_v2(channel="C1", content="a,b\n1,2\n", filename="report.csv")

    assert answer["file"]["name"] == "report.csv"
    [upload] = slack.calls_to(UPLOAD_URL)
    assert upload.args["data"] == b"a,b\n1,2\n"
    [complete] = slack.calls_to("files.completeUploadExternal")
    assert complete.args["files"][0]["id"] == upload.args["file_id"]


def test_legacy_files_upload_keeps_file_bytes(slack: SlackStandIn, client: WebClient) -> None:
    client.api_call(
        "files.upload", data={"channels": "C1", "filename": "a.txt"}, files={"file": b"bytes"}
    )

    [call] = slack.calls_to("files.upload")
    assert call.args["file"] == b"bytes"
    assert call.args["filename"] == "a.txt"


def test_response_url_posts_are_recorded(slack: SlackStandIn) -> None:
    url = slack.response_url("cmd-1")

    answer = WebhookClient(url).send(text="logged", response_type="ephemeral")

    assert answer.status_code == 200
    [call] = slack.calls_to(RESPONSE_URL)
    assert call.args == {"text": "logged", "response_type": "ephemeral"}
    assert call.path.endswith("/cmd-1")


def test_rate_limit_then_success_with_sdk_retry_handler(slack: SlackStandIn) -> None:
    client = WebClient(
        base_url=slack.base_url,
        token="xoxb-test",
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail_next("chat.postMessage", retry_after=0)

    assert client.chat_postMessage(channel="C1", text="hi")["ok"]

    assert [c.answered_ok for c in slack.calls_to("chat.postMessage")] == [False, True]


def test_rate_limit_answer_carries_retry_after(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"


def test_fail_next_counts_down_and_supports_other_statuses(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.fail_next("users.info", error="fatal_error", status=500, times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            client.users_info(user="U1")
        assert raised.value.response.status_code == 500
    assert client.users_info(user="U1")["ok"]


def test_fail_for_matches_args_until_cleared(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_for("chat.postMessage", {"channel": "U123"}, error="user_not_found")

    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="U123", text="hi")
        assert raised.value.response.status_code == 200
        assert raised.value.response["error"] == "user_not_found"
    assert client.chat_postMessage(channel="U456", text="hi")["ok"]

    slack.clear_faults()
    assert client.chat_postMessage(channel="U123", text="hi")["ok"]
    assert [c.answered_ok for c in slack.calls] == [False, False, True, True]


def test_delay_makes_the_client_time_out(slack: SlackStandIn) -> None:
    client = WebClient(base_url=slack.base_url, token="xoxb-test", timeout=0.2)
    slack.delay("chat.postMessage", 5)

    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="C1", text="hi")

    assert slack.calls_to("chat.postMessage")  # Slack saw it even though the client gave up


def test_clear_forgets_calls_and_faults(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("auth.test")
    client.api_call("reactions.add")
    slack.clear()

    assert slack.calls == []
    assert client.auth_test()["ok"]


def test_concurrent_calls_are_all_recorded(slack: SlackStandIn, client: WebClient) -> None:
    threads = [
        threading.Thread(target=client.chat_postMessage, kwargs={"channel": "C1", "text": str(n)})
        for n in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    calls = slack.calls_to("chat.postMessage")
    assert sorted(int(c.args["text"]) for c in calls) == list(range(20))


def test_unknown_paths_are_not_found(slack: SlackStandIn) -> None:
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(slack.base_url.removesuffix("api/") + "nowhere")
    assert raised.value.code == 404


def test_response_url_needs_a_started_standin() -> None:
    with pytest.raises(RuntimeError):
        SlackStandIn().response_url("x")


def test_conversations_history_answers_newest_first_with_metadata_only_when_asked(
    slack: SlackStandIn, client: WebClient
) -> None:
    metadata = {"event_type": "phonetag_digest", "event_payload": {"rep_user_id": "U1"}}
    first = client.chat_postMessage(channel="U1", text="one", metadata=metadata)
    second = client.chat_postMessage(channel="U1", text="two")
    third = client.chat_postMessage(channel="U1", text="three")
    client.chat_postMessage(channel="U2", text="someone else's DM")

    page = client.conversations_history(channel="DU1", limit=2)
    assert [m["text"] for m in page["messages"]] == ["three", "two"]
    assert page["has_more"] is True
    assert page["response_metadata"] == {"next_cursor": ""}
    everything = client.conversations_history(channel="DU1")["messages"]
    assert [m["ts"] for m in everything] == [third["ts"], second["ts"], first["ts"]]
    assert "metadata" not in everything[-1]
    with_metadata = client.conversations_history(channel="DU1", include_all_metadata=True)
    assert with_metadata["messages"][-1]["metadata"] == metadata
    between = client.conversations_history(
        channel="DU1", oldest=first["ts"], latest=third["ts"], inclusive=False
    )
    assert [m["text"] for m in between["messages"]] == ["two"]
    assert slack.messages_in("U1")[0]["metadata"] == metadata


def test_answer_next_can_lose_the_answer_to_a_message_slack_did_post(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.answer_next("chat.postMessage", "<html>502 Bad Gateway</html>", 502, performed=True)
    with pytest.raises(SlackApiError) as lost:
        client.chat_postMessage(channel="U1", text="hi")
    assert lost.value.response.status_code == 502
    slack.answer_next("chat.postMessage", {"ok": True}, performed=False)
    assert client.chat_postMessage(channel="U1", text="again").data == {"ok": True}
    assert [m["text"] for m in slack.messages_in("U1")] == ["hi"]
