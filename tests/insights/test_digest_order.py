"""The digest's order, pinned: sections in the order the rep works, each sorted its own way,
and a long digest cut so the top of that order survives.

One plan has entries in every section, two or more in each, chosen so that any swapped
sections or any lost sort key changes what the rep reads.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.blocks.digest import build_digest_message
from bot.insights.digest_plan import DigestPlan, OwedCall, ProspectHistory, Section, plan_digest
from bot.insights.rates import CallGrid, Cell, TeamDials
from bot.insights.window_advice import WindowAdvisor
from bot.rules.calls import CallLog, Outcome, Prospect
from tests.blockkit import assert_valid_message

CHICAGO = ZoneInfo("America/Chicago")
DENVER = ZoneInfo("America/Denver")
NEW_YORK = ZoneInfo("America/New_York")
# Monday 23 Nov 2026, 06:00 in Chicago: every window of the day is still ahead, and New
# York's early window (6:00 Chicago time) opens before Denver's (8:00).
MONDAY_0600 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LAST_FRIDAY = datetime(2026, 11, 20)

EXPECTED: dict[Section, list[str]] = {
    # Oldest call first, whatever the deal is worth.
    Section.RETURN_CALLS: ["Called first", "Called later"],
    # By when the window opens for the rep, then the bigger deal.
    Section.BEFORE_830: ["NY early", "Denver big", "Denver small"],
    Section.LUNCH_AND_EVENING: ["NY lunch", "Denver lunch big", "Denver lunch small"],
    # Chicago's dials connect best at 4 PM: bigger deal first within the hour.
    Section.BEST_WINDOW: ["Chicago big", "Chicago small"],
    # Bigger deal first.
    Section.SWITCH_TO_EMAIL: ["Capped big", "Spent small"],
    # Due first, before any deal size.
    Section.PROMISES: ["Promised Tuesday", "Promised Wednesday"],
}


def four_pm_in_chicago() -> WindowAdvisor:
    """The team's dials to Chicago connect at 4 PM (40%) far better than at 7 AM (10%)."""
    dials = []
    for day in range(5):
        dials += [(Cell(day, 16), i % 5 < 2) for i in range(60)]
        dials += [(Cell(day, 7), i % 10 == 0) for i in range(60)]
    return WindowAdvisor(TeamDials({("U1", "America/Chicago"): CallGrid.count(dials)}), "U1")


def every_section(extra_early: int = 0) -> DigestPlan:
    """Two or three entries per section, each listed in the reverse of its expected order;
    `extra_early` more Denver prospects worth less than any other, to make the digest long."""
    ids = iter(range(1, 1000))

    def prospect(name: str, tz: str, value: int | None = None) -> Prospect:
        return Prospect(id=next(ids), name=name, tz=tz, deal_value=value)

    def history(p: Prospect, *calls: tuple[Outcome, datetime]) -> ProspectHistory:
        return ProspectHistory(p, tuple(CallLog(outcome, at) for outcome, at in calls))

    def tried_early(zone: ZoneInfo) -> tuple[Outcome, datetime]:
        return Outcome.NO_ANSWER, LAST_FRIDAY.replace(hour=7, minute=45, tzinfo=zone)

    later_caller = prospect("Called later", "America/Chicago", 1_000)
    first_caller = prospect("Called first", "America/Chicago", 900_000)
    owed = (
        OwedCall(later_caller, MONDAY_0600 - timedelta(hours=2), MONDAY_0600 + timedelta(hours=22)),
        OwedCall(first_caller, MONDAY_0600 - timedelta(hours=5), MONDAY_0600 + timedelta(hours=19)),
    )
    voicemails = [MONDAY_0600 - timedelta(days=d) for d in (6, 4, 2)]
    # Tuesday 17 Nov is due Friday 20 Nov; Wednesday 18 Nov at 5 AM is due Monday 5 AM.
    tuesday = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
    wednesday = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)
    prospects = [
        history(later_caller),
        history(first_caller),
        history(prospect("Denver small", "America/Denver", 2_000)),
        history(prospect("Denver big", "America/Denver", 90_000)),
        history(prospect("NY early", "America/New_York", 500)),
        history(prospect("Denver lunch small", "America/Denver", 3_000), tried_early(DENVER)),
        history(prospect("Denver lunch big", "America/Denver", 80_000), tried_early(DENVER)),
        history(prospect("NY lunch", "America/New_York", 100), tried_early(NEW_YORK)),
        history(prospect("Chicago small", "America/Chicago", 4_000)),
        history(prospect("Chicago big", "America/Chicago", 70_000)),
        history(
            prospect("Spent small", "America/Chicago", 1_000),
            *((Outcome.NO_ANSWER, at) for at in voicemails),
        ),
        history(
            prospect("Capped big", "America/Chicago", 50_000),
            *((Outcome.VOICEMAIL, at) for at in voicemails),
        ),
        history(
            prospect("Promised Wednesday", "America/Chicago", 1_000), (Outcome.CALLBACK, wednesday)
        ),
        history(prospect("Promised Tuesday", "America/Chicago", 10), (Outcome.CALLBACK, tuesday)),
        *(history(prospect(f"Extra {n:02}", "America/Denver", 20 - n)) for n in range(extra_early)),
    ]
    return plan_digest(
        rep_tz=CHICAGO,
        now=MONDAY_0600,
        prospects=prospects,
        owed_calls=owed,
        advisor=four_pm_in_chicago(),
    )


