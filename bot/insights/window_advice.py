"""Which call window to offer for a prospect: the best one the team's dials support.

The digest and /vmscript's proposed times ask the same question, so they share this answer.
The default windows (before 8:30, at lunch, after 5:30) are always on offer; the studies'
hours (8–9 AM, 4–5 PM) join them only once enough dials in them back the estimate. Experience
alone ranks 8–9 AM a point above before 8:30, and a point of prior is no reason to move a rep
off the gatekeeper-free windows the cadence teaches: only the team's own calls are.

Pure: the dials, the clock and the zones are parameters.
"""

from __future__ import annotations

from collections.abc import Collection, Container, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.insights.rates import (
    CANDIDATE_WINDOWS,
    ConnectEstimates,
    Evidence,
    RankedWindow,
    TeamDials,
    cited_evidence,
    estimate_connect_rates,
    rank_windows,
)
from bot.rules.calls import CallWindow
from bot.rules.windows import DAYS_AHEAD, DEFAULT_WINDOWS, WindowSpec, windows_on


@dataclass(frozen=True)
class AdvisedWindow:
    window: CallWindow
    reason: str
    """E.g. "4–5 PM their time: 31% connects over your last 212 dials, vs 12% before 8:30"."""


class WindowAdvisor:
    """One rep's window ranking; each prospect segment is estimated once, however many of the
    rep's prospects share it."""

    def __init__(self, dials: TeamDials, rep: str | None = None, *, learning: bool = True):
        self._dials = dials
        self._rep = rep
        self._learning = learning
        self._estimates: dict[str, ConnectEstimates] = {}
        self._rankings: dict[tuple[str, int, tuple[WindowSpec, ...]], list[RankedWindow]] = {}

    def rank(
        self, segment: str, weekday: int, specs: Sequence[WindowSpec] = CANDIDATE_WINDOWS
    ) -> list[RankedWindow]:
        """`specs` on offer for a prospect of `segment` on `weekday`, best first.

        A rep's prospects share a few segments and days, so each ranking is kept: the digest
        asks for it once per prospect."""
        key = (segment, weekday, tuple(specs))
        if key not in self._rankings:
            self._rankings[key] = self._rank(segment, weekday, key[2])
        return self._rankings[key]

    def _rank(self, segment: str, weekday: int, specs: Sequence[WindowSpec]) -> list[RankedWindow]:
        if segment not in self._estimates:
            self._estimates[segment] = estimate_connect_rates(
                self._dials, rep=self._rep, segment=segment, learning=self._learning
            )
        estimates = self._estimates[segment]
        weekdays = (weekday,)
        offered = [
            spec
            for spec in specs
            if spec in DEFAULT_WINDOWS
            or cited_evidence(spec, estimates, weekdays)[0] is not Evidence.EXPERIENCE
        ]
        # Ranked among those on offer only, so each reason's "vs" names a window on offer.
        return rank_windows(offered, estimates, weekdays=weekdays)

    def advise(
        self,
        prospect_tz: ZoneInfo,
        segment: str,
        after: datetime,
        *,
        before: datetime | None = None,
        avoid: Collection[str] = (),
        closed: Container[date] = (),
    ) -> AdvisedWindow | None:
        """The best-ranked window still open after `after` on the prospect's first day that has
        one (not a weekend, not in `closed`: their public holidays), opening before `before`
        if given.

        Windows labelled in `avoid` (the time of day of the last dial: someone who never picks
        up at lunch may well pick up at 7:45) are offered only when nothing else is left.
        """
        start_day = after.astimezone(prospect_tz).date()
        options: list[AdvisedWindow] = []
        for offset in range(DAYS_AHEAD):
            day = start_day + timedelta(days=offset)
            if before is not None and datetime.combine(day, time(0), prospect_tz) >= before:
                break
            still_open = {
                window.label: window
                for window in windows_on(day, prospect_tz, CANDIDATE_WINDOWS, closed)
                if window.end > after and (before is None or window.start < before)
            }
            if not still_open:
                continue
            specs = [spec for spec in CANDIDATE_WINDOWS if spec.label in still_open]
            options += [
                AdvisedWindow(still_open[ranked.spec.label], ranked.reason)
                for ranked in self.rank(segment, day.weekday(), specs)
            ]
        varied = [option for option in options if option.window.label not in avoid]
        return (varied or options or [None])[0]


@dataclass(frozen=True)
class WindowEvidence:
    """A workspace's dials and whether it learns from them: read once, shared by its reps."""

    dials: TeamDials = field(default_factory=TeamDials)
    learning: bool = True

    def advisor(self, rep: str) -> WindowAdvisor:
        return WindowAdvisor(self.dials, rep, learning=self.learning)
