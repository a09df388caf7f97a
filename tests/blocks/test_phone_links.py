"""Every number the bot writes is a tap-to-call link, E.164 behind the number as it is said."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.digest import build_digest_message
from bot.blocks.mrkdwn import phone_link
from bot.insights.digest_plan import DigestEntry, DigestPlan, Section
from bot.rules.calls import CallWindow, Prospect
from bot.rules.windows import number_to_dial
from tests.blockkit import assert_valid_message

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
JANE = Prospect(id=1, name="Jane Doe", phone="+12125550143", cell="+12125550199", tz=NEW_YORK.key)


@pytest.mark.parametrize(
    ("e164", "listener", "link"),
    [
        ("+13125550100", None, "<tel:+13125550100|312-555-0100>"),
        ("+442079460958", None, "<tel:+442079460958|+44 20 7946 0958>"),
        ("+442079460958", "+447700900123", "<tel:+442079460958|020 7946 0958>"),
        ("not a number", None, "not a number"),
    ],
)
def test_a_phone_link_dials_e164_and_shows_the_number_as_said(
    e164: str, listener: str | None, link: str
) -> None:
    assert phone_link(e164, listener) == link


def window(hour: int, minute: int) -> CallWindow:
    start = datetime(2026, 11, 24, hour, minute, tzinfo=NEW_YORK)
    return CallWindow(start=start, end=start.replace(hour=hour + 1), label="w", tz=NEW_YORK.key)


def test_after_five_thirty_the_cell_is_the_number_to_dial() -> None:
    assert number_to_dial(JANE, window(7, 0)) == JANE.phone
    assert number_to_dial(JANE, window(12, 0)) == JANE.phone
    assert number_to_dial(JANE, window(17, 30)) == JANE.cell
    no_cell = Prospect(id=2, name="Ann", phone="+12125550143")
    assert number_to_dial(no_cell, window(17, 30)) == no_cell.phone


def test_digest_entries_link_the_number_and_the_cell_after_hours() -> None:
    plan = DigestPlan(
        rep_tz=CHICAGO,
        now=datetime(2026, 11, 24, 13, 30, tzinfo=UTC),
        local_date=date(2026, 11, 24),
        sections={
            Section.BEFORE_830: (DigestEntry(JANE, Section.BEFORE_830, NEW_YORK, window(7, 0)),),
            Section.LUNCH_AND_EVENING: (
                DigestEntry(
                    Prospect(id=3, name="Ann Lee", phone="+13125550100", cell="+13125550111"),
                    Section.LUNCH_AND_EVENING,
                    NEW_YORK,
                    window(17, 30),
                ),
            ),
        },
    )
    message = build_digest_message(plan)

    assert_valid_message(message)
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]  # type: ignore[index]
    jane = next(t for t in texts if "Jane Doe" in t)
    ann = next(t for t in texts if "Ann Lee" in t)
    assert "<tel:+12125550143|212-555-0143>" in jane
    assert "<tel:+13125550111|312-555-0111>" in ann and "0100" not in ann
