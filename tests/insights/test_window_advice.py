"""Learned windows in the digest plan: the studies' hours join only once dials back them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.digest import build_digest_message
from bot.insights.digest_plan import ProspectHistory, Section, plan_digest
from bot.insights.rates import CallGrid, Cell, TeamDials
from bot.insights.window_advice import WindowAdvisor
from bot.rules.calls import CallLog, Outcome, Prospect
from tests.blockkit import assert_valid_message

CHICAGO = ZoneInfo("America/Chicago")
SEGMENT = "America/Chicago"
# Monday 23 Nov 2026, 06:00 in Chicago: every window of the day is still ahead.
MONDAY_0600 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def four_pm_history(per_weekday: int, rep: str = "U1") -> TeamDials:
    """`per_weekday` dials per workday at 4 PM (40% connect) and at 7 AM (10%)."""
    dials = []
    for day in range(5):
        dials += [(Cell(day, 16), i % 5 < 2) for i in range(per_weekday)]
        dials += [(Cell(day, 7), i % 10 == 0) for i in range(per_weekday)]
    return TeamDials({(rep, SEGMENT): CallGrid.count(dials)})


def handful_at_four() -> TeamDials:
    """Ten straight connects at 4 PM on Mondays: a lucky streak, not evidence."""
    return TeamDials({("U1", SEGMENT): CallGrid.count([(Cell(0, 16), True)] * 10)})


def due_plan(advisor: WindowAdvisor | None, *history: CallLog):  # type: ignore[no-untyped-def]
    dana = Prospect(id=1, name="Dana Due", tz=SEGMENT)
    return plan_digest(
        rep_tz=CHICAGO,
        now=MONDAY_0600,
        prospects=[ProspectHistory(dana, history)],
        owed_calls=[],
        advisor=advisor,
    )


def test_with_enough_dials_the_digest_moves_the_prospect_to_four_pm_and_says_why() -> None:
    result = due_plan(WindowAdvisor(four_pm_history(60), "U1"))
    (entry,) = result.entries(Section.BEST_WINDOW)
    assert entry.window is not None and entry.window.label == "4–5 PM"
    assert entry.window.start == datetime(2026, 11, 23, 16, 0, tzinfo=CHICAGO)
    assert entry.reason is not None
    assert entry.reason.startswith("4–5 PM their time: ")
    assert "connects over your last 60 dials, vs " in entry.reason
    assert "before 8:30" in entry.reason
    message = build_digest_message(result)
    assert_valid_message(message)
    text = str(message["blocks"])
    assert "At the hour your calls connect best" in text and entry.reason in text


@pytest.mark.parametrize(
    "advisor",
    [
        None,
        WindowAdvisor(TeamDials(), "U1"),
        WindowAdvisor(handful_at_four(), "U1"),
        WindowAdvisor(four_pm_history(60), "U1", learning=False),
    ],
    ids=["no advisor", "no dials", "a handful", "learning off"],
)
def test_without_enough_dials_experience_keeps_the_default_windows(
    advisor: WindowAdvisor | None,
) -> None:
    result = due_plan(advisor)
    assert result.entries(Section.BEST_WINDOW) == ()
    (entry,) = result.entries(Section.BEFORE_830)
    assert entry.reason is not None and "experience says" in entry.reason
    assert "4–5 PM" not in entry.reason and "8–9 AM" not in entry.reason


def test_the_team_s_dials_speak_for_a_rep_with_none_of_their_own() -> None:
    result = due_plan(WindowAdvisor(four_pm_history(60, rep="U2"), "U1"))
    (entry,) = result.entries(Section.BEST_WINDOW)
    assert entry.reason is not None and "over your team's last 60 dials" in entry.reason


def test_a_prospect_last_tried_at_four_gets_another_time_of_day() -> None:
    last_friday_at_four = datetime(2026, 11, 20, 16, 20, tzinfo=CHICAGO)
    result = due_plan(
        WindowAdvisor(four_pm_history(60), "U1"),
        CallLog(Outcome.NO_ANSWER, last_friday_at_four),
    )
    assert result.entries(Section.BEST_WINDOW) == ()
    (entry,) = result.entries(Section.BEFORE_830)
    assert entry.last_tried == "4–5 PM"


def test_a_shared_reason_is_said_once_per_section() -> None:
    prospects = [
        ProspectHistory(Prospect(id=n, name=f"Prospect {n}", tz=SEGMENT)) for n in range(3)
    ]
    result = plan_digest(rep_tz=CHICAGO, now=MONDAY_0600, prospects=prospects, owed_calls=[])
    reason = result.entries(Section.BEFORE_830)[0].reason
    assert reason is not None
    assert str(build_digest_message(result)["blocks"]).count(reason) == 1


def test_proposals_take_the_best_window_of_the_next_open_day() -> None:
    advisor = WindowAdvisor(four_pm_history(60), "U1")
    # Saturday: Monday is the next day with windows, and 4 PM is its best.
    saturday = datetime(2026, 11, 21, 9, 0, tzinfo=CHICAGO)
    advised = advisor.advise(CHICAGO, SEGMENT, saturday)
    assert advised is not None
    assert advised.window.start == datetime(2026, 11, 23, 16, 0, tzinfo=CHICAGO)
    # Monday after five: today is over, Tuesday at 4 PM it is.
    evening = datetime(2026, 11, 23, 18, 45, tzinfo=CHICAGO)
    advised = advisor.advise(CHICAGO, SEGMENT, evening)
    assert advised is not None
    assert advised.window.start == datetime(2026, 11, 24, 16, 0, tzinfo=CHICAGO)
