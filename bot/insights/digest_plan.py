"""The daily digest: who the rep should call today, and when, on the prospect's clock.

Gatekeepers are away before 8:30, at lunch and after 5:30, so every call entry is placed in
one of those windows of the prospect's day and shown on both clocks. The order is the order
of the rep's obligations: calls they owe first (a prospect who called in is the warmest
lead, and returning within a day is the promise that keeps them calling), then the early
window (the best one, and the first to close), then lunch and evening for prospects who
were last tried at another time of day, then the hour the team's own dials connect best when
it beats those (learned, see `bot.window_advice`), then prospects that calls have failed on
(email instead), then "will call back" promises to chase. Each window entry says why it was
chosen, in the estimate's words.

Pure: the clock, the zones and every row are parameters; `storage/` supplies them.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import partial
from zoneinfo import ZoneInfo

from bot.insights.rates import CANDIDATE_WINDOWS, TeamDials, area_segment
from bot.insights.window_advice import AdvisedWindow, WindowAdvisor
from bot.rules.cadence import CadenceRules, CadenceState, NextStep, cadence_state
from bot.rules.call_summary import CallSummary
from bot.rules.calls import (
    OUTBOUND_DIALS,
    WORKING_DAY,
    CallLog,
    CallWindow,
    DeskHours,
    Outcome,
    Prospect,
    ProspectStatus,
)
from bot.rules.money import DEFAULT_CURRENCY
from bot.rules.public_holidays import closed_days
from bot.rules.relationship import last_try, next_business_day
from bot.rules.windows import DEFAULT_WINDOWS, kept_by_both

DEFAULT_RULES = CadenceRules()

EARLY = DEFAULT_WINDOWS[0].label
"""The label of the 07:00–08:30 window, the one that gets its own section."""

_DEFAULT_LABELS = frozenset(spec.label for spec in DEFAULT_WINDOWS)
_DIALS_OR_EMAIL = OUTBOUND_DIALS | {Outcome.EMAIL}

PURSUED_STATUSES = frozenset({ProspectStatus.ACTIVE, ProspectStatus.NOT_INTERESTED})
"""Statuses whose prospects the digest must be given: "not interested" comes back after a
rest, which only the cadence can tell."""


class Section(StrEnum):
    """The digest's sections, in the order the rep should work through them."""

    RETURN_CALLS = "return_calls"
    BEFORE_830 = "before_830"
    LUNCH_AND_EVENING = "lunch_and_evening"
    BEST_WINDOW = "best_window"
    """A studies' hour (8–9 AM, 4–5 PM) the team's dials rank above the default windows."""
    SWITCH_TO_EMAIL = "switch_to_email"
    PROMISES = "promises"


WINDOW_SECTIONS = (Section.BEFORE_830, Section.LUNCH_AND_EVENING, Section.BEST_WINDOW)
"""The sections whose entries are a window to call in."""


@dataclass(frozen=True)
class ProspectHistory:
    """One prospect and their calls, as the planner needs them: every call, or the summary
    the digest reads straight from the database."""

    prospect: Prospect
    history: Sequence[CallLog] | CallSummary = ()
    listing: StoredListing | None = None
    """Where the digest lists the prospect, as stored with its standing: when it holds at
    the plan's `now`, the prospect is placed without weighing its calls."""

    @property
    def calls(self) -> CallSummary:
        history = self.history
        return history if isinstance(history, CallSummary) else CallSummary.of(history)


@dataclass(frozen=True)
class StoredListing:
    """Where the digest lists a prospect from `since` until `until` (None: while its calls,
    details and rules stay as they are), worked out with its standing
    (`bot.insights.standing`): what placing it among the others needs, and no more. Its
    cadence state, whose rule each shown entry quotes, is worked out only for the entries
    shown (`plan_digest`'s `states_for`): a rep may have two hundred due and see twenty."""

    section: Section | None
    """SWITCH_TO_EMAIL or PROMISES; None for a window to call in."""
    since: datetime
    until: datetime | None
    callback_due: datetime | None = None
    """A promise's: the section's order."""
    last_dial_at: datetime | None = None
    """A window's: the windows the latest dial fell in are not offered again."""
    next_try: datetime | None = None
    """A window's: no dial before then (a try's next business day, on the prospect's
    clock, when that is later than `since`)."""

    def holds(self, now: datetime) -> bool:
        return self.since <= now and (self.until is None or now < self.until)


