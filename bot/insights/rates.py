"""Which call windows actually reach this team's prospects, learned without forgetting experience.

The default windows (before 8:30, lunch, after 5:30 in the prospect's time zone) and the
published studies of 100,000+ call attempts (8–9 AM and 4–5 PM best; Wednesday and Thursday
better than Monday and Friday) are the prior. A team's own dials move the estimate away from it
only as far as their number justifies.

The math, one beta-binomial posterior mean per level:

    estimate = (connects + k * m) / (dials + k)

where m is the prior mean for that cell and k its strength in pseudo-dials. Each prospect-local
(weekday, hour) cell is estimated in two steps, because a single cell rarely holds enough dials
while the same hour on the other weekdays usually does:

1. the hour's rate, learned from the same hour on the *other* weekdays, shrunk toward the
   parent's rate for that hour with `hour_pseudo_dials`;
2. the cell itself, shrunk toward that hour rate times the parent's weekday shape with
   `cell_pseudo_dials`, so weekday differences stay experience's until a cell alone has
   hundreds of dials.

Levels nest: the prior, then the workspace, then optionally a prospect segment, then a rep. Each
level's parent is the level above computed *without* this level's dials, so no dial is counted
twice, and a rep or segment with little data simply inherits the team's estimate (empirical
Bayes: the prior a rep is shrunk toward is estimated from the rest of the team). The strengths
are fixed rather than fitted because a workspace has too few reps for a stable moment estimate.

Why 400 pseudo-dials: the experience windows differ by only three or four points (less on
Mondays and Fridays), so even ten straight connects at 4 PM, on any day, must not overturn them
(a handful of calls never overrides experience); 350 is about the least that holds. A real
difference (35% against 10%) still takes the lead after about fifty dials per window. The
price is modest numbers: the quoted rates sit between the team's and experience's for months.
Adding a connect at fixed dials never lowers any estimate.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time, timedelta
from enum import StrEnum
from functools import cache, cached_property
from itertools import pairwise
from typing import NamedTuple

from bot.rules.calls import Outcome
from bot.rules.windows import DEFAULT_WINDOWS, WindowSpec

# A connect as the issue defines it: a conversation or a meeting set. "Call back later" and
# "not interested" also reached someone but are left out, so the rate means a live pitch.
CONNECTS = frozenset({Outcome.CONNECTED, Outcome.MEETING})

WEEKDAYS = range(7)
WORKDAYS = range(5)
HOURS = range(24)

STUDY_WINDOWS: tuple[WindowSpec, ...] = (
    # The studies' best hours, so the team's data can vote for them too.
    WindowSpec("8–9 AM", time(8, 0), time(9, 0)),
    WindowSpec("4–5 PM", time(16, 0), time(17, 0)),
)

CANDIDATE_WINDOWS: tuple[WindowSpec, ...] = (*DEFAULT_WINDOWS, *STUDY_WINDOWS)

LEARNING_LOOKBACK = timedelta(days=180)
"""Dials older than this are not learned from: half a year holds hundreds of dials per window
for a working team, and is recent enough to follow a market whose habits change."""

# Experience per local hour on an average workday: gatekeepers away before 8:30, at lunch and
# after 5:30; the studies' 8–9 AM and 4–5 PM; nobody answers at night. Mean over 7–19 is ~12%.
_HOUR_RATES: dict[int, float] = {
    6: 0.06,
    7: 0.15,
    8: 0.16,
    9: 0.11,
    10: 0.10,
    11: 0.10,
    12: 0.13,
    13: 0.10,
    14: 0.09,
    15: 0.10,
    16: 0.13,
    17: 0.14,
    18: 0.11,
    19: 0.07,
    20: 0.05,
}
_NIGHT_RATE = 0.03

# Midweek beats Monday (inbox catch-up) and Friday (minds on the weekend); weekends are quiet.
_WEEKDAY_FACTORS: tuple[float, ...] = (0.9, 1.0, 1.1, 1.1, 0.9, 0.4, 0.3)

UNKNOWN_AREA = "unknown"

MIN_DIALS_TO_CITE = 50
"""Below this many dials in a window the reason credits experience: "over your last 12 dials"
would sound far surer than an estimate that has hardly left the prior."""


class Cell(NamedTuple):
    """One hour of one weekday on the prospect's wall clock (weekday 0 is Monday)."""

    weekday: int
    hour: int


@dataclass(frozen=True)
class Tally:
    dials: int = 0
    connects: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.connects <= self.dials:
            raise ValueError("need 0 <= connects <= dials")

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.dials + other.dials, self.connects + other.connects)

    def __sub__(self, other: Tally) -> Tally:
        return Tally(self.dials - other.dials, self.connects - other.connects)

    @property
    def rate(self) -> float | None:
        return self.connects / self.dials if self.dials else None


