"""Cadence rules at their edges: the day a voicemail leaves the window, the day a lay-off ends,
the dial that spends the budget."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.rules.cadence import (
    CadenceRules,
    NextStep,
    attempt_budget,
    business_days_after,
    cadence_state,
)
from bot.rules.calls import CallLog, Outcome, Prospect
from bot.rules.public_holidays import closed_days

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
# Mon Nov 16 2020, 10:00 in New York: "day 1" of most scenarios below.
T0 = datetime(2020, 11, 16, 10, 0, tzinfo=NY)
BIG = 100_000  # a deal whose budget (27) never interferes with the rule under test


def day(n: int, hour: int = 10, minute: int = 0) -> datetime:
    """Day n of the scenario, counting T0 as day 1, at a New York wall-clock time."""
    return (T0 + timedelta(days=n - 1)).replace(hour=hour, minute=minute)


def logs(*entries: tuple[Outcome, datetime]) -> list[CallLog]:
    return [CallLog(outcome=o, at=at) for o, at in entries]


VM, NA, CONN = Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.CONNECTED


# --- voicemail window and cap ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("vm_days", "now", "step", "in_window", "phrase"),
    [
        ([1], day(1, 11), NextStep.CALL, 1, "Voicemail 1 of 3 in this 10-day window."),
        ([1, 3], day(3, 11), NextStep.CALL, 2, "Voicemail 2 of 3 in this 10-day window."),
        # 3rd voicemail inside the window reaches the cap: email instead.
        ([1, 3, 5], day(5, 11), NextStep.EMAIL, 3, "3 voicemails in 10 days: lay off calls"),
        # Day 10 is still inside the window started on day 1 ...
        ([1, 2, 10], day(10, 11), NextStep.EMAIL, 3, "3 voicemails in 10 days"),
        # ... day 11 is outside: the day-1 voicemail no longer counts.
        ([1, 2, 11], day(11, 11), NextStep.CALL, 2, "Voicemail 2 of 3"),
        # A 4th voicemail inside the window is over the cap.
        ([1, 2, 3, 4], day(4, 11), NextStep.EMAIL, 4, "4 voicemails in 10 days is over the cap"),
    ],
)
def test_voicemail_cap(
    vm_days: list[int], now: datetime, step: NextStep, in_window: int, phrase: str
) -> None:
    history = logs(*((VM, day(d)) for d in vm_days))
    state = cadence_state(history, BIG, now, NY)
    assert state.next_step is step
    assert state.voicemails_in_window == in_window
    assert state.voicemail_cap == 3
    assert phrase in state.rule


@pytest.mark.parametrize(
    ("now", "in_window"),
    [
        (T0 + timedelta(days=10) - timedelta(seconds=1), 1),
        (T0 + timedelta(days=10), 0),
    ],
)
def test_window_is_elapsed_time(now: datetime, in_window: int) -> None:
    assert cadence_state(logs((VM, T0)), BIG, now, NY).voicemails_in_window == in_window


def test_fourth_voicemail_restarts_the_lay_off() -> None:
    history = logs((VM, day(1)), (VM, day(2)), (VM, day(3)), (VM, day(4)))
    assert cadence_state(history, BIG, day(4, 11), NY).laid_off_until == day(4) + timedelta(30)


@pytest.mark.parametrize(
    ("now", "step", "laid_off"),
    [
        (day(3, 11), NextStep.EMAIL, True),  # day 1 of the lay-off
        (day(32), NextStep.EMAIL, True),  # day 30 of the lay-off
        (day(33) - timedelta(minutes=1), NextStep.EMAIL, True),
        (day(33), NextStep.CALL, False),  # day 31: calls resume
        (day(40), NextStep.CALL, False),
    ],
)
def test_lay_off_lasts_thirty_days(now: datetime, step: NextStep, laid_off: bool) -> None:
    history = logs((VM, day(1)), (VM, day(2)), (VM, day(3)))
    state = cadence_state(history, BIG, now, NY)
    assert state.next_step is step
    assert state.laid_off_until == (day(33) if laid_off else None)


def test_lay_off_rule_names_the_end_date_in_the_reps_zone() -> None:
    # The lay-off ends at 00:30 on Sat Dec 26 in New York, still Fri Dec 25 in Los Angeles.
    history = logs(*((VM, datetime(2020, 11, d, 0, 30, tzinfo=NY)) for d in (24, 25, 26)))
    now = datetime(2020, 11, 27, tzinfo=NY)
    ny, la = cadence_state(history, BIG, now, NY), cadence_state(history, BIG, now, LA)
    assert "lay off calls until Sat Dec 26 and send an email instead." in ny.rule
    assert "until Fri Dec 25" in la.rule


def test_email_sent_during_lay_off_means_just_wait() -> None:
    history = logs((VM, day(1)), (VM, day(2)), (VM, day(3)), (Outcome.EMAIL, day(3, 12)))
    state = cadence_state(history, BIG, day(5), NY)
    assert state.next_step is NextStep.LAY_OFF
    assert "email is sent: no calls until" in state.rule
    # An email sent before the cap was reached does not count as the lay-off email.
    earlier = logs((VM, day(1)), (Outcome.EMAIL, day(1, 12)), (VM, day(2)), (VM, day(3)))
    assert cadence_state(earlier, BIG, day(5), NY).next_step is NextStep.EMAIL


def test_conversation_clears_voicemail_count_and_lay_off() -> None:
    history = logs((VM, day(1)), (VM, day(2)), (VM, day(3)), (CONN, day(4)), (VM, day(5)))
    state = cadence_state(history, BIG, day(5, 11), NY)
    assert state.next_step is NextStep.CALL
    assert state.laid_off_until is None
    assert state.voicemails_in_window == 1
    assert "Voicemail 1 of 3" in state.rule


def test_history_order_does_not_matter() -> None:
    history = logs((VM, day(1)), (NA, day(2)), (VM, day(3)), (VM, day(4)), (CONN, day(0)))
    expected = cadence_state(history, BIG, day(5), NY)
    shuffled = history[:]
    random.Random(7).shuffle(shuffled)
    assert cadence_state(shuffled, BIG, day(5), NY) == expected
    assert expected.next_step is NextStep.EMAIL


# --- attempt budget -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "budget"),
    [
        (None, 3),
        (-5, 2),
        (0, 2),
        (100, 2),
        (500, 2),
        (1_000, 3),
        (5_000, 11),
        (10_000, 15),
        (12_000, 16),
        (100_000, 27),
        (1_000_000, 30),
    ],
)
def test_budget_values(value: int | None, budget: int) -> None:
    assert attempt_budget(value, CadenceRules()) == budget


def test_budget_is_monotone() -> None:
    values = [round(10 ** (k / 20)) for k in range(0, 141)] + list(range(0, 300_000, 997))
    budgets = [attempt_budget(v, CadenceRules()) for v in sorted(values)]
    assert budgets == sorted(budgets)
    assert budgets[0] == 2 and budgets[-1] == 30


def test_budget_follows_workspace_parameters() -> None:
    rules = CadenceRules.from_mapping({"budget_at_reference": 5, "budget_per_tenfold": 6})
    assert attempt_budget(1_000, rules) == 5
    assert attempt_budget(10_000, rules) == 11


@pytest.mark.parametrize(
    ("dials", "value", "step", "phrase"),
    [
        (2, 1_000, NextStep.CALL, "Attempt 2 of 3 budgeted for a $1,000 deal."),
        (3, 1_000, NextStep.EMAIL, "Attempt budget spent: 3 of 3 dials for a $1,000 deal"),
        (5, 12_000, NextStep.CALL, "Attempt 5 of 16 budgeted for a $12,000 deal."),
        (5, 8_000, NextStep.CALL, "budgeted for an $8,000 deal."),
        (1, None, NextStep.CALL, "Attempt 1 of 3 budgeted for a deal of unknown value"),
        (15, 10_000, NextStep.EMAIL, "15 of 15 dials"),
    ],
)
def test_budget_spent_switches_to_email(
    dials: int, value: int | None, step: NextStep, phrase: str
) -> None:
    history = logs(*((NA, T0 + timedelta(hours=h)) for h in range(dials)))
    state = cadence_state(history, value, T0 + timedelta(hours=dials), NY)
    assert state.attempts == dials
    assert state.next_step is step
    assert phrase in state.rule


@pytest.mark.parametrize(
    ("outcomes", "attempts"),
    [
        ([NA, NA, CONN], 0),
        ([NA, NA, CONN, NA], 1),
        ([NA, Outcome.MEETING, NA, Outcome.GATEKEEPER], 2),
        ([NA, NA, Outcome.INBOUND, Outcome.VOICEMAIL], 1),
        # Emails are not dials.
        ([NA, Outcome.EMAIL, NA], 2),
    ],
)
def test_attempts_reset_after_a_conversation(outcomes: list[Outcome], attempts: int) -> None:
    history = logs(*((o, T0 + timedelta(hours=i)) for i, o in enumerate(outcomes)))
    assert cadence_state(history, BIG, T0 + timedelta(days=1), NY).attempts == attempts


def test_no_history_means_call() -> None:
    state = cadence_state([], 10_000, T0, NY)
    assert state.next_step is NextStep.CALL
    assert (state.attempts, state.budget) == (0, 15)
    assert "15 attempts budgeted" in state.rule


# --- inbound calls and callback promises ----------------------------------------------------


def test_inbound_call_owes_a_return_call_within_24_hours() -> None:
    inbound = datetime(2020, 11, 23, 15, 15, tzinfo=NY)  # Mon 3:15 PM
    state = cadence_state(logs((Outcome.INBOUND, inbound)), BIG, inbound, NY)
    assert state.next_step is NextStep.RETURN_CALL
    assert state.return_call_due == inbound + timedelta(hours=24)
    assert state.rule == "They called you: return the call by Tue 3:15 PM (within 24 hours)."


def test_overdue_return_call_is_still_owed() -> None:
    history = logs((Outcome.INBOUND, T0))
    state = cadence_state(history, BIG, T0 + timedelta(days=2), NY)
    assert state.next_step is NextStep.RETURN_CALL
    assert "was due Tue 10:00 AM" in state.rule


@pytest.mark.parametrize("reply", [NA, VM, CONN])
def test_return_call_cleared_by_a_later_dial(reply: Outcome) -> None:
    history = logs((Outcome.INBOUND, T0), (reply, T0 + timedelta(hours=2)))
    state = cadence_state(history, BIG, T0 + timedelta(hours=3), NY)
    assert state.next_step is not NextStep.RETURN_CALL
    assert state.return_call_due is None


def test_their_call_during_a_lay_off_is_returned_and_ends_it() -> None:
    history = logs((VM, day(1)), (VM, day(2)), (VM, day(3)), (Outcome.INBOUND, day(4)))
    state = cadence_state(history, 1_000, day(4, 11), NY)
    assert (state.next_step, state.laid_off_until) == (NextStep.RETURN_CALL, None)


# Fri Nov 20 2020 10:00: three business days later is Wed Nov 25, not Mon Nov 23.
PROMISE = datetime(2020, 11, 20, 10, 0, tzinfo=NY)


@pytest.mark.parametrize(
    ("now", "step", "phrase"),
    [
        (
            PROMISE + timedelta(hours=1),
            NextStep.WAIT_FOR_CALLBACK,
            "They promised to call back; chase it on Wed Nov 25 if they haven't (3 business days).",
        ),
        (
            datetime(2020, 11, 25, 9, 59, tzinfo=NY),
            NextStep.WAIT_FOR_CALLBACK,
            "chase it on Wed Nov 25",
        ),
        (
            datetime(2020, 11, 25, 10, 0, tzinfo=NY),
            NextStep.CHASE_CALLBACK,
            "promised to call back by Wed Nov 25 (3 business days) and haven't",
        ),
    ],
)
def test_callback_promise(now: datetime, step: NextStep, phrase: str) -> None:
    state = cadence_state(logs((Outcome.CALLBACK, PROMISE)), BIG, now, NY)
    assert state.next_step is step
    assert state.callback_due == datetime(2020, 11, 25, 10, 0, tzinfo=NY)
    assert phrase in state.rule


def test_callback_cleared_by_a_later_dial() -> None:
    history = logs((Outcome.CALLBACK, PROMISE), (NA, PROMISE + timedelta(days=5)))
    state = cadence_state(history, BIG, PROMISE + timedelta(days=6), NY)
    assert (state.next_step, state.callback_due) == (NextStep.CALL, None)


def test_callback_kept_by_their_call_becomes_a_return_call() -> None:
    history = logs((Outcome.CALLBACK, PROMISE), (Outcome.INBOUND, PROMISE + timedelta(days=1)))
    state = cadence_state(history, BIG, PROMISE + timedelta(days=1, hours=1), NY)
    assert (state.next_step, state.callback_due) == (NextStep.RETURN_CALL, None)


@pytest.mark.parametrize(
    ("start", "days", "tz", "due"),
    [
        # Mon -> Thu, Thu -> Tue, Fri -> Wed, Sat and Sun -> Wed.
        (datetime(2020, 11, 16, 9, tzinfo=NY), 3, NY, datetime(2020, 11, 19, 9, tzinfo=NY)),
        (datetime(2020, 11, 19, 9, tzinfo=NY), 3, NY, datetime(2020, 11, 24, 9, tzinfo=NY)),
        (datetime(2020, 11, 20, 9, tzinfo=NY), 3, NY, datetime(2020, 11, 25, 9, tzinfo=NY)),
        (datetime(2020, 11, 21, 9, tzinfo=NY), 3, NY, datetime(2020, 11, 25, 9, tzinfo=NY)),
        (datetime(2020, 11, 22, 9, tzinfo=NY), 3, NY, datetime(2020, 11, 25, 9, tzinfo=NY)),
        (datetime(2020, 11, 20, 9, tzinfo=NY), 1, NY, datetime(2020, 11, 23, 9, tzinfo=NY)),
        # Fri 22:00 in New York is already Saturday in UTC: the weekend is the rep's.
        (datetime(2020, 11, 20, 22, tzinfo=NY), 1, NY, datetime(2020, 11, 24, 3, tzinfo=UTC)),
        (datetime(2020, 11, 20, 22, tzinfo=NY), 1, UTC, datetime(2020, 11, 23, 3, tzinfo=UTC)),
        # Across the end of daylight saving time the wall-clock time is kept.
        (datetime(2020, 10, 30, 10, tzinfo=NY), 3, NY, datetime(2020, 11, 4, 15, tzinfo=UTC)),
    ],
)
def test_business_days_after(start: datetime, days: int, tz: ZoneInfo, due: datetime) -> None:
    assert business_days_after(start, days, tz) == due


def test_business_days_after_rejects_zero() -> None:
    with pytest.raises(ValueError):
        business_days_after(T0, 0, NY)


# --- closed and wrong numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("latest", "step", "phrase"),
    [
        (Outcome.WON, NextStep.CLOSED, "Won: no more calls."),
        (Outcome.LOST, NextStep.CLOSED, "Lost: no more calls."),
        (Outcome.NOT_INTERESTED, NextStep.CLOSED, "Not interested on Thu Nov 19: no calls"),
        (Outcome.DNC, NextStep.CLOSED, "Do not call: no more calls, ever."),
        (Outcome.WRONG, NextStep.FIX_NUMBER, "Wrong number: find the right number"),
        (Outcome.MEETING, NextStep.FOLLOW_UP_MEETING, "Meeting set, no time given: follow up"),
    ],
)
def test_latest_outcome_closes_or_flags(latest: Outcome, step: NextStep, phrase: str) -> None:
    history = logs((Outcome.INBOUND, day(1)), (VM, day(2)), (VM, day(3)), (latest, day(4)))
    state = cadence_state(history, BIG, day(5), NY)
    assert state.next_step is step
    assert phrase in state.rule


def test_wrong_number_fixed_by_a_later_connect() -> None:
    history = logs((Outcome.WRONG, day(1)), (CONN, day(2)))
    state = cadence_state(history, BIG, day(3), NY)
    assert state.next_step is NextStep.FOLLOW_UP
    assert not state.closed


# --- the plan follows the conversation ------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "due", "phrase"),
    [
        # Talked Monday: Wednesday is two business days on, never Tuesday morning.
        (
            day(2, 7),
            False,
            "You talked on Mon Nov 16: follow up on Wed Nov 18 (2 business days on).",
        ),
        (day(2, 23, 59), False, "follow up on Wed Nov 18"),
        (day(3, 0, 0), True, "Follow up on your conversation of Mon Nov 16"),
        (day(3, 7), True, "pick up where you left off."),
    ],
)
def test_a_conversation_is_followed_up_two_business_days_on(
    now: datetime, due: bool, phrase: str
) -> None:
    state = cadence_state(logs((CONN, day(1, 15))), BIG, now, NY)
    assert state.next_step is NextStep.FOLLOW_UP
    assert state.not_before == datetime(2020, 11, 18, tzinfo=NY)
    assert state.due(now) is due
    assert phrase in state.rule


def test_a_conversation_on_friday_is_followed_up_on_tuesday() -> None:
    friday = datetime(2020, 11, 20, 16, 0, tzinfo=NY)
    state = cadence_state(logs((CONN, friday)), BIG, friday, NY)
    assert state.not_before == datetime(2020, 11, 24, tzinfo=NY)
    assert "follow up on Tue Nov 24" in state.rule


def test_an_agreed_time_after_a_conversation_is_the_follow_up() -> None:
    agreed = datetime(2020, 11, 24, 8, 0, tzinfo=NY)
    history = [CallLog(CONN, day(1, 15), follow_up_at=agreed)]
    state = cadence_state(history, BIG, day(2), NY)
    assert state.next_step is NextStep.FOLLOW_UP
    assert state.not_before == datetime(2020, 11, 24, tzinfo=NY)
    assert state.rule == "You talked on Mon Nov 16: call again Tue Nov 24, 8:00 AM, as you agreed."
    assert state.due(datetime(2020, 11, 24, 7, 30, tzinfo=NY))


def test_the_follow_up_setting_is_the_workspaces() -> None:
    rules = CadenceRules(follow_up_business_days=4)
    state = cadence_state(logs((CONN, day(1, 15))), BIG, day(2), NY, rules)
    assert state.not_before == datetime(2020, 11, 20, tzinfo=NY)


@pytest.mark.parametrize(
    ("now", "step", "phrase"),
    [
        (day(3, 7), NextStep.AWAIT_MEETING, "Meeting set for Thu Nov 19, 10:00 AM: no calls"),
        (day(4, 9, 59), NextStep.AWAIT_MEETING, "follow up after it."),
        (
            day(4, 10),
            NextStep.FOLLOW_UP_MEETING,
            "Follow up on the meeting of Thu Nov 19, 10:00 AM",
        ),
        (day(9), NextStep.FOLLOW_UP_MEETING, "agree the next step."),
    ],
)
def test_a_meeting_keeps_them_off_the_list_until_it_has_passed(
    now: datetime, step: NextStep, phrase: str
) -> None:
    meeting = day(4, 10)
    history = [CallLog(Outcome.MEETING, day(1), follow_up_at=meeting)]
    state = cadence_state(history, BIG, now, NY)
    assert state.next_step is step
    assert state.due(now) is (step is NextStep.FOLLOW_UP_MEETING)
    assert phrase in state.rule


def test_an_email_after_a_meeting_does_not_undo_the_plan() -> None:
    history = [
        CallLog(Outcome.MEETING, day(1), follow_up_at=day(4, 10)),
        CallLog(Outcome.EMAIL, day(2)),
    ]
    assert cadence_state(history, BIG, day(3), NY).next_step is NextStep.AWAIT_MEETING


@pytest.mark.parametrize("latest", [Outcome.WON, Outcome.LOST, Outcome.DNC])
def test_closed_stays_closed(latest: Outcome) -> None:
    state = cadence_state(logs((latest, day(1))), BIG, day(1000), NY)
    assert state.closed
    assert not state.due(day(1000))


def test_not_interested_comes_back_after_its_rest_with_the_reason() -> None:
    history = [CallLog(Outcome.NOT_INTERESTED, day(1), notes="budget frozen till spring.")]
    resting = cadence_state(history, BIG, day(90), NY)
    assert resting.closed
    assert resting.rule == (
        "Not interested on Mon Nov 16 (“budget frozen till spring”): no calls; worth one more"
        " try from Mon Feb 15."  # 90 days on is a Sunday: nobody retries at the weekend
    )
    assert cadence_state(history, BIG, day(91), NY).closed  # Sunday Feb 14
    back = cadence_state(history, BIG, day(92), NY)
    assert back.next_step is NextStep.CALL
    assert back.rule == (
        "Not interested on Mon Nov 16 (“budget frozen till spring”), 90 days ago: worth one"
        " more try, with something new."
    )
    shorter = CadenceRules(not_interested_rest=timedelta(days=30))
    assert cadence_state(history, BIG, day(31), NY, shorter).next_step is NextStep.CALL


def test_a_spent_budget_and_an_email_rest_a_month_then_two_fresh_attempts() -> None:
    dials = [(NA, day(n)) for n in range(1, 4)]  # $1,000 buys 3 attempts
    history = logs(*dials, (Outcome.EMAIL, day(4)))
    resting = cadence_state(history, 1_000, day(20), NY)
    assert resting.next_step is NextStep.LAY_OFF
    assert resting.laid_off_until == day(34)
    assert resting.rule == (
        "Attempt budget spent and the email is sent: resting until Sat Dec 19, then 2 fresh"
        " attempts."
    )
    back = cadence_state(history, 1_000, day(34), NY)
    assert (back.next_step, back.attempts, back.budget) == (NextStep.CALL, 0, 2)
    assert back.rule == "Back after a 30-day rest: attempt 1 of 2, so say something new."
    spent = history + logs((NA, day(35)), (NA, day(36)))
    again = cadence_state(spent, 1_000, day(37), NY)
    assert again.next_step is NextStep.EMAIL
    assert "2 of 2 dials" in again.rule
    rested_twice = cadence_state(spent + logs((Outcome.EMAIL, day(37))), 1_000, day(40), NY)
    assert rested_twice.next_step is NextStep.LAY_OFF
    assert rested_twice.laid_off_until == day(67)


def test_deal_phrases_follow_the_workspace_currency() -> None:
    history = logs((NA, day(1)))
    pounds = cadence_state(history, 20_000, day(2), NY, CadenceRules(currency="GBP"))
    assert "budgeted for a £20,000 deal" in pounds.rule
    euros = cadence_state(history, 8_000, day(2), NY, CadenceRules(currency="EUR"))
    assert "an €8,000 deal" in euros.rule
    francs = cadence_state(history, 5_000, day(2), NY, CadenceRules(currency="CHF"))
    assert "a CHF 5,000 deal" in francs.rule
    assert CadenceRules.from_mapping({"currency": "GBP"}).currency == "GBP"
    with pytest.raises(ValueError, match="currency"):
        CadenceRules.from_mapping({"currency": "XYZ"})


# --- workspace rules ------------------------------------------------------------------------


def test_from_mapping_overrides_and_ignores_unknown_keys() -> None:
    rules = CadenceRules.from_mapping(
        {
            "voicemail_cap": 2,
            "voicemail_window_days": 7,
            "layoff_days": 14.5,
            "return_call_hours": 4,
            "callback_business_days": 5,
            "theme": "dark",
        }
    )
    assert rules == CadenceRules(
        voicemail_cap=2,
        voicemail_window=timedelta(days=7),
        layoff=timedelta(days=14, hours=12),
        return_call_within=timedelta(hours=4),
        callback_business_days=5,
    )
    assert CadenceRules.from_mapping({}) == CadenceRules()


@pytest.mark.parametrize(
    "overrides",
    [
        {"voicemail_cap": 0},
        {"voicemail_cap": 2.5},
        {"voicemail_cap": "3"},
        {"voicemail_cap": True},
        {"voicemail_window_days": 0},
        {"layoff_days": -1},
        {"return_call_hours": math.nan},
        {"callback_business_days": None},
        {"budget_floor": 5, "budget_cap": 4},
        {"budget_per_tenfold": -1},
    ],
)
def test_from_mapping_rejects_invalid_values(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CadenceRules.from_mapping(overrides)


def test_custom_rules_drive_the_state_and_sentences() -> None:
    rules = CadenceRules.from_mapping(
        {"voicemail_cap": 2, "voicemail_window_days": 7, "layoff_days": 14}
    )
    one = cadence_state(logs((VM, day(1))), BIG, day(1, 11), NY, rules)
    assert one.rule == "Voicemail 1 of 2 in this 7-day window."
    two = cadence_state(logs((VM, day(1)), (VM, day(7))), BIG, day(7, 11), NY, rules)
    assert two.next_step is NextStep.EMAIL
    assert two.laid_off_until == day(21)
    assert "2 voicemails in 7 days" in two.rule
    apart = cadence_state(logs((VM, day(1)), (VM, day(8))), BIG, day(8, 11), NY, rules)
    assert apart.next_step is NextStep.CALL


def test_a_promise_made_before_thanksgiving_is_chased_a_day_later_in_the_us() -> None:
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=NY)
    us = closed_days(Prospect(id=1, name="Jane Doe", phone="+12125550143"))
    assert business_days_after(monday, 3, NY) == datetime(2026, 11, 26, 10, 0, tzinfo=NY)
    assert business_days_after(monday, 3, NY, us) == datetime(2026, 11, 27, 10, 0, tzinfo=NY)
    thursday = datetime(2026, 11, 26, 12, 0, tzinfo=NY)
    promise = logs((Outcome.CALLBACK, monday))
    assert cadence_state(promise, BIG, thursday, NY).next_step is NextStep.CHASE_CALLBACK
    waiting = cadence_state(promise, BIG, thursday, NY, closed=us)
    assert waiting.next_step is NextStep.WAIT_FOR_CALLBACK
    assert waiting.callback_due == datetime(2026, 11, 27, 10, 0, tzinfo=NY)


def test_a_meeting_without_a_time_is_followed_up_like_a_conversation() -> None:
    state = cadence_state(logs((Outcome.MEETING, day(1, 15))), BIG, day(2), NY)
    assert state.next_step is NextStep.FOLLOW_UP_MEETING
    assert state.not_before == datetime(2020, 11, 18, tzinfo=NY)
    assert not state.due(day(2))
    assert state.rule == (
        "Meeting set, no time given: follow up on it on Wed Nov 18, or give its time with"
        " Set follow-up."
    )