@dataclass(frozen=True)
class OwedCall:
    """An inbound call not yet returned."""

    prospect: Prospect
    called_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class DigestEntry:
    """One line of the digest: who, when on both clocks, and why."""

    prospect: Prospect
    section: Section
    prospect_tz: ZoneInfo
    """Their own zone, or the rep's when theirs is unknown (`tz_known`)."""
    window: CallWindow | None = None
    state: CadenceState | None = None
    called_at: datetime | None = None
    due_at: datetime | None = None
    overdue: bool = False
    last_tried: str | None = None
    reason: str | None = None
    """Why this window: the estimate's sentence, quoting dials or experience."""

    @property
    def tz_known(self) -> bool:
        return self.prospect.tz is not None


@dataclass(frozen=True)
class DigestPlan:
    """What the rep should do today, ordered section by section."""

    rep_tz: ZoneInfo
    now: datetime
    local_date: date
    sections: dict[Section, tuple[DigestEntry, ...]] = field(default_factory=dict)
    currency: str = DEFAULT_CURRENCY
    """The workspace's, for deal values."""

    def entries(self, section: Section) -> tuple[DigestEntry, ...]:
        return self.sections.get(section, ())

    @property
    def all_entries(self) -> list[DigestEntry]:
        return [entry for section in Section for entry in self.entries(section)]

    @property
    def is_empty(self) -> bool:
        return not any(self.sections.values())


def plan_digest(
    *,
    rep_tz: ZoneInfo,
    now: datetime,
    prospects: Sequence[ProspectHistory],
    owed_calls: Sequence[OwedCall],
    rules: CadenceRules = DEFAULT_RULES,
    advisor: WindowAdvisor | None = None,
    rep_day: DeskHours = WORKING_DAY,
    rep_closed: Container[date] = (),
    states_for: int | None = None,
) -> DigestPlan:
    """Sort the rep's prospects into the digest's sections for the rep's day at `now`.

    A prospect appears at most once. Snoozed, laid-off (voicemail cap reached and the email
    sent, or resting after a spent budget), won, lost, do-not-call and wrong-number prospects
    never appear; nor do prospects whose follow-up day has not come after a conversation, or
    whose meeting has not yet passed. A not-interested prospect appears once its rest is over.
    "Due today" means a follow-up set for the rep's today or earlier, or no follow-up and a
    cadence that says call. A follow-up set for a later day keeps a prospect out of every
    section except owed return calls: the rep chose that day.

    Call windows count when they have not closed yet and open before the rep's local
    midnight; of those, `advisor` picks the best-ranked (experience alone when none is
    given). A due prospect with no such window left (the prospect's weekend, or a late
    tick) is left for a later digest. A prospect whose zone is unknown (toll-free number,
    no phone) is placed on the rep's clock, and the entry says so.

    Where things stand is the relationship model's: a prospect tried today is not offered
    again today (the next try is a later business day), and a window is offered only for
    the part both sides can keep (the rep's working day `rep_day`, not on `rep_closed`, the
    rep's public holidays). A promise to call back is chased on its due day from the
    morning's digest, whatever the hour it was made.

    A prospect whose stored listing holds at `now` is placed by it, and its cadence state
    is worked out only if it is among the first `states_for` entries (None: all), in the
    plan's order; the others' `state` is None. A message shows at most its first entries.
    """
    advisor = advisor or WindowAdvisor(TeamDials(), learning=False)
    local_date = now.astimezone(rep_tz).date()
    day_end = _day_end(local_date, rep_tz)
    by_id = {item.prospect.id: item for item in prospects}

    returns: dict[int | None, DigestEntry] = {}
    for owed in sorted(owed_calls, key=lambda o: o.called_at):
        prospect = owed.prospect
        if prospect.id in returns or not _reachable(prospect, now):
            continue
        returns[prospect.id] = DigestEntry(
            prospect=prospect,
            section=Section.RETURN_CALLS,
            prospect_tz=prospect.zone(rep_tz),
            called_at=owed.called_at,
            due_at=owed.due_at,
            overdue=now >= owed.due_at,
        )

    sections: dict[Section, list[DigestEntry]] = {section: [] for section in Section}
    sections[Section.RETURN_CALLS] = list(returns.values())
    # The calendar is kept with its answer, so its id cannot be reused while cached.
    advice: dict[tuple[object, ...], tuple[Container[date], AdvisedWindow | None]] = {}
    unstated: set[int | None] = set()
    for prospect_id, item in by_id.items():
        prospect = item.prospect
        if prospect_id in returns:
            continue
        closed = closed_days(prospect)
        stored = item.listing
        if stored is not None and stored.holds(now) and _reachable(prospect, now):
            # Within its span the listing's answer is the one stored.
            listed_in, state = stored.section, None
            callback_due, last_dial_at = stored.callback_due, stored.last_dial_at
            earliest = max(now, stored.next_try or now)
            unstated.add(prospect_id)
        else:
            calls = item.calls
            listed = digest_listing(prospect, calls, now, rep_tz, rules, closed)
            if listed is None:
                continue
            listed_in, state, earliest = listed.section, listed.state, listed.earliest
            callback_due, last_dial_at = state.callback_due, last_dial_at_of(calls)
        prospect_tz = prospect.zone(rep_tz)
        entry = partial(DigestEntry, prospect=prospect, prospect_tz=prospect_tz, state=state)
        if listed_in is Section.SWITCH_TO_EMAIL:
            sections[Section.SWITCH_TO_EMAIL].append(entry(section=Section.SWITCH_TO_EMAIL))
            continue
        if listed_in is Section.PROMISES:
            promise = entry(section=Section.PROMISES, due_at=callback_due)
            sections[Section.PROMISES].append(promise)
            continue
        # A day the rep was given ("back Wednesday") is a fresh start: that morning counts.
        tried = [] if prospect.follow_up_at is not None else _dial_slots(last_dial_at, prospect_tz)
        # Prospects sharing a zone, holidays and last-tried window share the answer.
        question = (prospect_tz, prospect.tz, tuple(tried), id(closed), earliest)
        if question not in advice:
            advice[question] = (
                closed,
                _shared_advice(
                    advisor,
                    prospect_tz,
                    area_segment(prospect.tz),
                    max(now, earliest),
                    day_end,
                    tried,
                    closed,
                    (rep_tz, rep_day, rep_closed),
                ),
            )
        advised = advice[question][1]
        if advised is None:
            continue
        section = _section_of(advised.window.label)
        sections[section].append(
            entry(
                section=section,
                window=advised.window,
                last_tried=tried[0] if tried else None,
                reason=advised.reason,
            )
        )

    for section in WINDOW_SECTIONS:
        sections[section].sort(key=_by_window_then_value)
    sections[Section.SWITCH_TO_EMAIL].sort(key=_by_value)
    sections[Section.PROMISES].sort(key=lambda e: (e.due_at, *_by_value(e)))
    if unstated:
        _work_out_states(sections, unstated, by_id, now, rep_tz, rules, states_for)
    return DigestPlan(
        rep_tz=rep_tz,
        now=now,
        local_date=local_date,
        sections={section: tuple(entries) for section, entries in sections.items() if entries},
        currency=rules.currency,
    )


