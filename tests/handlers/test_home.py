"""App Home: published on app_home_opened and after each logged call, with working buttons."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError

from bot import ids
from bot.blocks.insights import build_week_blocks
from bot.runtime.home_redraws import HOME_POLL_SECONDS, start_home_redraws
from bot.runtime.slack_standin import SlackStandIn
from bot.services.context import Services
from bot.services.slack_delivery import ClientForTeam
from handlers.home import HOME_LONGEST_WAIT, REDRAW_RETRY_SECONDS, redraw_waiting_homes
from storage.home import want_redraw
from storage.insights import week_reports
from storage.models import CallLogRow, HomeRedrawRow, RepRow
from tests.handlers.interactions import (
    click,
    count,
    logcall_values,
    open_home,
    submit,
    text_of,
    views,
    week_changes,
    week_numbers,
)
from tests.handlers.learned_windows import LEARNED, MONDAY_0600, add_prospect, four_pm_history
from tests.slack import BOT_TOKEN, MONDAY_MORNING, Clock, SlackHarness

# The rep is in Chicago; their week began Monday 23 Nov 00:00 CST = 06:00 UTC.
SUNDAY_NIGHT = datetime(2026, 11, 23, 5, 59, tzinfo=UTC)
MONDAY_EARLY = datetime(2026, 11, 23, 6, 1, tzinfo=UTC)
LAST_MONDAY_EARLY = MONDAY_EARLY - timedelta(days=7)


def logcall_at(slack: SlackHarness, moment: datetime, text: str, **who: str) -> None:
    slack.clock.now = moment
    assert slack.command(ids.LOGCALL, text, **who).status == 200


def home(slack: SlackHarness) -> dict[str, object]:
    published = slack.standin.calls_to("views.publish")
    assert published, "the Home was published"
    assert published[-1].args["user_id"] == "U1"
    return views(slack, "views.publish")[-1]


def test_home_shows_todays_list_owed_calls_and_the_weeks_numbers(slack: SlackHarness) -> None:
    logcall_at(slack, SUNDAY_NIGHT, "Lars Last vm phone:+1 212 555 0100")
    logcall_at(slack, MONDAY_EARLY, "Vera Vance vm phone:+1 212 555 0101")
    logcall_at(slack, MONDAY_EARLY, "Carl Cole connected phone:+1 212 555 0102")
    logcall_at(slack, MONDAY_EARLY, "Mia Moss meeting phone:+1 212 555 0103")
    logcall_at(slack, MONDAY_EARLY, "Nora Nash noanswer phone:+1 212 555 0104")
    logcall_at(slack, MONDAY_EARLY, "Ian Irwin inbound phone:+1 212 555 0105")
    logcall_at(slack, MONDAY_EARLY, "Eve Ellis email phone:+1 212 555 0106")
    logcall_at(slack, MONDAY_EARLY, "Otto Other vm phone:+1 212 555 0107", team="T2")
    slack.clock.now = MONDAY_MORNING
    slack.standin.clear()

    open_home(slack)
    view = home(slack)
    assert view["type"] == "home"
    assert week_numbers(view) == {
        "Dials": "4",
        "Connects": "2",
        "Voicemails left": "1",
        "Connect rate": "50%",
        "Meetings set": "1",
        "Return calls within 24 h": "0",
        "Introductions asked for": "0",
        "Referrals reached": "0",
    }
    shown = text_of(view)  # type: ignore[arg-type]
    assert "Return calls owed" in shown and "Ian Irwin" in shown
    assert "none." not in shown
    assert "Nora Nash" not in shown  # tried this morning: the next try is a later day
    assert "Otto Other" not in shown
    assert "7:00 AM" in shown  # the digest settings, as /digest shows them
    action_ids = [
        e["action_id"]
        for b in view["blocks"]  # type: ignore[attr-defined]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert action_ids[:3] == [ids.HOME_LOG_CALL, ids.HOME_EDIT_PROFILE, ids.HOME_DIGEST_SETTINGS]


def test_the_weeks_numbers_are_the_weekly_pictures_against_last_week(slack: SlackHarness) -> None:
    # Last Monday just after midnight in Chicago: before the same point a week ago.
    for name in ("Amy Ames", "Ben Bell", "Cy Cole"):
        logcall_at(slack, LAST_MONDAY_EARLY, f"{name} vm phone:+1 212 555 0110")
    logcall_at(slack, MONDAY_EARLY, "Ian Irwin inbound phone:+1 212 555 0105")
    logcall_at(slack, MONDAY_EARLY + timedelta(hours=1), "Ian Irwin connected")
    slack.clock.now = MONDAY_MORNING
    slack.standin.clear()

    open_home(slack)
    shown = week_changes(home(slack))
    assert shown == {
        "Dials": "1  ▼ 2 from 3",
        "Connects": "1  ▲ 1 from 0",
        "Voicemails left": "0  ▼ 3 from 3",
        "Meetings set": "0, same as last week",
        "Return calls within 24 h": "1  ▲ 1 from 0",
        "Introductions asked for": "0, same as last week",
        "Referrals reached": "0, same as last week",
        "Connect rate": "100%  ▲ 100 pts from 0%",
    }
    with slack.session_factory() as session:
        friday_dm = build_week_blocks(week_reports(session, "T1", MONDAY_MORNING)["U1"])
    assert friday_dm[1]["fields"] == [
        {"type": "mrkdwn", "text": f"*{name}*\n{value}"}
        for name, value in shown.items()
        if name != "Connect rate"
    ]


def test_an_empty_week_shows_no_rate_and_nothing_owed(slack: SlackHarness) -> None:
    open_home(slack)
    view = home(slack)
    assert week_numbers(view)["Dials"] == "0"
    assert week_numbers(view)["Connect rate"] == "–"
    assert "Return calls owed:* none" in text_of(view)  # type: ignore[arg-type]


def test_the_messages_tab_publishes_nothing(slack: SlackHarness) -> None:
    event = {"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "messages"}
    assert slack.event(event).status == 200
    assert slack.standin.calls_to("views.publish") == []


def test_home_is_refreshed_after_each_logged_call_once_the_rep_has_one(
    slack: SlackHarness,
) -> None:
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    # Never opened: no Home to refresh, and opening it draws it with the call in it.
    assert slack.standin.calls_to("views.publish") == []
    open_home(slack)
    assert week_numbers(home(slack))["Voicemails left"] == "1"
    slack.command(ids.LOGCALL, "Jane Doe meeting")
    assert slack.redraw_homes() == 1
    assert week_numbers(home(slack))["Meetings set"] == "1"
    slack.command(ids.LOGCALL, "Jane Doe connected")
    assert slack.redraw_homes() == 1
    assert week_numbers(home(slack))["Connects"] == "2"
    assert len(slack.standin.calls_to("views.publish")) == 3


def test_a_redraw_slack_refuses_for_good_never_fails_the_log_and_is_not_retried(
    slack: SlackHarness,
) -> None:
    open_home(slack)
    slack.standin.fail_next("views.publish", error="invalid_arguments", status=200)
    reply = slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    assert "Voicemail left" in reply.text
    assert count(slack, CallLogRow) == 1
    assert slack.redraw_homes() == 1
    slack.clock.now += timedelta(minutes=5)
    assert slack.redraw_homes() == 0
    # The next change draws it again.
    slack.command(ids.LOGCALL, "Jane Doe connected")
    assert slack.redraw_homes() == 1
    assert week_numbers(home(slack))["Connects"] == "1"


def test_a_redraw_that_meets_a_busy_slack_is_left_for_a_later_pass(slack: SlackHarness) -> None:
    open_home(slack)
    slack.standin.clear()
    slack.standin.fail_next("views.publish", error="ratelimited", status=429, retry_after=30)
    reply = slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    assert "Voicemail left" in reply.text
    assert slack.redraw_homes() == 1  # taken, refused, and put back for after the Retry-After
    assert slack.redraw_homes() == 0
    slack.clock.now += timedelta(seconds=31)  # the Retry-After, then the settle as ever
    assert slack.redraw_homes() == 1
    tried, drawn = slack.standin.calls_to("views.publish")
    assert not tried.answered_ok and drawn.answered_ok
    assert week_numbers(home(slack))["Voicemails left"] == "1"

    slack.standin.fail_next("views.publish", error="internal_error", status=503)
    slack.command(ids.LOGCALL, "Jane Doe connected")
    assert slack.redraw_homes() == 1
    slack.clock.now += timedelta(seconds=REDRAW_RETRY_SECONDS + 1)
    assert slack.redraw_homes() == 1
    assert week_numbers(home(slack))["Connects"] == "1"


def test_a_home_whose_workspace_client_cannot_be_had_just_now_is_drawn_on_a_later_pass(
    slack: SlackHarness,
) -> None:
    open_home(slack)
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")

    def database_down(_team: str) -> WebClient:
        raise OperationalError("SELECT installations", {}, Exception("server closed"))

    settled = slack.clock.now + timedelta(seconds=1)
    assert redraw_waiting_homes(replace(slack.services, clock=lambda: settled), database_down) == 1
    assert slack.redraw_homes() == 0
    slack.clock.now += timedelta(seconds=REDRAW_RETRY_SECONDS + 1)
    assert slack.redraw_homes() == 1
    assert week_numbers(home(slack))["Voicemails left"] == "1"


def test_a_redraw_that_would_publish_the_same_view_again_publishes_nothing(
    slack: SlackHarness,
) -> None:
    open_home(slack)
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    assert slack.redraw_homes() == 1
    assert len(slack.standin.calls_to("views.publish")) == 2
    # A redraw asked for by a change that shows nowhere on the Home.
    with slack.session_factory.begin() as session:
        want_redraw(session, "T1", "U1", slack.clock.now)
    assert slack.redraw_homes() == 1
    assert len(slack.standin.calls_to("views.publish")) == 2


def test_each_workspaces_home_is_redrawn_with_its_own_calls(slack: SlackHarness) -> None:
    """The same user id in two workspaces is two reps with two Homes."""
    for team in ("T1", "T2"):
        open_home(slack, team=team)
        slack.clock.now += timedelta(seconds=1)  # Slack's events are apart: ids of their own
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143", team="T1")
    slack.command(ids.LOGCALL, "Raj Patel connected phone:+1 212 555 0144", team="T2")
    slack.command(ids.LOGCALL, "Raj Patel meeting", team="T2")
    slack.standin.clear()
    drawn: list[str] = []

    def client_for(team_id: str) -> WebClient:
        drawn.append(team_id)
        return WebClient(token=BOT_TOKEN, base_url=slack.standin.base_url)

    settled = slack.clock.now + timedelta(seconds=1)
    assert redraw_waiting_homes(replace(slack.services, clock=lambda: settled), client_for) == 2
    by_team = dict(zip(drawn, views(slack, "views.publish"), strict=True))
    assert sorted(by_team) == ["T1", "T2"]
    t1, t2 = (week_numbers(by_team[team]) for team in ("T1", "T2"))
    assert (t1["Voicemails left"], t1["Connects"], t1["Meetings set"]) == ("1", "0", "0")
    assert (t2["Voicemails left"], t2["Connects"], t2["Meetings set"]) == ("0", "2", "1")
    assert "Jane Doe" not in text_of(by_team["T2"])  # type: ignore[arg-type]


def test_home_buttons_open_the_call_form_the_profile_and_the_digest_settings(
    slack: SlackHarness,
) -> None:
    slack.command(ids.VMSCRIPT, 'profile name:"Sam Lee" phone:+1 312 555 0100')
    slack.standin.clear()
    for action_id in (ids.HOME_LOG_CALL, ids.HOME_EDIT_PROFILE, ids.HOME_DIGEST_SETTINGS):
        click(slack, action_id)
    call_form, profile, settings = views(slack, "views.open")
    assert call_form["callback_id"] == ids.LOGCALL_VIEW
    assert profile["callback_id"] == ids.VMSCRIPT_PROFILE_VIEW
    assert "Sam Lee" in text_of(profile)
    assert "7:00 AM" in text_of(settings) and "/digest time" in text_of(settings)


def test_todays_list_ranks_windows_as_the_digest_does(slack: SlackHarness) -> None:
    slack.clock.now = MONDAY_0600
    four_pm_history(slack)
    add_prospect(slack, "Dana Due")
    open_home(slack)
    shown = text_of(home(slack))  # type: ignore[arg-type]
    assert "Dana Due" in shown
    assert LEARNED.search(shown), shown
    assert "Before 8:30 their time" not in shown


class ThreadNoting(WebClient):
    """Notes the thread each views.publish is made on."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.threads: list[str] = []

    def views_publish(self, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        self.threads.append(threading.current_thread().name)
        return super().views_publish(**kwargs)


def test_without_a_worker_serves_own_loop_redraws_a_burst_once_off_the_request_thread(
    engine: Engine, standin: SlackStandIn, clock: Clock
) -> None:
    harness = SlackHarness(engine, standin, clock)
    open_home(harness)  # opening draws at once: the rep is looking
    standin.clear()
    client = ThreadNoting(token=BOT_TOKEN, base_url=standin.base_url)
    stop = start_home_redraws(harness.services, lambda _team: client)
    try:
        for line in (
            "Jane Doe vm phone:+1 212 555 0143",
            "Jane Doe connected",
            "Raj Patel meeting",
        ):
            assert line.split()[0] in harness.command(ids.LOGCALL, line).text
            clock.now += timedelta(milliseconds=300)
        # Every reply came back with nothing published, and the loop waits for a pause.
        time.sleep(2 * HOME_POLL_SECONDS)
        assert standin.calls_to("views.publish") == []
        clock.now += timedelta(seconds=1)
        deadline = time.monotonic() + 10
        while not standin.calls_to("views.publish") and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2 * HOME_POLL_SECONDS)  # and later passes draw nothing more
    finally:
        stop.set()
    assert client.threads == ["home-redraws"]
    shown = week_numbers(home(harness))
    assert (shown["Voicemails left"], shown["Connects"], shown["Meetings set"]) == ("1", "2", "1")
    with harness.session_factory() as session:
        assert session.scalars(select(HomeRedrawRow)).all() == []


