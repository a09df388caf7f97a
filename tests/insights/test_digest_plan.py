"""The digest plan and its Block Kit: who lands in which section, in what order, on which clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from bot import ids
from bot.blocks.digest import build_digest_message
from bot.insights.digest_plan import (
    DigestPlan,
    OwedCall,
    ProspectHistory,
    Section,
    opening_before,
    plan_digest,
)
from bot.rules.cadence import CadenceRules
from bot.rules.calls import WORKING_DAY, CallLog, DeskHours, Outcome, Prospect, ProspectStatus
from tests.blockkit import assert_valid_message

CHICAGO = ZoneInfo("America/Chicago")
# Monday 23 Nov 2026, 07:30 in Chicago (CST): the default digest time.
MONDAY_0730 = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
# Monday 20 Jul 2026, 07:30 in Chicago (CDT): Denver is on MDT, Phoenix stays on MST.
SUMMER_0730 = datetime(2026, 7, 20, 12, 30, tzinfo=UTC)

_ids = count(1)


def prospect(name: str, tz: str | None, value: int | None = None, **fields: object) -> Prospect:
    return Prospect(id=next(_ids), name=name, tz=tz, deal_value=value, **fields)  # type: ignore[arg-type]


def plan(
    *items: Prospect | ProspectHistory,
    owed: tuple[OwedCall, ...] = (),
    now: datetime = MONDAY_0730,
    rep_tz: ZoneInfo = CHICAGO,
    rep_day: DeskHours = WORKING_DAY,
) -> DigestPlan:
    histories = [i if isinstance(i, ProspectHistory) else ProspectHistory(i) for i in items]
    return plan_digest(
        rep_tz=rep_tz, now=now, prospects=histories, owed_calls=owed, rep_day=rep_day
    )


def names(result: DigestPlan, section: Section) -> list[str]:
    return [entry.prospect.name for entry in result.entries(section)]


def text_of(message: dict[str, object]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def test_early_window_is_on_the_prospects_clock_and_sorted_by_when_it_opens_for_the_rep() -> None:
    result = plan(
        prospect("New York", "America/New_York"),
        prospect("Chicago", "America/Chicago", 5_000),
        prospect("Denver small", "America/Denver", 2_000),
        prospect("Denver big", "America/Denver", 90_000),
        prospect("Phoenix", "America/Phoenix", 50_000),
        prospect("Los Angeles", "America/Los_Angeles"),
        prospect("London", "Europe/London"),
        prospect("Toll free", None, 1_000, phone="+18005550199"),
    )
    # 7:30 in Chicago: New York's and London's early windows are over; Chicago's is open.
    # Denver and Phoenix open at 8:00 Chicago time (bigger deal first), Los Angeles at 9:00.
    assert names(result, Section.BEFORE_830) == [
        "Chicago",
        "Toll free",
        "Denver big",
        "Phoenix",
        "Denver small",
        "Los Angeles",
    ]
    # New York's lunch opens at 11:00 Chicago time, London's 5:30 PM at 11:30.
    assert names(result, Section.LUNCH_AND_EVENING) == ["New York", "London"]

    message = build_digest_message(result)
    assert_valid_message(message)
    shown = text_of(message)
    assert "today 7:00–8:30 AM MST (8:00–9:30 AM your time)" in shown
    assert "today 7:00–8:30 AM PST (9:00–10:30 AM your time)" in shown
    assert "today 12:00–1:00 PM EST (11:00 AM–12:00 PM your time)" in shown
    assert "today 5:30–6:30 PM GMT (11:30 AM–12:30 PM your time)" in shown
    assert "today 7:00–8:30 AM (your time and theirs)" in shown


def test_toll_free_number_is_placed_on_the_reps_clock_and_says_so() -> None:
    result = plan(prospect("Acme Desk", None, phone="+18005550199"))
    (entry,) = result.entries(Section.BEFORE_830)
    assert not entry.tz_known
    assert entry.window is not None and entry.window.tz == "America/Chicago"
    assert "time zone is unknown" in text_of(build_digest_message(result))


def test_phoenix_keeps_standard_time_in_summer_while_denver_moves() -> None:
    result = plan(
        prospect("Phoenix", "America/Phoenix"),
        prospect("Denver", "America/Denver"),
        now=SUMMER_0730,
    )
    assert names(result, Section.BEFORE_830) == ["Denver", "Phoenix"]
    shown = text_of(build_digest_message(result))
    assert "7:00–8:30 AM MDT (8:00–9:30 AM your time)" in shown
    assert "7:00–8:30 AM MST (9:00–10:30 AM your time)" in shown


def test_rep_in_kolkata_sees_new_york_mornings_in_their_evening() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    monday_0730_ist = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Sunday 21:00 in New York
    result = plan(prospect("NY", "America/New_York"), now=monday_0730_ist, rep_tz=kolkata)
    (entry,) = result.entries(Section.BEFORE_830)
    shown = text_of(build_digest_message(result))
    assert "today 7:00–8:30 AM EST (5:30–7:00 PM your time)" in shown
    assert entry.window is not None and entry.window.start.weekday() == 0


def test_a_prospect_last_tried_before_830_is_tried_at_lunch_instead() -> None:
    denver = ZoneInfo("America/Denver")
    friday_0745 = datetime(2026, 11, 20, 7, 45, tzinfo=denver)
    tried = ProspectHistory(
        prospect("Tried early", "America/Denver"),
        (CallLog(Outcome.NO_ANSWER, friday_0745),),
    )
    result = plan(tried, prospect("Fresh", "America/Denver"))
    assert names(result, Section.BEFORE_830) == ["Fresh"]
    (entry,) = result.entries(Section.LUNCH_AND_EVENING)
    assert entry.window is not None and entry.window.label == "at lunch"
    assert "Last tried before 8:30" in text_of(build_digest_message(result))


def test_return_calls_come_first_oldest_first_and_overdue_ones_are_flagged() -> None:
    fresh, stale = prospect("Fresh caller", "America/New_York"), prospect("Old caller", None)
    owed = (
        OwedCall(fresh, MONDAY_0730 - timedelta(hours=2), MONDAY_0730 + timedelta(hours=22)),
        OwedCall(stale, MONDAY_0730 - timedelta(hours=30), MONDAY_0730 - timedelta(hours=6)),
    )
    result = plan(fresh, stale, prospect("Someone due", "America/Chicago"), owed=owed)
    assert names(result, Section.RETURN_CALLS) == ["Old caller", "Fresh caller"]
    assert [e.overdue for e in result.entries(Section.RETURN_CALLS)] == [True, False]
    # A prospect owed a return call is listed once, not again under a window.
    assert names(result, Section.BEFORE_830) == ["Someone due"]
    message = build_digest_message(result)
    assert_valid_message(message)
    first_section = next(b for b in message["blocks"] if b["type"] == "section")  # type: ignore[union-attr,index]
    assert "Return calls owed" in first_section["text"]["text"]  # type: ignore[index]
    assert "Overdue" in text_of(message)


def test_voicemail_cap_or_spent_budget_switches_to_email_until_the_email_is_sent() -> None:
    days = [MONDAY_0730 - timedelta(days=d) for d in (6, 4, 2)]
    capped = ProspectHistory(
        prospect("Capped", "America/Chicago", 50_000),
        tuple(CallLog(Outcome.VOICEMAIL, at) for at in days),
    )
    spent = ProspectHistory(
        prospect("Spent", "America/Chicago", 1_000),
        tuple(CallLog(Outcome.NO_ANSWER, at) for at in days),
    )
    spent_and_emailed = ProspectHistory(
        prospect("Emailed", "America/Chicago", 1_000),
        (*spent.history, CallLog(Outcome.EMAIL, MONDAY_0730 - timedelta(days=1))),
    )
    result = plan(spent, capped, spent_and_emailed)
    assert names(result, Section.SWITCH_TO_EMAIL) == ["Capped", "Spent"]
    assert result.entries(Section.BEFORE_830) == ()

    message = build_digest_message(result)
    assert_valid_message(message)
    actions = [b for b in message["blocks"] if b["type"] == "actions"]  # type: ignore[union-attr,index]
    for block in actions:
        action_ids = [e["action_id"] for e in block["elements"]]  # type: ignore[index,union-attr]
        assert action_ids == [ids.DIGEST_LOG_CALL, ids.DIGEST_DRAFT_EMAIL, ids.DIGEST_SNOOZE]


def test_promises_older_than_three_business_days_are_chased() -> None:
    # Tuesday 17 Nov: three business days later is Friday 20 Nov, so it is due on Monday.
    old = ProspectHistory(
        prospect("Old promise", "America/Chicago"),
        (CallLog(Outcome.CALLBACK, datetime(2026, 11, 17, 15, 0, tzinfo=UTC)),),
    )
    # Friday 20 Nov: due Wednesday 25 Nov, not yet.
    recent = ProspectHistory(
        prospect("Recent promise", "America/Chicago"),
        (CallLog(Outcome.CALLBACK, datetime(2026, 11, 20, 15, 0, tzinfo=UTC)),),
    )
    result = plan(old, recent)
    assert names(result, Section.PROMISES) == ["Old promise"]
    assert "Recent promise" not in [e.prospect.name for e in result.all_entries]


def test_snoozed_laid_off_closed_and_later_follow_ups_never_appear() -> None:
    laid_off = ProspectHistory(
        prospect("Laid off", "America/Chicago"),
        (
            *(CallLog(Outcome.VOICEMAIL, MONDAY_0730 - timedelta(days=d)) for d in (6, 4, 2)),
            CallLog(Outcome.EMAIL, MONDAY_0730 - timedelta(days=1)),
        ),
    )
    hidden = [
        prospect("Snoozed", "America/Chicago", snoozed_until=MONDAY_0730 + timedelta(days=2)),
        prospect("Won", "America/Chicago", status=ProspectStatus.WON),
        prospect("Lost", "America/Chicago", status=ProspectStatus.LOST),
        prospect("Do not call", "America/Chicago", status=ProspectStatus.DNC),
        prospect("Next week", "America/Chicago", follow_up_at=MONDAY_0730 + timedelta(days=7)),
    ]
    owed_to_dnc = OwedCall(hidden[3], MONDAY_0730 - timedelta(hours=1), MONDAY_0730)
    result = plan(laid_off, *hidden, owed=(owed_to_dnc,))
    assert result.is_empty
    assert "Nothing due today" in text_of(build_digest_message(result))


def test_snooze_that_has_ended_and_follow_up_reached_bring_a_prospect_back() -> None:
    result = plan(
        prospect("Woke up", "America/Chicago", snoozed_until=MONDAY_0730 - timedelta(hours=1)),
        prospect("Due today", "America/Chicago", follow_up_at=MONDAY_0730 + timedelta(hours=4)),
    )
    assert sorted(names(result, Section.BEFORE_830)) == ["Due today", "Woke up"]


def test_a_long_digest_keeps_the_top_entries_within_50_blocks_and_counts_the_rest() -> None:
    owed_to = [prospect(f"Caller {n:02}", "America/Chicago") for n in range(5)]
    owed = tuple(
        OwedCall(p, MONDAY_0730 - timedelta(hours=10 - n), MONDAY_0730 + timedelta(hours=14 + n))
        for n, p in enumerate(owed_to)
    )
    due = [prospect(f"Prospect {n:02}", "America/Chicago", 1_000 * (100 - n)) for n in range(40)]
    message = build_digest_message(plan(*owed_to, *due, owed=owed))
    assert_valid_message(message)
    blocks = message["blocks"]
    assert isinstance(blocks, list) and len(blocks) == 50
    # Header, 2 titles, 5 return calls and 18 prospects at 2 blocks each, the "more" line.
    assert len([b for b in blocks if b["type"] == "actions"]) == 23
    assert "…and 22 more due today" in blocks[-1]["elements"][0]["text"]
    # The top of the plan survives: every return call, then the biggest deals.
    text = text_of(message)
    assert all(f"Caller {n:02}" in text for n in range(5))
    assert "Prospect 17" in text and "Prospect 18" not in text


def test_a_digest_that_fits_exactly_is_not_cut() -> None:
    # Header, a title and 24 entries of 2 blocks: 50 blocks, nothing hidden.
    due = [prospect(f"Prospect {n:02}", "America/Chicago") for n in range(24)]
    message = build_digest_message(plan(*due))
    assert_valid_message(message)
    assert len(message["blocks"]) == 50  # type: ignore[arg-type]
    assert "more due today" not in text_of(message)


def test_user_text_is_escaped_and_buttons_carry_only_the_prospect_id() -> None:
    sneaky = prospect("<!channel> Jane", "America/Chicago", company="<https://evil|Acme>")
    message = build_digest_message(plan(sneaky))
    assert_valid_message(message)
    text = text_of(message)
    assert "<!channel>" not in text and "<https://evil|Acme>" not in text
    actions = next(b for b in message["blocks"] if b["type"] == "actions")  # type: ignore[union-attr,index]
    buttons, snooze = actions["elements"][:2], actions["elements"][2]  # type: ignore[index]
    assert {e["value"] for e in buttons} == {str(sneaky.id)}
    assert [o["value"] for o in snooze["options"]] == [  # type: ignore[index]
        f"{sneaky.id}:day",
        f"{sneaky.id}:week",
        f"{sneaky.id}:date",
    ]
    assert [e["action_id"] for e in actions["elements"]] == [  # type: ignore[index]
        ids.DIGEST_LOG_CALL,
        ids.DIGEST_DRAFT_VOICEMAIL,
        ids.DIGEST_SNOOZE,
    ]


def test_a_late_digest_lists_only_windows_left_in_the_reps_day() -> None:
    evening = datetime(2026, 11, 24, 0, 45, tzinfo=UTC)  # Monday 18:45 in Chicago
    result = plan(
        prospect("Chicago", "America/Chicago"),
        prospect("Los Angeles", "America/Los_Angeles"),
        now=evening,
    )
    # Chicago's last window closed at 18:30; tomorrow's belongs in tomorrow's digest. Los
    # Angeles' evening is 7:30 p.m. for the rep, after their working day (7 a.m.-7 p.m.).
    assert result.all_entries == []
    late_rep = plan(
        prospect("Los Angeles", "America/Los_Angeles"),
        now=evening,
        rep_day=DeskHours(time(9), time(21)),
    )
    assert [e.prospect.name for e in late_rep.all_entries] == ["Los Angeles"]
    assert "today 5:30–6:30 PM PST (7:30–8:30 PM your time)" in text_of(
        build_digest_message(late_rep)
    )


def test_on_thanksgiving_us_prospects_rest_and_the_rest_of_the_world_is_called() -> None:
    thanksgiving_0730 = MONDAY_0730 + timedelta(days=3)
    result = plan(
        prospect("New York", "America/New_York", phone="+12125550143"),
        prospect("Toronto", "America/Toronto", phone="+14165550143"),
        now=thanksgiving_0730,
    )
    listed = [e.prospect.name for s in Section for e in result.entries(s)]
    assert listed == ["Toronto"]
    assert plan(prospect("New York", "America/New_York", phone="+12125550143")).is_empty is False


# --- the plan follows the conversation ------------------------------------------------------

SUNDAY_NOON = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)


def talked(outcome: Outcome, at: datetime = SUNDAY_NOON, **fields: object) -> ProspectHistory:
    someone = prospect(outcome.value, "America/Chicago", 10_000)
    return ProspectHistory(someone, (CallLog(outcome, at, **fields),))  # type: ignore[arg-type]


def everyone(result: DigestPlan) -> list[str]:
    return [entry.prospect.name for entry in result.all_entries]


def test_a_conversation_is_not_called_the_next_morning_but_two_business_days_on() -> None:
    friday_3pm = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    history = talked(Outcome.CONNECTED, friday_3pm)
    assert everyone(plan(history)) == []  # Monday
    tuesday = plan(history, now=MONDAY_0730 + timedelta(days=1))
    assert everyone(tuesday) == ["connected"]
    [entry] = tuesday.all_entries
    assert "Follow up on your conversation of Fri Nov 20" in text_of(build_digest_message(tuesday))
    assert entry.window is not None and entry.window.start.date().isoformat() == "2026-11-24"


def test_a_meeting_keeps_them_off_until_it_has_passed_then_asks_for_the_follow_up() -> None:
    meeting = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # Monday 10:00 in Chicago
    history = talked(Outcome.MEETING, follow_up_at=meeting)
    assert everyone(plan(history)) == []
    after = plan(history, now=meeting + timedelta(hours=1))
    assert everyone(after) == ["meeting"]
    assert "Follow up on the meeting of Mon Nov 23, 10:00 AM" in text_of(
        build_digest_message(after)
    )


def test_closed_prospects_never_appear_and_not_interested_returns_after_its_rest() -> None:
    for outcome in (Outcome.WON, Outcome.LOST, Outcome.DNC):
        closed = talked(outcome)
        status = ProspectStatus(outcome.value)
        item = ProspectHistory(
            Prospect(id=closed.prospect.id, name="x", status=status), closed.history
        )
        assert everyone(plan(item, now=MONDAY_0730 + timedelta(days=400))) == []
    no = ProspectHistory(
        prospect("Nina", "America/Chicago", status=ProspectStatus.NOT_INTERESTED),
        (CallLog(Outcome.NOT_INTERESTED, SUNDAY_NOON, notes="happy with their vendor"),),
    )
    assert everyone(plan(no, now=MONDAY_0730 + timedelta(days=30))) == []
    back = plan(no, now=MONDAY_0730 + timedelta(days=92))
    assert everyone(back) == ["Nina"]
    assert "(“happy with their vendor”), 90 days ago: worth one more try" in text_of(
        build_digest_message(back)
    )


def test_deal_values_are_shown_in_the_workspace_currency() -> None:
    result = plan_digest(
        rep_tz=CHICAGO,
        now=MONDAY_0730,
        prospects=[ProspectHistory(prospect("Pat", "America/Chicago", 20_000))],
        owed_calls=[],
        rules=CadenceRules(currency="GBP"),
    )
    assert "£20,000" in text_of(build_digest_message(result))


def test_a_chicago_rep_sees_new_york_before_830_at_the_default_digest_time() -> None:
    seven = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # Monday 7:00 in Chicago, 8:00 in NY
    result = plan(prospect("Nina York", "America/New_York"), now=seven)
    assert names(result, Section.BEFORE_830) == ["Nina York"]
    # Cut to what the rep can keep: 8:00–8:30 in New York is 7:00–7:30 in Chicago.
    assert "8:00–8:30 AM EST (7:00–7:30 AM your time)" in text_of(build_digest_message(result))


def test_a_promise_to_call_back_is_chased_from_the_morning_digest_of_its_due_day() -> None:
    made = datetime(2026, 11, 18, 20, 0, tzinfo=UTC)  # Wednesday 2 p.m. in Chicago
    promised = ProspectHistory(
        prospect("Cal Back", "America/Chicago"), [CallLog(Outcome.CALLBACK, made)]
    )
    # Due Monday at 2 p.m. (three business days on): Monday's 7:30 digest lists it.
    assert names(plan(promised), Section.PROMISES) == ["Cal Back"]
    assert plan(promised, now=MONDAY_0730 - timedelta(days=3)).is_empty


def test_a_prospect_tried_this_morning_is_not_offered_again_today() -> None:
    tried = ProspectHistory(
        prospect("Tia Tried", "America/Chicago"),
        [CallLog(Outcome.VOICEMAIL, MONDAY_0730 - timedelta(minutes=20))],
    )
    assert plan(tried, now=MONDAY_0730 + timedelta(hours=4)).is_empty


def test_a_prospect_back_on_wednesday_is_listed_that_morning() -> None:
    monday_0745 = datetime(2026, 11, 23, 13, 45, tzinfo=UTC)  # tried before 8:30, Chicago
    wednesday = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # midnight in Chicago
    back = ProspectHistory(
        prospect("Gil Gate", "America/Chicago", follow_up_at=wednesday),
        [CallLog(Outcome.GATEKEEPER, monday_0745)],
    )
    assert names(plan(back, now=MONDAY_0730 + timedelta(days=2)), Section.BEFORE_830) == [
        "Gil Gate"
    ]


def test_a_heads_up_keeps_only_the_windows_that_open_before_the_digest() -> None:
    at_seven = MONDAY_0730 - timedelta(minutes=30)
    result = plan(
        prospect("New York", "America/New_York"),
        prospect("Chicago", "America/Chicago"),
        prospect("Los Angeles", "America/Los_Angeles"),
        owed=(),
        now=at_seven,
    )
    early = opening_before(result, MONDAY_0730)
    # Chicago's 7:00–8:30 and New York's 7:00–7:30 (Chicago time) open before a 7:30 digest;
    # Los Angeles' opens at 9:00.
    assert names(early, Section.BEFORE_830) == ["Chicago", "New York"]
    assert "Los Angeles" not in [entry.prospect.name for entry in early.all_entries]
    assert opening_before(result, at_seven).is_empty