@dataclass(frozen=True)
class Listing:
    """Where the digest lists a prospect at a moment, before any window is weighed."""

    section: Section | None
    """SWITCH_TO_EMAIL or PROMISES; None for a window to call in today."""
    state: CadenceState
    earliest: datetime
    """For a window: the first moment a dial is allowed today (later than now when tried
    today in the prospect's morning, say)."""


def digest_listing(
    prospect: Prospect,
    calls: CallSummary,
    now: datetime,
    rep_tz: ZoneInfo,
    rules: CadenceRules = DEFAULT_RULES,
    closed: Container[date] = (),
) -> Listing | None:
    """Whether `plan_digest` at `now` lists the prospect outside the owed return calls, and
    in which section; None when in none of them. Whether a window is left today (the
    team's learned windows, the rep's calling day) is weighed after this, by the plan.
    `closed` holds the prospect's public holidays. The one test both the plan and the
    stored standing (`bot.insights.standing`) apply."""
    if not _reachable(prospect, now):
        return None
    local_date = now.astimezone(rep_tz).date()
    if prospect.follow_up_at is not None and (
        prospect.follow_up_at.astimezone(rep_tz).date() > local_date
    ):
        return None
    state = cadence_state(calls, prospect.deal_value, now, rep_tz, rules, closed)
    if state.next_step is NextStep.EMAIL:
        if _emailed_since_last_dial(calls):
            return None
        return Listing(Section.SWITCH_TO_EMAIL, state, now)
    if state.next_step is NextStep.CHASE_CALLBACK or (
        state.next_step is NextStep.WAIT_FOR_CALLBACK
        and state.callback_due is not None
        and state.callback_due.astimezone(rep_tz).date() <= local_date
    ):
        return Listing(Section.PROMISES, state, now)
    # Waiting on a promised callback is no reason to call, unless the rep set the day.
    callable_today = state.due(now) or (
        state.next_step is NextStep.WAIT_FOR_CALLBACK and prospect.follow_up_at is not None
    )
    if not callable_today:
        return None
    # Tried today: the next try is a later business day (a follow-up's day is the
    # cadence's to judge, and counts whole).
    tried = last_try(calls.calls)
    earliest = now
    if tried is not None:
        earliest = max(now, next_business_day(tried, prospect.zone(rep_tz), closed))
    if earliest >= _day_end(local_date, rep_tz):
        return None
    return Listing(None, state, earliest)