@dataclass(frozen=True)
class CallGrid:
    """Dials and connects by prospect-local cell; cells without dials are simply absent."""

    cells: Mapping[Cell, Tally] = field(default_factory=dict)

    @classmethod
    def count(cls, dials: Iterable[tuple[Cell, bool]]) -> CallGrid:
        """From (cell, connected) pairs, one per dial."""
        totals: Counter[Cell] = Counter()
        connects: Counter[Cell] = Counter()
        for cell, connected in dials:
            totals[cell] += 1
            connects[cell] += connected
        return cls({cell: Tally(n, connects[cell]) for cell, n in totals.items()})

    def tally(self, cell: Cell) -> Tally:
        return self.cells.get(cell, _NO_TALLY)

    def total(self, cells: Iterable[Cell] | None = None) -> Tally:
        chosen = [self.tally(cell) for cell in (self.cells.keys() if cells is None else cells)]
        return Tally(sum(t.dials for t in chosen), sum(t.connects for t in chosen))

    def __add__(self, other: CallGrid) -> CallGrid:
        keys = self.cells.keys() | other.cells.keys()
        return CallGrid({cell: self.tally(cell) + other.tally(cell) for cell in keys})

    def __sub__(self, other: CallGrid) -> CallGrid:
        """Self without `other`'s dials, which must be among self's (a rep within the team)."""
        remaining = {cell: self.tally(cell) - other.tally(cell) for cell in self.cells}
        return CallGrid({cell: t for cell, t in remaining.items() if t.dials})


_NO_DIALS = CallGrid()
_NO_TALLY = Tally()
_CELLS_BY_HOUR = tuple(tuple(Cell(day, hour) for day in WEEKDAYS) for hour in HOURS)
_ALL_CELLS = frozenset(cell for cells in _CELLS_BY_HOUR for cell in cells)


@dataclass(frozen=True)
class TeamDials:
    """A workspace's dials, split by rep and prospect segment so any level can be summed."""

    grids: Mapping[tuple[str, str], CallGrid] = field(default_factory=dict)
    """(rep user id, segment) -> that rep's dials to that segment's prospects."""

    def grid(self, *, rep: str | None = None, segment: str | None = None) -> CallGrid:
        """The dials of one rep and/or one segment; no filter means the whole team."""
        if rep is not None and segment is not None:
            return self.grids.get((rep, segment), _NO_DIALS)
        return self._levels.get((rep, segment), _NO_DIALS)

    def rest_of_team(self, segment: str, prior: ConnectPrior) -> Mapping[Cell, float]:
        """The estimate from the team's dials outside `segment`, the first level every rep's
        estimate for that segment shrinks toward; kept, since every rep asks for it."""
        kept = self._rest_of_team.get(segment)
        if kept is None or kept[0] is not prior:
            outside = _Shrunk(self.grid(), prior.rates, prior, less=self.grid(segment=segment))
            kept = self._rest_of_team[segment] = (prior, outside)
        return kept[1]

    @cached_property
    def _rest_of_team(self) -> dict[str, tuple[ConnectPrior, Mapping[Cell, float]]]:
        """Segment -> (the prior it was estimated with, the estimate)."""
        return {}

    @cached_property
    def _levels(self) -> dict[tuple[str | None, str | None], CallGrid]:
        """Every filter's sum, added up in one pass: the digest asks for the team's and each
        segment's grid once per rep, and re-adding them each time grows with the team. A rep's
        dials to one segment need no adding: they are one of `grids`."""
        dials: defaultdict[tuple[str | None, str | None], Counter[Cell]] = defaultdict(Counter)
        connects: defaultdict[tuple[str | None, str | None], Counter[Cell]] = defaultdict(Counter)
        for (rep_id, seg), grid in self.grids.items():
            for level in ((None, None), (None, seg), (rep_id, None)):
                for cell, tally in grid.cells.items():
                    dials[level][cell] += tally.dials
                    connects[level][cell] += tally.connects
        return {
            level: CallGrid({cell: Tally(n, connects[level][cell]) for cell, n in counts.items()})
            for level, counts in dials.items()
        }


def area_segment(prospect_tz: str | None) -> str:
    """The segment a prospect's dials are pooled in.

    Industry and company size are not recorded, so prospects are segmented by area, told by
    their time zone: it is known for most prospects and tracks region and culture of the
    working day. Prospects of unknown zone form a segment of their own.
    """
    return prospect_tz or UNKNOWN_AREA