def worker_side(harness: SlackHarness) -> tuple[Services, ClientForTeam]:
    """What `phonetag worker` redraws with: the same database and clock, its own services."""
    client = WebClient(token=BOT_TOKEN, base_url=harness.standin.base_url)
    return Services(harness.session_factory, harness.clock, settings=harness.settings), (
        lambda _team: client
    )


def test_with_a_worker_the_call_leaves_the_home_to_it_and_a_burst_is_one_redraw(
    engine: Engine, standin: SlackStandIn, clock: Clock
) -> None:
    standin.clear()
    harness = SlackHarness(engine, standin, clock, separate_worker=True)
    services, clients = worker_side(harness)
    open_home(harness)  # opening draws at once: the rep is looking
    assert len(standin.calls_to("views.publish")) == 1
    standin.clear()

    for line in ("Jane Doe vm phone:+1 212 555 0143", "Jane Doe connected", "Raj Patel meeting"):
        assert harness.command(ids.LOGCALL, line).status == 200
        clock.now += timedelta(milliseconds=300)
    assert standin.calls_to("views.publish") == []
    # Calls still coming: the worker leaves the Home until the rep pauses.
    assert redraw_waiting_homes(services, clients) == 0

    clock.now += timedelta(seconds=1)
    assert redraw_waiting_homes(services, clients) == 1
    shown = week_numbers(home(harness))
    assert (shown["Voicemails left"], shown["Connects"], shown["Meetings set"]) == ("1", "2", "1")
    # Nothing changed since: nothing to draw.
    assert redraw_waiting_homes(services, clients) == 0
    assert len(standin.calls_to("views.publish")) == 1

    harness.command(ids.LOGCALL, "Raj Patel noanswer")
    clock.now += timedelta(seconds=1)
    assert redraw_waiting_homes(services, clients) == 1
    assert week_numbers(home(harness))["Dials"] == "4"