def _day_end(local_date: date, rep_tz: ZoneInfo) -> datetime:
    """The rep's midnight after `local_date`."""
    return datetime.combine(local_date + timedelta(days=1), datetime.min.time(), rep_tz)


def opening_before(plan: DigestPlan, digest_at: datetime) -> DigestPlan:
    """The part of `plan` the rep would miss by waiting for a digest at `digest_at`: the
    windows that open before it (all still ahead or open at the plan's `now`)."""
    early = {
        section: kept
        for section in WINDOW_SECTIONS
        if (
            kept := tuple(
                entry
                for entry in plan.entries(section)
                if entry.window is not None and entry.window.start < digest_at
            )
        )
    }
    return replace(plan, sections=early)


def _shared_advice(
    advisor: WindowAdvisor,
    prospect_tz: ZoneInfo,
    segment: str,
    after: datetime,
    day_end: datetime,
    tried: Sequence[str],
    closed: Container[date],
    rep: tuple[ZoneInfo, DeskHours, Container[date]],
) -> AdvisedWindow | None:
    """The best-ranked window opening before `day_end`, cut to what the rep's day allows:
    a New York prospect's before-8:30 window is 7:00–7:30 for a Chicago rep."""
    for _ in range(len(CANDIDATE_WINDOWS) * 2):
        advised = advisor.advise(
            prospect_tz, segment, after, before=day_end, avoid=tried, closed=closed
        )
        if advised is None:
            return None
        kept = kept_by_both(advised.window, *rep)
        if kept is not None and kept.end > after:
            return replace(advised, window=kept)
        after = advised.window.end
    return None


def _reachable(prospect: Prospect, now: datetime) -> bool:
    """Still being pursued and not snoozed: active prospects, and not-interested ones whose
    rest the cadence may have ended."""
    if prospect.status not in PURSUED_STATUSES:
        return False
    return prospect.snoozed_until is None or prospect.snoozed_until <= now


def _emailed_since_last_dial(calls: CallSummary) -> bool:
    """The email the cadence asked for has gone out; listing it again would nag."""
    latest = calls.last_of(_DIALS_OR_EMAIL)
    return latest is not None and latest.outcome is Outcome.EMAIL


def _work_out_states(
    sections: dict[Section, list[DigestEntry]],
    unstated: Container[int | None],
    by_id: dict[int | None, ProspectHistory],
    now: datetime,
    rep_tz: ZoneInfo,
    rules: CadenceRules,
    states_for: int | None,
) -> None:
    """The cadence state of the first `states_for` entries (all when None) placed by their
    stored listing, from their calls, as `digest_listing` works it out."""
    entries = [(kind, index) for kind in Section for index in range(len(sections[kind]))]
    for kind, index in entries[:states_for]:
        entry = sections[kind][index]
        if entry.prospect.id not in unstated:
            continue
        prospect = entry.prospect
        calls = by_id[prospect.id].calls
        state = cadence_state(calls, prospect.deal_value, now, rep_tz, rules, closed_days(prospect))
        sections[kind][index] = replace(entry, state=state)


def last_dial_at_of(calls: CallSummary) -> datetime | None:
    """When the latest dial was made: its windows are not offered again the next time."""
    dial = calls.last_of(OUTBOUND_DIALS)
    return dial.at if dial is not None else None


def _dial_slots(dialed_at: datetime | None, prospect_tz: ZoneInfo) -> list[str]:
    """The windows (on the prospect's clock) a dial at `dialed_at` fell in, defaults first.

    A dial outside every window (mid-morning, say) blocks none of them.
    """
    if dialed_at is None:
        return []
    local = dialed_at.astimezone(prospect_tz).time()
    return [spec.label for spec in CANDIDATE_WINDOWS if spec.start <= local < spec.end]


def _section_of(label: str) -> Section:
    if label == EARLY:
        return Section.BEFORE_830
    if label in _DEFAULT_LABELS:
        return Section.LUNCH_AND_EVENING
    return Section.BEST_WINDOW


def _by_value(entry: DigestEntry) -> tuple[int, str]:
    """Bigger deals first; unknown values after known ones; then by name for a stable list."""
    value = entry.prospect.deal_value
    return (-(value if value is not None else -1), entry.prospect.name.casefold())


def _by_window_then_value(entry: DigestEntry) -> tuple[datetime, int, str]:
    assert entry.window is not None
    return (entry.window.start, *_by_value(entry))