@dataclass(frozen=True)
class ConnectPrior:
    """Experience as a rate per cell, and how many dials of evidence it is worth."""

    rates: Mapping[Cell, float]
    hour_pseudo_dials: float = 400.0
    cell_pseudo_dials: float = 400.0

    def __post_init__(self) -> None:
        if set(self.rates) != {Cell(d, h) for d in WEEKDAYS for h in HOURS}:
            raise ValueError("the prior needs a rate for every weekday and hour")
        if not all(0 < rate < 1 for rate in self.rates.values()):
            raise ValueError("prior rates must lie strictly between 0 and 1")
        if self.hour_pseudo_dials <= 0 or self.cell_pseudo_dials <= 0:
            raise ValueError("prior strengths must be positive")


DEFAULT_PRIOR = ConnectPrior(
    {
        Cell(d, h): _HOUR_RATES.get(h, _NIGHT_RATE) * _WEEKDAY_FACTORS[d]
        for d in WEEKDAYS
        for h in HOURS
    }
)


@dataclass(frozen=True)
class ConnectEstimates:
    """Estimated connect rate for every cell, with the dials that back it."""

    rates: Mapping[Cell, float]
    yours: CallGrid = field(default_factory=CallGrid)
    """The rep's own dials behind the estimate (empty for a team-wide estimate)."""
    team: CallGrid = field(default_factory=CallGrid)
    """The team's dials in scope (the segment's, when estimating for one)."""


def estimate_connect_rates(
    dials: TeamDials,
    *,
    rep: str | None = None,
    segment: str | None = None,
    prior: ConnectPrior = DEFAULT_PRIOR,
    learning: bool = True,
) -> ConnectEstimates:
    """Connect rates by cell for the workspace, narrowed to a segment and/or a rep if given.

    With learning off (a workspace setting) the answer is experience alone.
    """
    if not learning:
        return ConnectEstimates(prior.rates)
    levels = [dials.grid()]
    if segment is not None:
        levels.append(dials.grid(segment=segment))
    if rep is not None:
        levels.append(dials.grid(rep=rep, segment=segment))
    parent = prior.rates
    pairs = list(pairwise(levels))
    if segment is not None:
        # The same for every rep of the workspace: computed once per segment.
        parent = dials.rest_of_team(segment, prior)
        pairs = pairs[1:]
    for outer, inner in pairs:
        parent = _Shrunk(outer, parent, prior, less=inner)
    return ConnectEstimates(
        rates=_Shrunk(levels[-1], parent, prior),
        yours=levels[-1] if rep is not None else CallGrid(),
        team=levels[1] if segment is not None else levels[0],
    )


class _Shrunk(Mapping[Cell, float]):
    """One level's estimate: its dials, shrunk toward `parent` hour first, then cell.

    Each hour's cells depend on that hour alone, so they are worked out when first read: a
    digest ranks its rep's windows for every segment each morning, and the windows read 6 of
    the 24 hours. An hour's rates come out the same whoever works them out first, so threads
    sharing an estimate (a workspace's, across its reps) may both fill an hour harmlessly.
    """

    def __init__(
        self,
        own: CallGrid,
        parent: Mapping[Cell, float],
        prior: ConnectPrior,
        *,
        less: CallGrid = _NO_DIALS,
    ) -> None:
        """`own` less `less`'s dials (a rep within the segment, a segment within the team)
        are this level's: subtracted cell by cell as read, not all 168 at once."""
        self._own = own.cells
        self._less = less.cells
        self._parent = parent
        self._prior = prior
        self._rates: dict[Cell, float] = {}

    def __getitem__(self, cell: Cell) -> float:
        rate = self._rates.get(cell)
        if rate is None:
            if cell not in _ALL_CELLS:
                raise KeyError(cell)
            self._fill(_CELLS_BY_HOUR[cell[1]])
            rate = self._rates[cell]
        return rate

    def __iter__(self) -> Iterator[Cell]:
        for cells in _CELLS_BY_HOUR:
            yield from cells

    def __len__(self) -> int:
        return len(_ALL_CELLS)

    def _fill(self, cells: tuple[Cell, ...]) -> None:
        k_hour, k_cell = self._prior.hour_pseudo_dials, self._prior.cell_pseudo_dials
        parents = [self._parent[cell] for cell in cells]
        hour_mean = sum(parents[day] for day in WORKDAYS) / len(WORKDAYS)
        shape = [rate / hour_mean for rate in parents]
        counts = [self._counts(cell) for cell in cells]
        # A weekend dial is weighed as the fraction of a workday dial experience expects it to
        # connect, so quiet Sundays do not drag the workday hour down.
        connects = sum(mine for _, mine in counts)
        exposure = sum(dials * weight for (dials, _), weight in zip(counts, shape, strict=True))
        rates = {}
        for cell, (dials, mine), weight in zip(cells, counts, shape, strict=True):
            others_rate = (connects - mine + k_hour * hour_mean) / (
                exposure - dials * weight + k_hour
            )
            # Only an absurd history (every weekend dial connecting) could push this past 1.
            cell_mean = min(1.0, weight * others_rate)
            rates[cell] = (mine + k_cell * cell_mean) / (dials + k_cell)
        self._rates.update(rates)

    def _counts(self, cell: Cell) -> tuple[int, int]:
        """(dials, connects) in the cell."""
        own = self._own.get(cell)
        if own is None:
            return 0, 0
        less = self._less.get(cell, _NO_TALLY)
        return own.dials - less.dials, own.connects - less.connects


