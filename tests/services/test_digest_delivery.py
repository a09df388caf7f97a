"""Digest ticks against the Slack stand-in: on time in every zone, once, through Slack's moods."""

from __future__ import annotations

import time as stopwatch
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from http.client import RemoteDisconnected
from urllib.error import URLError
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry import RetryState
from slack_sdk.http_retry.request import HttpRequest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.runtime.scheduler import DIGEST_JOB, start_digest_scheduler
from bot.runtime.slack_standin import SlackStandIn
from bot.services import digest_delivery
from bot.services.digest_delivery import CLAIM_BATCH, TickShare, pending_batches, run_digest_tick
from bot.services.slack_delivery import UnsentRequestRetryHandler, digest_web_client
from storage import digest as digest_store
from storage.db import make_session_factory
from storage.digest import DeliveryKey
from storage.insights import EvidenceCache
from storage.models import CallLogRow, DeliveryRow, OwedReturnCallRow, ProspectRow, RepRow
from tests.blockkit import assert_valid_message

SETUP = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
EVERY_DAY = "mon,tue,wed,thu,fri,sat,sun"


@pytest.fixture
def slack_api(standin: SlackStandIn) -> Iterator[SlackStandIn]:
    standin.clear()
    yield standin
    standin.clear()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def client_for(slack_api: SlackStandIn) -> WebClient:
    return digest_web_client(
        Settings(slack_bot_token="xoxb-test", slack_api_url=slack_api.base_url)
    )


def add_rep(
    factory: sessionmaker[Session],
    user: str,
    tz: str,
    *,
    days: str = "mon,tue,wed,thu,fri",
    owes_a_call: bool = True,
    team: str = "T1",
    **digest: object,
) -> None:
    """A rep in team T1 who, unless told otherwise, owes a return call: due every day."""
    with factory.begin() as session:
        session.add(
            RepRow(team_id=team, user_id=user, tz=tz, created_at=SETUP, digest_days=days, **digest)
        )
        if not owes_a_call:
            return
        prospect = ProspectRow(
            team_id=team,
            owner_id=user,
            name=f"Caller of {user}",
            name_key=f"caller of {user.casefold()}",
            tz="America/New_York",
            tz_inferred=False,
            status="active",
            created_at=SETUP,
        )
        session.add(prospect)
        session.flush()
        inbound = CallLogRow(
            team_id=team,
            prospect_id=prospect.id,
            rep_user_id=user,
            at=SETUP,
            outcome="inbound",
            notes="",
        )
        session.add(inbound)
        session.flush()
        session.add(
            OwedReturnCallRow(
                team_id=team,
                rep_user_id=user,
                prospect_id=prospect.id,
                inbound_call_id=inbound.id,
                due_at=SETUP + timedelta(hours=24),
            )
        )


def tick(factory: sessionmaker[Session], slack_api: SlackStandIn, now: datetime):  # type: ignore[no-untyped-def]
    return run_digest_tick(factory, lambda team_id: client_for(slack_api), now)


def posted(slack_api: SlackStandIn) -> Counter[str]:
    """Messages Slack accepted, per rep."""
    return Counter(
        c.args["channel"] for c in slack_api.calls_to("chat.postMessage") if c.answered_ok
    )


def deliveries(factory: sessionmaker[Session]) -> list[DeliveryRow]:
    with factory() as session:
        return list(session.scalars(select(DeliveryRow).order_by(DeliveryRow.rep_user_id)))


def local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def ticks_around(start: datetime, end: datetime, reps: dict[str, str]) -> list[datetime]:
    """Every 30 minutes, plus every minute from 07:20 to 07:40 on each rep's own clock."""
    instants = set()
    moment = start
    while moment < end:
        instants.add(moment)
        moment += timedelta(minutes=30)
    for tz in reps.values():
        day = local(start, tz).date() - timedelta(days=1)
        while day <= local(end, tz).date():
            around = datetime.combine(day, datetime.min.time(), ZoneInfo(tz)).replace(hour=7)
            instants |= {around + timedelta(minutes=m) for m in range(20, 41)}
            day += timedelta(days=1)
    return sorted(i for i in instants if start <= i < end)