def test_a_rep_whose_calls_never_pause_is_redrawn_after_the_longest_wait(
    slack: SlackHarness,
) -> None:
    services, clients = worker_side(slack)
    open_home(slack)
    started = slack.clock.now
    drawn_at = []
    while slack.clock.now < started + HOME_LONGEST_WAIT + timedelta(seconds=1):
        slack.command(ids.LOGCALL, "Jane Doe noanswer phone:+1 212 555 0143")
        slack.clock.now += timedelta(milliseconds=500)  # never the second's pause
        if redraw_waiting_homes(services, clients):
            drawn_at.append(slack.clock.now - started)
    assert drawn_at == [HOME_LONGEST_WAIT]
    assert slack.redraw_homes() == 1  # and once the rep pauses, the calls since
    assert week_numbers(home(slack))["Dials"] == "12"


def test_with_a_worker_a_call_from_the_form_is_left_to_it_too(
    engine: Engine, standin: SlackStandIn, clock: Clock
) -> None:
    harness = SlackHarness(engine, standin, clock, separate_worker=True)
    services, clients = worker_side(harness)
    open_home(harness)
    assert harness.command(ids.LOGCALL, "").status == 200
    form = views(harness, "views.open")[-1]
    standin.clear()
    assert submit(harness, form, logcall_values(prospect="new:Jane Doe", outcome="vm")).body == ""
    assert standin.calls_to("views.publish") == []
    clock.now += timedelta(seconds=1)
    assert redraw_waiting_homes(services, clients) == 1
    assert week_numbers(home(harness))["Voicemails left"] == "1"