def names_in_message(message: dict[str, object]) -> list[str]:
    """Prospect names in the order the rep reads them (each entry's first bold phrase)."""
    names = []
    for block in message["blocks"]:  # type: ignore[attr-defined]
        if block["type"] != "section":
            continue
        text = block["text"]["text"]
        if text.startswith("*"):
            names.append(text[1 : text.index("*", 1)])
    return names


def section_titles_in_message(message: dict[str, object]) -> list[str]:
    return [
        b["text"]["text"].split("*")[1]
        for b in message["blocks"]  # type: ignore[attr-defined]
        if b["type"] == "section" and b["text"]["text"].startswith(":")
    ]


def test_every_section_in_the_order_the_rep_works_and_each_sorted_its_own_way() -> None:
    plan = every_section()
    assert list(plan.sections) == list(EXPECTED)
    assert {s: [e.prospect.name for e in plan.entries(s)] for s in plan.sections} == EXPECTED

    message = build_digest_message(plan)
    assert_valid_message(message)
    assert section_titles_in_message(message) == [
        "Return calls owed",
        "Before 8:30 their time",
        "At lunch (12:00–1:00) and after 5:30 their time",
        "At the hour your calls connect best",
        "Switch to email",
        "Promises to chase",
    ]
    assert names_in_message(message) == [name for names in EXPECTED.values() for name in names]


def test_a_long_digest_keeps_the_top_of_that_order_and_cuts_the_rest() -> None:
    # The 14 above and 10 extra before 8:30: 24 entries of 2 blocks, 6 titles and the header
    # would be 55 blocks. Cut, the first 21 entries (42 blocks) with the 5 titles they reach
    # leave no room for a 22nd beside the header and the "…and 3 more" line: 49 blocks.
    plan = every_section(extra_early=10)
    message = build_digest_message(plan)
    assert_valid_message(message)
    blocks = message["blocks"]
    assert isinstance(blocks, list) and len(blocks) == 49
    extras = [f"Extra {n:02}" for n in range(10)]
    early = [*EXPECTED[Section.BEFORE_830], *extras]
    assert [e.prospect.name for e in plan.entries(Section.BEFORE_830)] == early
    assert names_in_message(message) == [
        *EXPECTED[Section.RETURN_CALLS],
        *early,
        *EXPECTED[Section.LUNCH_AND_EVENING],
        *EXPECTED[Section.BEST_WINDOW],
        "Capped big",
    ]
    assert "…and 3 more due today" in json.dumps(blocks[-1], ensure_ascii=False)
