"""Where a relationship stands, from the calls: each stage from the history that leads to it,
the facts a draft may say, pacing after an unanswered dial, and windows both sides can keep.
Property tests: no fact is claimed that the history does not hold."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.calls import CallLog, DeskHours, Outcome, Prospect, ProspectStatus
from bot.rules.relationship import (
    SILENT_STAGES,
    TALKS,
    Stage,
    next_business_day,
    next_touch_window,
    relationship,
)
from bot.rules.windows import kept_by_both, next_shared_window, windows_on

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
# Monday 30 November 2026, 10:00 in Chicago.
NOW = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
KIM = Prospect(id=1, name="Kim Park", phone="+12125550144", tz="America/New_York")


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def call(outcome: Outcome, at: datetime, follow_up_at: datetime | None = None) -> CallLog:
    return CallLog(outcome, at, follow_up_at=follow_up_at)


def histories(now: datetime) -> dict[Stage, list[CallLog]]:
    """A history that leads to each stage at `now`: the drafts' matrix draws on it too."""

    def ago(**delta: float) -> datetime:
        return now - timedelta(**delta)

    return {
        Stage.NEW: [],
        Stage.ATTEMPTING: [
            call(Outcome.NO_ANSWER, ago(days=3)),
            call(Outcome.VOICEMAIL, ago(days=1)),
        ],
        Stage.RESTING: [call(Outcome.VOICEMAIL, ago(days=d)) for d in (6, 4, 2)],
        Stage.OWED_RETURN_CALL: [call(Outcome.INBOUND, ago(hours=2))],
        Stage.PROMISED_CALLBACK: [call(Outcome.CALLBACK, ago(days=1))],
        Stage.TALKED: [call(Outcome.CONNECTED, ago(days=1))],
        Stage.MEETING_AHEAD: [call(Outcome.MEETING, ago(days=1), now + timedelta(days=3))],
        Stage.MEETING_HELD: [call(Outcome.MEETING, ago(days=5), ago(days=1))],
        Stage.WON: [call(Outcome.WON, ago(days=1))],
        Stage.LOST: [call(Outcome.LOST, ago(days=1))],
        Stage.NOT_INTERESTED: [call(Outcome.NOT_INTERESTED, ago(days=1))],
        Stage.DO_NOT_CALL: [call(Outcome.DNC, ago(days=1))],
        Stage.WRONG_NUMBER: [call(Outcome.WRONG, ago(days=1))],
    }


STAGES = histories(NOW)


@pytest.mark.parametrize("stage", list(Stage))
def test_each_stage_follows_from_its_history(stage: Stage) -> None:
    assert relationship(KIM, STAGES[stage], NOW, CHICAGO).stage is stage


def test_the_facts_are_the_ones_the_history_holds() -> None:
    held = relationship(KIM, STAGES[Stage.MEETING_HELD], NOW, CHICAGO)
    assert held.meeting_at == ago(days=1) and held.meeting_held
    assert held.talked_on == ago(days=5)
    ahead = relationship(KIM, STAGES[Stage.MEETING_AHEAD], NOW, CHICAGO)
    assert not ahead.meeting_held and ahead.meeting_at == NOW + timedelta(days=3)
    assert ahead.earliest_call == NOW + timedelta(days=3)
    owed = relationship(KIM, STAGES[Stage.OWED_RETURN_CALL], NOW, CHICAGO)
    assert owed.they_called_on == ago(hours=2) and owed.talked_on is None
    assert owed.earliest_call == NOW
    promised = relationship(KIM, STAGES[Stage.PROMISED_CALLBACK], NOW, CHICAGO)
    assert promised.promised_on == ago(days=1)


def test_a_meeting_without_a_time_is_not_taken_as_held() -> None:
    booked = [call(Outcome.MEETING, ago(days=5))]
    assert relationship(KIM, booked, NOW, CHICAGO).stage is Stage.MEETING_AHEAD


def test_phone_tag_takes_a_second_unanswered_dial() -> None:
    first = [call(Outcome.VOICEMAIL, ago(days=2))]
    assert not relationship(KIM, first, NOW, CHICAGO).phone_tag
    second = [*first, call(Outcome.NO_ANSWER, ago(days=1))]
    assert relationship(KIM, second, NOW, CHICAGO).phone_tag
    # A conversation since starts the count again.
    talked = [*second, call(Outcome.CONNECTED, ago(hours=3)), call(Outcome.VOICEMAIL, ago(hours=1))]
    assert relationship(KIM, talked, NOW, CHICAGO).unanswered_dials == 1


def test_closed_and_wrong_number_prospects_have_no_next_call_and_a_line_instead() -> None:
    for stage in SILENT_STAGES:
        standing = relationship(KIM, STAGES[stage], NOW, CHICAGO)
        assert standing.silent and standing.earliest_call is None
        assert standing.instead and "\n" not in standing.instead
    assert "right one" in (
        relationship(KIM, STAGES[Stage.WRONG_NUMBER], NOW, CHICAGO).instead or ""
    )


def test_a_prospect_marked_wrong_number_is_silent_without_a_wrong_call() -> None:
    marked = Prospect(id=2, name="Al Bad", status=ProspectStatus.WRONG_NUMBER)
    assert relationship(marked, [], NOW, CHICAGO).stage is Stage.WRONG_NUMBER