@pytest.mark.parametrize(
    ("start", "dst_day"),
    [
        (datetime(2026, 3, 6, 12, 0, tzinfo=UTC), date(2026, 3, 8)),  # clocks go forward
        (datetime(2026, 10, 30, 12, 0, tzinfo=UTC), date(2026, 11, 1)),  # clocks go back
    ],
)
def test_every_rep_gets_one_digest_a_day_at_0730_their_time_across_dst(
    factory: sessionmaker[Session], slack_api: SlackStandIn, start: datetime, dst_day: date
) -> None:
    reps = {
        "U_NY": "America/New_York",
        "U_LA": "America/Los_Angeles",
        "U_PHX": "America/Phoenix",
        "U_KOL": "Asia/Kolkata",
        "U_CHA": "Pacific/Chatham",
    }
    for user, tz in reps.items():
        # Chosen, not the default: 07:30 sits an hour after the spring-forward gap's end.
        add_rep(factory, user, tz, days=EVERY_DAY, digest_time="07:30")
    end = start + timedelta(days=4)
    for instant in ticks_around(start, end, reps):
        tick(factory, slack_api, instant)

    rows = deliveries(factory)
    sent = [row for row in rows if row.status == "sent"]
    for user, tz in reps.items():
        zone = ZoneInfo(tz)
        mine = {row.local_date: row.sent_at for row in sent if row.rep_user_id == user}
        first_day = local(start, tz).date()
        expected_days = [first_day + timedelta(days=n) for n in range(6)]
        on_time = {
            day: max(start, datetime.combine(day, time(7, 30), zone)) for day in expected_days
        }
        # Every local day gets one digest at 07:30 on the rep's clock, the DST day included;
        # a day whose 07:30 passed before the first tick gets it from that first tick, unless
        # that was past noon, the cut-off: then the day is recorded as missed.
        noon = {day: datetime.combine(day, time(12), zone) for day in expected_days}
        assert mine == {day: at for day, at in on_time.items() if at < min(end, noon[day])}
        missed = {row.local_date for row in rows if row.rep_user_id == user} - mine.keys()
        assert missed == {day for day, at in on_time.items() if noon[day] <= at < end}
        assert all(
            row.status == "missed"
            for row in rows
            if (row.rep_user_id, row.local_date) in {(user, day) for day in missed}
        )
        assert posted(slack_api)[user] == len(mine)
    ny_days = {row.local_date for row in sent if row.rep_user_id == "U_NY"}
    assert dst_day in ny_days


