"""The weekly numbers in Block Kit: valid for Slack, with each change spelled out."""

from __future__ import annotations

from datetime import date

import pytest

from bot.blocks.insights import build_week_blocks, build_week_message, week_summary
from bot.insights.weekly import WeekNumbers, WeekReport
from tests.blockkit import assert_valid_blocks, assert_valid_message, assert_valid_view

MONDAY = date(2026, 11, 16)
THIS = WeekNumbers(
    dials=42,
    connects=9,
    voicemails=12,
    meetings=2,
    return_calls_in_time=3,
    introductions_asked=4,
    referrals_reached=1,
)
LAST = WeekNumbers(dials=37, connects=9, voicemails=15, meetings=0, return_calls_in_time=3)


def fields_text(blocks: list[dict[str, object]]) -> list[str]:
    section = next(b for b in blocks if b["type"] == "section")
    return [field["text"] for field in section["fields"]]  # type: ignore[index, union-attr]


def test_the_weekly_message_is_valid_block_kit_with_a_fallback() -> None:
    message = build_week_message(WeekReport("U1", MONDAY, THIS, LAST))
    assert_valid_message(message)
    assert message["text"] == (
        "Your week so far: 42 dials (37 last week), 9 connects (9), 12 voicemails left (15), "
        "2 meetings set (0), 3 return calls within 24 h (3), 4 introductions asked for (0), "
        "1 referrals reached (0)"
    )


def test_each_number_shows_its_change_from_last_week() -> None:
    assert fields_text(build_week_blocks(WeekReport("U1", MONDAY, THIS, LAST))) == [
        "*Dials*\n42  ▲ 5 from 37",
        "*Connects*\n9, same as last week",
        "*Voicemails left*\n12  ▼ 3 from 15",
        "*Meetings set*\n2  ▲ 2 from 0",
        "*Return calls within 24 h*\n3, same as last week",
        "*Introductions asked for*\n4  ▲ 4 from 0",
        "*Referrals reached*\n1  ▲ 1 from 0",
    ]


@pytest.mark.parametrize(
    ("this", "last", "shown"),
    [
        (THIS, LAST, "*Connect rate*\n21%  ▼ 3 pts from 24%"),
        (
            WeekNumbers(dials=4, connects=1),
            WeekNumbers(dials=8, connects=2),
            "*Connect rate*\n25%, same as last week",
        ),
        (
            WeekNumbers(dials=4, connects=2),
            WeekNumbers(),
            "*Connect rate*\n50%, no dials last week",
        ),
        (WeekNumbers(), WeekNumbers(dials=5, connects=1), "*Connect rate*\n–, 20% last week"),
        (WeekNumbers(), WeekNumbers(), "*Connect rate*\n–"),
    ],
)
def test_the_home_adds_the_connect_rate_with_its_change(
    this: WeekNumbers, last: WeekNumbers, shown: str
) -> None:
    report = WeekReport("U1", MONDAY, this, last)
    with_rate = fields_text(build_week_blocks(report, with_connect_rate=True))
    assert with_rate == [*fields_text(build_week_blocks(report)), shown]


def test_the_blocks_fit_the_app_home_too() -> None:
    blocks = build_week_blocks(WeekReport("U1", MONDAY), with_connect_rate=True)
    assert_valid_blocks(blocks)
    assert_valid_view({"type": "home", "blocks": blocks})


def test_the_team_version_says_whose_week_it_is() -> None:
    team = WeekReport(None, MONDAY, THIS, LAST)
    assert week_summary(team).startswith("Your team's week so far:")
    assert build_week_blocks(team)[0]["text"] == {
        "type": "plain_text",
        "text": "Your team's week so far",
    }