def test_with_a_worker_a_rep_who_never_opened_the_home_queues_nothing(
    engine: Engine, standin: SlackStandIn, clock: Clock
) -> None:
    harness = SlackHarness(engine, standin, clock, separate_worker=True)
    services, clients = worker_side(harness)
    harness.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    clock.now += timedelta(seconds=5)
    assert redraw_waiting_homes(services, clients) == 0
    with harness.session_factory() as session:
        assert session.scalars(select(HomeRedrawRow)).all() == []


def open_home_showing(slack: SlackHarness, shown_hash: str) -> None:
    """The rep opens the Home tab; Slack's event carries the view it shows them."""
    event = {
        "type": "app_home_opened",
        "user": "U1",
        "channel": "DU1",
        "tab": "home",
        "view": {"id": "VHOME", "type": "home", "hash": shown_hash},
        "event_ts": str(slack.clock.now.timestamp()),
    }
    assert slack.event(event).status == 200


def slack_answers_publish_with(slack: SlackHarness, view_hash: str) -> None:
    slack.standin.answer_next(
        "views.publish", {"ok": True, "view": {"id": "VHOME", "hash": view_hash}}
    )


def test_opening_a_home_that_shows_the_latest_view_publishes_nothing(
    slack: SlackHarness,
) -> None:
    slack_answers_publish_with(slack, "h1")
    open_home(slack)
    slack_answers_publish_with(slack, "h2")
    slack.command(ids.LOGCALL, "Jane Doe vm phone:+1 212 555 0143")
    assert slack.redraw_homes() == 1
    assert len(slack.standin.calls_to("views.publish")) == 2

    # The Home already shows the call: switching back to the tab publishes nothing.
    open_home_showing(slack, "h2")
    open_home_showing(slack, "h2")
    assert len(slack.standin.calls_to("views.publish")) == 2

    # Slack shows another view (say another process published one): ours goes up again.
    open_home_showing(slack, "h-elsewhere")
    assert len(slack.standin.calls_to("views.publish")) == 3


