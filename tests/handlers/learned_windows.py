"""A workspace whose dials have taught it that 4–5 PM New York time connects best: the
evidence the digest, the App Home, `/prospect list due` and /vmscript all rank by."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from storage.models import CallLogRow, ProspectRow
from tests.slack import SlackHarness

NEW_YORK = "America/New_York"
# Monday 23 Nov 2026, 06:00 in Chicago (07:00 in New York): the whole day is ahead.
MONDAY_0600 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LEARNED = re.compile(r"4–5 PM their time: \d+% connects over your last 60 dials, vs \d+% ")

_serial = count(1)


def add_prospect(slack: SlackHarness, name: str, *, status: str = "active") -> ProspectRow:
    with slack.session_factory.begin() as session:
        row = ProspectRow(
            team_id="T1",
            owner_id="U1",
            name=name,
            name_key=name.casefold(),
            tz=NEW_YORK,
            tz_inferred=False,
            status=status,
            created_at=MONDAY_0600 - timedelta(days=200),
        )
        session.add(row)
    return row


def add_dials(slack: SlackHarness, dials: list[tuple[datetime, str]]) -> None:
    """Dials to closed prospects in New York: history to learn from, never due themselves."""
    prospect = add_prospect(slack, f"Old lead {next(_serial)}", status="lost")
    with slack.session_factory.begin() as session:
        session.add_all(
            CallLogRow(
                team_id="T1",
                prospect_id=prospect.id,
                rep_user_id="U1",
                at=at,
                outcome=outcome,
                notes="",
            )
            for at, outcome in dials
        )


def four_pm_history(slack: SlackHarness, weeks: int = 12) -> None:
    """Every workday of the last `weeks` weeks: 5 dials at 4 PM New York time (2 connect) and
    5 at 7 AM (1 connects on alternate days). 60 Monday dials per hour in all."""
    zone = ZoneInfo(NEW_YORK)
    monday = MONDAY_0600.astimezone(zone).date()
    dials = []
    for back in range(1, weeks * 7 + 1):
        day = monday - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for i in range(5):
            four = datetime(day.year, day.month, day.day, 16, 10 + i, tzinfo=zone)
            seven = datetime(day.year, day.month, day.day, 7, 10 + i, tzinfo=zone)
            dials.append((four, "connected" if i < 2 else "noanswer"))
            dials.append((seven, "connected" if i == 0 and back % 2 else "vm"))
    add_dials(slack, dials)
