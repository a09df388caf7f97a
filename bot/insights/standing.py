"""What is stored on each prospect so the digest reads only those it may list.

The morning digest used to weigh every active prospect of every rep due, rebuilding each
one's cadence from their calls, though most are not due that day. A prospect's standing is
its relationship stage and `due_at`: the first moment the digest could list it anywhere but
among the owed return calls (those come from their own table), or None for never while
nothing changes (won, lost, do not call, a wrong number). Until `due_at` nothing the plan
asks about the prospect can change by time passing alone, so the digest leaves it unread;
from `due_at` it is read and planned as before.

Both values are worked out here, from the calls, by the digest's own test
(`digest_plan.digest_listing`) tried at every moment where its answer can change: the
cadence's boundaries (`cadence.cadence_boundaries`), the snooze's end, the follow-up's day
and the promise's chase day on the rep's clock, and the day after a try. The stage may
change at one of those moments without the prospect being listed (a lay-off ending while
snoozed): `due_at` is then that moment, so the stored stage is never out of date.

Pure: the clock, the zone and the rules are parameters.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.insights.digest_plan import (
    DEFAULT_RULES,
    Listing,
    StoredListing,
    digest_listing,
    last_dial_at_of,
)
from bot.rules.cadence import CadenceRules, cadence_boundaries, cadence_state
from bot.rules.call_summary import CallSummary
from bot.rules.calls import CallLog, Prospect
from bot.rules.public_holidays import closed_days
from bot.rules.relationship import Stage, last_try, next_business_day, relationship

# Enough for any history: each step passes at least one boundary, and they are few.
_MAX_STEPS = 200


@dataclass(frozen=True)
class Standing:
    """Where a prospect stands, as stored on its row."""

    stage: Stage
    due_at: datetime | None
    """The first moment from the one it was worked out at when the digest may list the
    prospect (outside the owed return calls) or its stage changes; None for never while
    its calls, details and rules stay as they are. At or before that moment: now."""
    listing: StoredListing | None = None
    """Where the digest lists it from `due_at` to the next moment its answer may change;
    None when `due_at` is only a change of stage (or never)."""


def standing_of(
    prospect: Prospect,
    history: Sequence[CallLog] | CallSummary,
    now: datetime,
    rep_tz: ZoneInfo,
    rules: CadenceRules = DEFAULT_RULES,
) -> Standing:
    """The standing of `prospect` at `now` from its calls (every call or their summary),
    on the rep's clock `rep_tz`, under the workspace's `rules`."""
    calls = history if isinstance(history, CallSummary) else CallSummary.of(history)
    closed = closed_days(prospect)
    stage = _stage(prospect, calls, now, rep_tz, rules, closed)
    moments = sorted(m for m in _moments(prospect, calls, rep_tz, rules, closed) if m > now)
    at = now
    tried = [now, *moments]
    for step, moment in enumerate(tried):
        if step > _MAX_STEPS:
            # Not expected; reading the prospect every morning is the safe answer.
            return Standing(stage, at)
        at = moment
        listed = digest_listing(prospect, calls, at, rep_tz, rules, closed)
        if listed is not None:
            until = tried[step + 1] if step + 1 < len(tried) else None
            return Standing(stage, at, _stored(listed, calls, at, until))
        if at > now and _stage(prospect, calls, at, rep_tz, rules, closed) is not stage:
            return Standing(stage, at)
    return Standing(stage, None)


def _stored(
    listed: Listing, calls: CallSummary, since: datetime, until: datetime | None
) -> StoredListing:
    """What placing the prospect needs while `listed` holds: `digest_listing` can change
    its answer only at one of the moments tried, so it holds until the next one."""
    if listed.section is None:
        return StoredListing(
            None,
            since,
            until,
            last_dial_at=last_dial_at_of(calls),
            next_try=listed.earliest,
        )
    return StoredListing(listed.section, since, until, callback_due=listed.state.callback_due)


def _stage(
    prospect: Prospect,
    calls: CallSummary,
    at: datetime,
    rep_tz: ZoneInfo,
    rules: CadenceRules,
    closed: Container[date],
) -> Stage:
    state = cadence_state(calls, prospect.deal_value, at, rep_tz, rules, closed)
    return relationship(prospect, calls.calls, at, rep_tz, rules, closed, state).stage


def _moments(
    prospect: Prospect,
    calls: CallSummary,
    rep_tz: ZoneInfo,
    rules: CadenceRules,
    closed: Container[date],
) -> set[datetime]:
    """Every moment at which `digest_listing` or the stage may change its answer: the
    cadence's own, and those the plan compares on the rep's clock (each such moment's
    day start too, since the plan asks "is it that day yet?")."""
    moments = cadence_boundaries(calls, prospect.deal_value, rep_tz, rules, closed)
    if prospect.snoozed_until is not None:
        moments.add(prospect.snoozed_until)
    if prospect.follow_up_at is not None:
        moments.add(prospect.follow_up_at)
    tried = last_try(calls.calls)
    if tried is not None:
        moments.add(next_business_day(tried, prospect.zone(rep_tz), closed))
    return moments | {_day_start(moment, rep_tz) for moment in moments}


def _day_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """The start of `moment`'s day on the clock `tz`, as the plan reckons a day."""
    return datetime.combine(moment.astimezone(tz).date(), time(0), tzinfo=tz)