def test_after_a_voicemail_the_next_try_is_a_later_business_day() -> None:
    # Friday 4:35 p.m. Chicago: not today at 5:30, not the weekend, but Monday.
    friday = datetime(2026, 11, 27, 16, 35, tzinfo=CHICAGO)
    standing = relationship(KIM, [call(Outcome.VOICEMAIL, friday)], friday, CHICAGO)
    assert standing.earliest_call == datetime(2026, 11, 30, tzinfo=NEW_YORK)


def test_an_email_to_send_first_plans_no_dial() -> None:
    spent = [call(Outcome.NO_ANSWER, ago(days=d)) for d in (9, 7, 5)]
    standing = relationship(KIM, spent, NOW, CHICAGO)
    assert standing.stage is Stage.ATTEMPTING and standing.earliest_call is None


def test_the_next_window_after_a_voicemail_is_another_part_of_the_day() -> None:
    # Voicemail Monday 4:35 p.m. Chicago (5:35 p.m. in New York, their after-5:30 window).
    at = datetime(2026, 11, 30, 16, 35, tzinfo=CHICAGO)
    standing = relationship(KIM, [call(Outcome.VOICEMAIL, at)], at, CHICAGO)
    window = next_touch_window(standing, KIM, CHICAGO)
    assert window is not None
    assert window.start.date() == datetime(2026, 12, 1).date()
    assert window.label != "after 5:30"


def test_a_london_window_in_the_reps_night_is_never_offered() -> None:
    eve = Prospect(id=3, name="Eve Clarke", tz="Europe/London")
    standing = relationship(eve, [], NOW, CHICAGO)
    window = next_touch_window(standing, eve, CHICAGO)
    assert window is not None
    rep_start, rep_end = window.start.astimezone(CHICAGO), window.end.astimezone(CHICAGO)
    assert time(7) <= rep_start.time() and rep_end.time() <= time(19)
    assert window.label == "after 5:30"


def test_a_new_york_morning_is_cut_to_what_a_chicago_rep_can_keep() -> None:
    window = windows_on(datetime(2026, 12, 1).date(), NEW_YORK)[0]  # 7:00-8:30 New York
    kept = kept_by_both(window, CHICAGO)
    assert kept is not None
    assert (kept.start.time(), kept.end.time()) == (time(8), time(8, 30))
    early = DeskHours(time(8), time(17))
    assert kept_by_both(window, CHICAGO, early) is None


def test_no_window_is_offered_on_the_reps_public_holiday() -> None:
    thanksgiving = datetime(2026, 11, 26).date()
    window = next_shared_window(
        LONDON, CHICAGO, datetime(2026, 11, 26, 0, tzinfo=CHICAGO), rep_closed={thanksgiving}
    )
    assert window is not None and window.start.astimezone(CHICAGO).date() > thanksgiving


def test_next_business_day_skips_the_weekend_and_holidays() -> None:
    friday = datetime(2026, 12, 4, 15, tzinfo=NEW_YORK)
    closed = {datetime(2026, 12, 7).date()}
    assert next_business_day(friday, NEW_YORK, closed) == datetime(2026, 12, 8, tzinfo=NEW_YORK)


# --- properties: nothing is claimed that the history does not hold ------------------------------

calls = st.lists(
    st.builds(
        CallLog,
        outcome=st.sampled_from(list(Outcome)),
        at=st.integers(min_value=1, max_value=60 * 24 * 40).map(
            lambda m: NOW - timedelta(minutes=m)
        ),
        notes=st.just(""),
        follow_up_at=st.one_of(
            st.none(),
            st.integers(min_value=-60 * 24 * 20, max_value=60 * 24 * 20).map(
                lambda m: NOW + timedelta(minutes=m)
            ),
        ),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(calls)
def test_every_fact_named_is_in_the_history(history: list[CallLog]) -> None:
    standing = relationship(KIM, history, NOW, CHICAGO)
    moments = {(log.outcome, log.at) for log in history}
    if standing.talked_on is not None:
        assert any((o, standing.talked_on) in moments for o in TALKS)
    if standing.they_called_on is not None:
        assert (Outcome.INBOUND, standing.they_called_on) in moments
    if standing.promised_on is not None:
        assert (Outcome.CALLBACK, standing.promised_on) in moments
    if standing.meeting_held:
        assert standing.meeting_at is not None and standing.meeting_at <= NOW
        assert any(
            log.outcome is Outcome.MEETING and log.follow_up_at == standing.meeting_at
            for log in history
        )
    if standing.stage in (Stage.TALKED, Stage.MEETING_HELD, Stage.PROMISED_CALLBACK):
        assert standing.talked_on is not None
    unanswered = sum(
        1
        for log in history
        if log.outcome in (Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.GATEKEEPER)
    )
    assert standing.unanswered_dials <= unanswered


@settings(max_examples=200, deadline=None)
@given(calls)
def test_no_dial_is_planned_before_now_or_for_the_silent(history: list[CallLog]) -> None:
    standing = relationship(KIM, history, NOW, CHICAGO)
    if standing.silent:
        assert standing.earliest_call is None
    elif standing.earliest_call is not None:
        assert standing.earliest_call >= NOW
        if standing.last_try is not None:
            assert (
                standing.earliest_call.astimezone(NEW_YORK).date()
                > standing.last_try.astimezone(NEW_YORK).date()
            )
        window = next_touch_window(standing, KIM, CHICAGO)
        assert window is not None
        rep_start = window.start.astimezone(CHICAGO)
        assert time(7) <= rep_start.time() and window.end.astimezone(CHICAGO).time() <= time(19)
        assert rep_start.weekday() < 5