def test_workdays_only_and_repeated_ticks_send_once(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    friday_0730 = datetime(2026, 11, 27, 13, 30, tzinfo=UTC)
    for minutes in (-1, 0, 0, 0, 1, 60, 600):
        tick(factory, slack_api, friday_0730 + timedelta(minutes=minutes))
    for days in (1, 2):  # the weekend
        tick(factory, slack_api, friday_0730 + timedelta(days=days))
    assert posted(slack_api) == {"U1": 1}
    tick(factory, slack_api, friday_0730 + timedelta(days=3))  # Monday
    assert posted(slack_api) == {"U1": 2}
    (message, _) = slack_api.calls_to("chat.postMessage")
    assert_valid_message(message.args)
    assert "Caller of U1" in str(message.args["blocks"])


def test_ts_is_recorded_so_the_digest_can_be_found_again(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    tick(factory, slack_api, datetime(2026, 11, 23, 13, 30, tzinfo=UTC))
    (row,) = deliveries(factory)
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    assert (row.status, row.channel, row.attempts) == ("sent", "DU1", 1)
    assert row.ts is not None and row.ts.startswith("17")


def test_a_429_is_waited_out_and_the_digest_posted_once(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    slack_api.fail_next("chat.postMessage", retry_after=1)
    started = stopwatch.monotonic()
    report = tick(factory, slack_api, datetime(2026, 11, 23, 13, 30, tzinfo=UTC))
    assert stopwatch.monotonic() - started >= 1  # Retry-After was honoured
    assert len(slack_api.calls_to("chat.postMessage")) == 2
    assert posted(slack_api) == {"U1": 1}
    assert len(report.sent) == 1


def test_a_long_rate_limit_fails_one_rep_for_now_and_keeps_the_others_moving(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    for user in ("U1", "U2", "U3"):
        add_rep(factory, user, "America/Chicago")
    slack_api.fail_next("chat.postMessage", retry_after=120)
    started = stopwatch.monotonic()
    report = tick(factory, slack_api, datetime(2026, 11, 23, 13, 30, tzinfo=UTC))
    assert stopwatch.monotonic() - started < 10
    assert (len(report.sent), len(report.failed)) == (2, 1)
    tick(factory, slack_api, datetime(2026, 11, 23, 13, 31, tzinfo=UTC))
    assert posted(slack_api) == {"U1": 1, "U2": 1, "U3": 1}


def test_a_rep_who_left_is_skipped_and_the_others_still_get_theirs(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    for user in ("U1", "U_GONE", "U_INACTIVE", "U2"):
        add_rep(factory, user, "America/Chicago")
    slack_api.fail_for("chat.postMessage", {"channel": "U_GONE"}, "user_not_found")
    slack_api.fail_for("chat.postMessage", {"channel": "U_INACTIVE"}, "account_inactive")
    monday = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    report = tick(factory, slack_api, monday)
    assert sorted(k.rep_user_id for k in report.skipped) == ["U_GONE", "U_INACTIVE"]
    assert posted(slack_api) == {"U1": 1, "U2": 1}
    tick(factory, slack_api, monday + timedelta(minutes=5))
    assert len(slack_api.calls_to("chat.postMessage")) == 4  # the gone are not retried today
    statuses = {row.rep_user_id: (row.status, row.last_error) for row in deliveries(factory)}
    assert statuses["U_GONE"] == ("skipped", "user_not_found")


def test_a_failed_post_is_retried_on_a_later_tick_the_same_day(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    slack_api.fail_next("chat.postMessage", error="internal_error", status=200)
    monday = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    assert len(tick(factory, slack_api, monday).failed) == 1
    assert posted(slack_api) == {}
    assert len(tick(factory, slack_api, monday + timedelta(minutes=1)).sent) == 1
    tick(factory, slack_api, monday + timedelta(minutes=2))
    assert posted(slack_api) == {"U1": 1}
    (row,) = deliveries(factory)
    assert (row.status, row.attempts) == ("sent", 2)


def wait_for_messages(slack_api: SlackStandIn, user: str, count: int) -> None:
    """A post the client gave up on still lands once the stand-in answers it."""
    deadline = stopwatch.monotonic() + 5
    while len(slack_api.messages_in(user)) < count and stopwatch.monotonic() < deadline:
        stopwatch.sleep(0.05)


def test_a_timed_out_post_that_landed_is_found_in_the_dm_and_never_posted_again(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    slack_api.delay("chat.postMessage", 1.5)
    slow = client_for(slack_api)
    slow.timeout = 1
    monday = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    report = run_digest_tick(factory, lambda team_id: slow, monday)
    assert len(report.unknown) == 1
    slack_api.clear_faults()
    wait_for_messages(slack_api, "U1", 1)
    report = run_digest_tick(factory, lambda team_id: slow, monday + timedelta(minutes=1))
    # Slack did get the first post: it is recorded, and a retry would have been a second.
    assert len(report.sent) == 1
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    (history,) = slack_api.calls_to("conversations.history")
    assert history.args["include_all_metadata"] in (True, "true", "1")
    assert int(history.args["limit"]) <= 20
    (row,) = deliveries(factory)
    (message,) = slack_api.messages_in("U1")
    assert (row.status, row.channel, row.ts) == ("sent", "DU1", message["ts"])
    run_digest_tick(factory, lambda team_id: slow, monday + timedelta(minutes=2))
    assert len(slack_api.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param((502, "<html><body>502 Bad Gateway</body></html>"), id="HTML error page"),
        pytest.param((503, {"ok": False, "error": "service_unavailable"}), id="5xx"),
        pytest.param((200, {"ok": True}), id="ok without ts"),
    ],
)
@pytest.mark.parametrize("landed", [True, False], ids=["it landed", "it did not"])
def test_an_uncertain_post_is_sent_once_whether_or_not_it_landed(
    factory: sessionmaker[Session],
    slack_api: SlackStandIn,
    answer: tuple[int, object],
    landed: bool,
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    status, body = answer
    slack_api.answer_next("chat.postMessage", body, status, performed=landed)  # type: ignore[arg-type]
    monday = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    first = tick(factory, slack_api, monday)
    assert len(first.unknown) == 1 and not first.sent
    (row,) = deliveries(factory)
    assert row.status == "unknown" and row.channel is None and row.ts is None
    assert row.last_error is not None and row.last_error.startswith("outcome unknown")
    second = tick(factory, slack_api, monday + timedelta(minutes=1))
    assert len(second.sent) == 1
    (message,) = slack_api.messages_in("U1")
    assert message["metadata"] == {
        "event_type": "phonetag_digest",
        "event_payload": {"team_id": "T1", "rep_user_id": "U1", "local_date": "2026-11-23"},
    }
    (row,) = deliveries(factory)
    assert (row.status, row.channel, row.ts) == ("sent", "DU1", message["ts"])
    assert len(slack_api.calls_to("chat.postMessage")) == (1 if landed else 2)


def test_a_429_holds_every_post_to_the_workspace_for_its_retry_after(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    for user in ("U1", "U2", "U3", "U4"):
        add_rep(factory, user, "America/Chicago")
    slack_api.fail_next("chat.postMessage", retry_after=1)
    report = run_digest_tick(
        factory,
        lambda team_id: client_for(slack_api),
        datetime(2026, 11, 23, 13, 30, tzinfo=UTC),
        posts_in_flight=4,
    )
    assert len(report.sent) == 4
    calls = slack_api.calls_to("chat.postMessage")
    assert len(calls) == 5 and sum(not call.answered_ok for call in calls) == 1
    assert posted(slack_api) == {"U1": 1, "U2": 1, "U3": 1, "U4": 1}


def test_connection_retries_only_requests_that_never_reached_slack() -> None:
    handler = UnsentRequestRetryHandler(max_retry_count=2)
    request = HttpRequest(method="POST", url="https://slack.com/api/chat.postMessage", headers={})

    def retries(error: Exception) -> bool:
        return handler.can_retry(state=RetryState(), request=request, error=error)

    assert retries(URLError(ConnectionRefusedError()))
    assert not retries(RemoteDisconnected("closed while waiting for the answer"))
    assert not retries(ConnectionResetError())
    assert not retries(TimeoutError())


def test_nothing_due_sends_nothing_unless_the_rep_asked_for_empty_digests(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U_QUIET", "America/Chicago", owes_a_call=False)
    add_rep(factory, "U_WANTS", "America/Chicago", owes_a_call=False, digest_when_empty=True)
    add_rep(factory, "U_PAUSED", "America/Chicago", digest_paused=True)
    monday = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    report = tick(factory, slack_api, monday)
    tick(factory, slack_api, monday + timedelta(hours=3))
    assert posted(slack_api) == {"U_WANTS": 1}
    assert [k.rep_user_id for k in report.empty] == ["U_QUIET"]
    (call,) = slack_api.calls_to("chat.postMessage")
    assert "Nothing due today" in call.args["text"]


def test_a_dry_run_shows_what_is_due_and_sends_and_claims_nothing(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    monday = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    report = run_digest_tick(factory, lambda team_id: client_for(slack_api), monday, dry_run=True)
    assert [k.rep_user_id for k in report.previews] == ["U1"]
    assert slack_api.calls_to("chat.postMessage") == []
    assert deliveries(factory) == []


def test_serve_and_console_tick_every_minute_in_process(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    monday_0731 = datetime(2026, 11, 23, 13, 31, tzinfo=UTC)
    scheduler = start_digest_scheduler(
        factory, lambda team_id: client_for(slack_api), clock=lambda: monday_0731
    )
    try:
        job = scheduler.get_job(DIGEST_JOB)
        assert job is not None and job.next_run_time.second == 0
        job.modify(next_run_time=datetime.now(UTC))  # don't wait for the top of the minute
        deadline = stopwatch.monotonic() + 10
        while not posted(slack_api) and stopwatch.monotonic() < deadline:
            stopwatch.sleep(0.05)
    finally:
        scheduler.shutdown()
    assert posted(slack_api) == {"U1": 1}


def test_pending_days_come_workspace_after_workspace_without_the_taken_ones() -> None:
    day = date(2026, 11, 23)
    keys = [DeliveryKey(f"T{n % 3}", f"U{n}", day) for n in range(90)]
    taken = {keys[0], keys[1]}
    batches = list(pending_batches(keys, taken))
    order = [key for batch in batches for key in batch]
    assert sorted(order) == sorted(set(keys) - taken)
    assert all(len(batch) <= CLAIM_BATCH for batch in batches)
    teams = [key.team_id for key in order]
    # Each workspace's days are together, so a tick holds one workspace's windows at a time.
    assert len([i for i in range(1, len(teams)) if teams[i] != teams[i - 1]]) == 2


def test_a_boxs_tick_processes_start_on_their_own_workspaces_and_each_covers_every_day() -> None:
    day = date(2026, 11, 23)
    keys = [DeliveryKey(f"T{n % 4}", f"U{n}", day) for n in range(100)]
    orders = [
        [key for batch in pending_batches(keys, set(), TickShare(index, 2)) for key in batch]
        for index in range(2)
    ]
    assert [list(dict.fromkeys(key.team_id for key in order)) for order in orders] == [
        # Its own half first; then the other's from the far end, where its owner gets last.
        ["T0", "T1", "T3", "T2"],
        ["T2", "T3", "T1", "T0"],
    ]
    assert all(sorted(order) == sorted(keys) for order in orders)


MONDAY_0730_CHICAGO = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_tick_processes_at_once_send_each_digest_exactly_once(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    users = {f"U{n:03}": f"T{n % 4}" for n in range(120)}
    for user, team in users.items():
        add_rep(factory, user, "America/Chicago", team=team)
    # Slack a little slow, so both ticks are still posting when the other claims.
    slack_api.delay("chat.postMessage", 0.01)

    def tick_share(index: int) -> list[DeliveryKey]:
        report = run_digest_tick(
            factory,
            lambda team_id: client_for(slack_api),
            MONDAY_0730_CHICAGO,
            share=TickShare(index, 2),
        )
        return report.sent

    with ThreadPoolExecutor(2) as ticks:
        sent = [key for keys in ticks.map(tick_share, range(2)) for key in keys]
    assert posted(slack_api) == Counter(users.keys())
    assert Counter(key.rep_user_id for key in sent) == Counter(users.keys())
    assert {row.status for row in deliveries(factory)} == {"sent"}


class EvidenceReads(EvidenceCache):
    """Learned windows as the tick reads them, workspace by workspace."""

    def __init__(self) -> None:
        super().__init__(timedelta(minutes=15))
        self.teams: list[str] = []

    def evidence(self, session: Session, team_id: str, now: datetime):  # type: ignore[no-untyped-def]
        self.teams.append(team_id)
        return super().evidence(session, team_id, now)


def test_a_tick_that_another_beat_to_every_day_sends_nothing_and_reads_no_workspace(
    factory: sessionmaker[Session], slack_api: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(6):
        add_rep(factory, f"U{n}", "America/Chicago", team=f"T{n % 2}")
    first = EvidenceReads()
    run_digest_tick(
        factory, lambda team_id: client_for(slack_api), MONDAY_0730_CHICAGO, evidence=first
    )
    assert sorted(first.teams) == ["T0", "T1"]
    # The second tick looked at the deliveries just before the first claimed them all.
    monkeypatch.setattr(digest_store, "unavailable_deliveries", lambda *_, **__: set())
    second = EvidenceReads()
    report = run_digest_tick(
        factory,
        lambda team_id: client_for(slack_api),
        MONDAY_0730_CHICAGO,
        evidence=second,
        share=TickShare(1, 2),
    )
    assert report.due == 6 and not report.acted
    assert second.teams == []
    assert posted(slack_api) == Counter(f"U{n}" for n in range(6))


def test_a_digest_found_in_the_dm_is_sent_however_many_times_the_dm_could_not_be_read(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    slack_api.answer_next("chat.postMessage", {"ok": True}, performed=True)
    slack_api.fail_next("conversations.history", "internal_error", status=500, times=6)
    now = MONDAY_0730_CHICAGO
    for _ in range(40):
        tick(factory, slack_api, now)
        now += timedelta(minutes=1)
    (row,) = deliveries(factory)
    # Six unreadable DMs cost no attempt, and the one post that landed is recorded.
    assert (row.status, row.attempts, row.failures) == ("sent", 1, 7)
    assert len(slack_api.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize(
    ("landed", "status", "why"),
    [
        (True, "sent", None),
        (False, "missed", "not posted by the cut-off (12:00 on the rep's clock); last error: "),
    ],
    ids=["found in the DM", "not there"],
)
def test_at_the_cut_off_a_digest_in_doubt_is_looked_for_once_more_then_missed(
    factory: sessionmaker[Session],
    slack_api: SlackStandIn,
    landed: bool,
    status: str,
    why: str | None,
) -> None:
    add_rep(factory, "U1", "America/Chicago")
    slack_api.answer_next("chat.postMessage", {"ok": True}, performed=landed)
    tick(factory, slack_api, MONDAY_0730_CHICAGO)
    slack_api.fail_for("conversations.history", {}, "internal_error", status=500)
    noon = MONDAY_0730_CHICAGO + timedelta(hours=4, minutes=30)
    tick(factory, slack_api, noon - timedelta(minutes=10))
    slack_api.clear_faults()
    report = tick(factory, slack_api, noon)
    (row,) = deliveries(factory)
    assert row.status == status
    if why is not None:
        assert row.last_error == why + "outcome unknown: DM not readable: internal_error"
        assert [key.rep_user_id for key in report.missed] == ["U1"]
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    tick(factory, slack_api, noon + timedelta(hours=1))
    assert len(slack_api.calls_to("chat.postMessage")) == 1


def test_a_day_no_tick_reached_before_the_cut_off_is_recorded_missed_not_posted_late(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    add_rep(factory, "U_MORNING", "America/Chicago")
    add_rep(factory, "U_AFTERNOON", "America/Chicago", digest_time="13:00")
    report = run_digest_tick(
        factory,
        lambda team_id: client_for(slack_api),
        MONDAY_0730_CHICAGO + timedelta(hours=5, minutes=30),  # 13:00 in Chicago
        cutoff=time(12),
    )
    assert [key.rep_user_id for key in report.missed] == ["U_MORNING"]
    # A digest set for after the cut-off has until the end of its day.
    assert posted(slack_api) == {"U_AFTERNOON": 1}
    missed = {row.rep_user_id: row for row in deliveries(factory)}["U_MORNING"]
    assert missed.status == "missed"
    assert missed.last_error == (
        "not posted by the cut-off (12:00 on the rep's clock); last error: none, no post was tried"
    )


def test_a_ticks_leases_are_renewed_while_it_runs(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(digest_delivery, "RENEW_EVERY", timedelta(seconds=0.05))
    key = DeliveryKey("T1", "U1", MONDAY_0730_CHICAGO.date())
    with factory.begin() as session:
        digest_store.claim_deliveries(session, [key], "w1", MONDAY_0730_CHICAGO)

    def lease_until() -> datetime:
        (row,) = deliveries(factory)
        assert row.lease_until is not None
        return row.lease_until

    claimed_until = lease_until()
    with digest_delivery.held_leases(factory, "w1"):
        # A busy machine may hold the renewing thread back: wait for it, not for a fixed time.
        deadline = stopwatch.monotonic() + 10
        while (renewed_until := lease_until()) == claimed_until:
            assert stopwatch.monotonic() < deadline, "the lease was never renewed"
            stopwatch.sleep(0.05)
    assert renewed_until > claimed_until
    stopped_at = lease_until()
    stopwatch.sleep(0.2)
    assert lease_until() == stopped_at  # a finished tick renews nothing


def test_only_a_post_whose_request_is_going_out_is_marked_posting(
    factory: sessionmaker[Session], slack_api: SlackStandIn
) -> None:
    for n in range(6):
        add_rep(factory, f"U{n}", "America/Chicago")
    slack_api.delay("chat.postMessage", 0.5)
    with ThreadPoolExecutor(1) as background:
        ticking = background.submit(
            run_digest_tick,
            factory,
            lambda team_id: client_for(slack_api),
            MONDAY_0730_CHICAGO,
            posts_in_flight=1,
        )
        deadline = stopwatch.monotonic() + 10
        while not slack_api.calls_to("chat.postMessage") and stopwatch.monotonic() < deadline:
            stopwatch.sleep(0.01)
        statuses = Counter(row.status for row in deliveries(factory))
        ticking.result()
    # The one request on its way; the others wait their turn claimed, not "posting".
    assert statuses == {"posting": 1, "claimed": 5}
    assert posted(slack_api) == Counter(f"U{n}" for n in range(6))


def test_a_post_whose_claim_the_database_cannot_confirm_waits_for_its_lease_to_lapse(
    factory: sessionmaker[Session], slack_api: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_rep(factory, "U1", "America/Chicago")

    def database_locked(*_: object, **__: object) -> bool:
        raise OperationalError("UPDATE deliveries", {}, Exception("database is locked"))

    real_start, real_clock = digest_store.start_posting, digest_store.database_now
    monkeypatch.setattr(digest_store, "start_posting", database_locked)
    assert not tick(factory, slack_api, MONDAY_0730_CHICAGO).acted
    assert slack_api.calls_to("chat.postMessage") == []
    (row,) = deliveries(factory)
    assert row.status == "claimed"

    monkeypatch.setattr(digest_store, "start_posting", real_start)
    assert not tick(factory, slack_api, MONDAY_0730_CHICAGO + timedelta(minutes=1)).acted
    monkeypatch.setattr(
        digest_store,
        "database_now",
        lambda session: real_clock(session) + digest_store.LEASE + timedelta(seconds=1),
    )
    assert len(tick(factory, slack_api, MONDAY_0730_CHICAGO + timedelta(minutes=2)).sent) == 1
    assert posted(slack_api) == {"U1": 1}
