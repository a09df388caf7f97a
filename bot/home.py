"""The rep's week at a glance for the App Home: pure, the clock and zone are parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.calls import OUTBOUND_DIALS, Outcome

CONNECTS = frozenset({Outcome.CONNECTED, Outcome.MEETING})
"""Dials that reached the decision maker and went somewhere; a promised callback or a
gatekeeper is not yet a connect."""


@dataclass(frozen=True)
class WeekAtAGlance:
    dials: int = 0
    connects: int = 0
    voicemails: int = 0
    meetings: int = 0

    @classmethod
    def from_counts(cls, counts: Mapping[Outcome, int]) -> WeekAtAGlance:
        return cls(
            dials=sum(n for outcome, n in counts.items() if outcome in OUTBOUND_DIALS),
            connects=sum(n for outcome, n in counts.items() if outcome in CONNECTS),
            voicemails=counts.get(Outcome.VOICEMAIL, 0),
            meetings=counts.get(Outcome.MEETING, 0),
        )

    @property
    def connect_rate(self) -> float | None:
        """None before the first dial: 0% would read as a bad week that has not started."""
        return self.connects / self.dials if self.dials else None


def week_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Monday 00:00 on the rep's clock, as an instant (DST-safe: built from the wall clock)."""
    local = now.astimezone(tz).date()
    monday = local - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=tz).astimezone(UTC)