def window_rate(
    spec: WindowSpec, rates: Mapping[Cell, float], weekdays: Collection[int] = WORKDAYS
) -> float:
    """The window's connect rate: its hour cells averaged by the minutes the window covers."""
    weights = _window_minutes(spec)
    total = sum(weights.values()) * len(weekdays)
    return sum(rates[Cell(d, h)] * m for h, m in weights.items() for d in weekdays) / total


def window_dials(spec: WindowSpec, grid: CallGrid, weekdays: Collection[int] = WORKDAYS) -> int:
    """Dials in every hour the window touches: cells are whole hours, so "before 8:30" counts
    its 8 o'clock dials too."""
    return grid.total(Cell(d, h) for h in _window_minutes(spec) for d in weekdays).dials


@cache
def _window_minutes(spec: WindowSpec) -> dict[int, int]:
    """Hour -> minutes of it inside the window (a handful of windows, asked for constantly)."""
    start = spec.start.hour * 60 + spec.start.minute
    end = spec.end.hour * 60 + spec.end.minute
    if end <= start:
        raise ValueError(f"window {spec.label!r} must end after it starts on the same day")
    overlap = {h: min(end, 60 * h + 60) - max(start, 60 * h) for h in HOURS}
    return {h: m for h, m in overlap.items() if m > 0}


class Evidence(StrEnum):
    YOURS = "yours"
    TEAM = "team"
    EXPERIENCE = "experience"


@dataclass(frozen=True)
class RankedWindow:
    spec: WindowSpec
    rate: float
    evidence: Evidence
    dials: int
    """The dials cited in `reason`: the rep's, the team's, or 0 when experience speaks."""
    reason: str


def rank_windows(
    candidates: Sequence[WindowSpec],
    estimates: ConnectEstimates,
    *,
    weekdays: Collection[int] = WORKDAYS,
) -> list[RankedWindow]:
    """Candidate windows, best estimated connect rate first, each with the sentence saying why.

    Pass a single weekday to rank for one day's calls. Ties keep the candidates' order, so with
    no data the order is experience's. The percentage quoted is the estimate itself (not the
    raw rate), so the sentence never contradicts the ranking.
    """
    if not candidates:
        return []
    # sorted() is stable: equal rates keep the candidates' order.
    rated = sorted(
        ((window_rate(spec, estimates.rates, weekdays), spec) for spec in candidates),
        key=lambda pair: -pair[0],
    )
    ranked = []
    for rate, spec in rated:
        rival = next(((r, s) for r, s in rated if s is not spec), None)
        evidence, dials = cited_evidence(spec, estimates, weekdays)
        ranked.append(
            RankedWindow(spec, rate, evidence, dials, _reason(spec, rate, evidence, dials, rival))
        )
    return ranked


def cited_evidence(
    spec: WindowSpec, estimates: ConnectEstimates, weekdays: Collection[int] = WORKDAYS
) -> tuple[Evidence, int]:
    """Whose dials to credit: the rep's if they have enough, else the team's, else none."""
    yours = window_dials(spec, estimates.yours, weekdays)
    if yours >= MIN_DIALS_TO_CITE:
        return Evidence.YOURS, yours
    team = window_dials(spec, estimates.team, weekdays)
    if team >= MIN_DIALS_TO_CITE:
        return Evidence.TEAM, team
    return Evidence.EXPERIENCE, 0


def _reason(
    spec: WindowSpec,
    rate: float,
    evidence: Evidence,
    dials: int,
    rival: tuple[float, WindowSpec] | None,
) -> str:
    """E.g. "4–5 PM their time: 31% connects over your last 212 dials, vs 12% before 8:30"."""
    head = f"{spec.label[:1].upper()}{spec.label[1:]} their time"
    if evidence is Evidence.EXPERIENCE:
        claim = f"experience says about {rate:.0%} connect"
    else:
        whose = "your" if evidence is Evidence.YOURS else "your team's"
        claim = f"{rate:.0%} connects over {whose} last {dials:,} dials"
    if rival is None:
        return f"{head}: {claim}"
    rival_rate, rival_spec = rival
    return f"{head}: {claim}, vs {rival_rate:.0%} {_phrase(rival_spec)}"


def _phrase(spec: WindowSpec) -> str:
    """'before 8:30' reads on its own after a percentage; a bare '4–5 PM' needs 'at'."""
    return f"at {spec.label}" if spec.label[:1].isdigit() else spec.label