def test_opening_the_home_after_a_change_publishes_the_change(slack: SlackHarness) -> None:
    slack_answers_publish_with(slack, "h1")
    open_home(slack)
    with slack.session_factory.begin() as session:
        session.execute(update(RepRow).where(RepRow.user_id == "U1").values(digest_paused=True))
    # Saved without a redraw (another process, or a change that asks for none): Slack still
    # shows h1, but it is no longer what the Home should say.
    slack_answers_publish_with(slack, "h2")
    open_home_showing(slack, "h1")
    assert len(slack.standin.calls_to("views.publish")) == 2
    assert "paused" in text_of(home(slack)).lower()  # type: ignore[arg-type]
    # The next day's list is another view too, though nothing was saved in between.
    slack.clock.now += timedelta(days=1)
    open_home_showing(slack, "h2")
    assert len(slack.standin.calls_to("views.publish")) == 3


def test_one_reps_broken_home_does_not_keep_the_worker_from_the_others(
    engine: Engine, standin: SlackStandIn, clock: Clock
) -> None:
    standin.clear()
    harness = SlackHarness(engine, standin, clock, separate_worker=True)
    services, clients = worker_side(harness)
    for user in ("U1", "U2"):
        open_home(harness, user=user)
        harness.command(
            ids.LOGCALL, f"Jane Doe{user[-1]} vm phone:+1 212 555 014{user[-1]}", user=user
        )
    with harness.session_factory.begin() as session:
        session.execute(update(RepRow).where(RepRow.user_id == "U1").values(tz="Mars/Olympus"))
    standin.clear()
    clock.now += timedelta(seconds=1)
    assert redraw_waiting_homes(services, clients) == 2
    (published,) = standin.calls_to("views.publish")
    assert published.args["user_id"] == "U2"
