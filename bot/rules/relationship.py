"""Where a relationship stands: one value every reply, plan, reminder and draft reads.

Each surface used to decide from the last outcome on its own, and they contradicted each
other: an email thanked a prospect for a meeting still three days off, a first dial's
screener line spoke of "phone tag", a voicemail after they called us pitched them cold. So the
stage, the facts the rep may say aloud and the earliest next touch are worked out here once,
from the calls, the promises, the meetings and the settings, with the clock passed in.

A fact is only ever something the history holds: "talked on D" needs a conversation logged on
D, "they called on D" an inbound call, "the meeting of T was held" a meeting whose time has
passed. Pacing follows the seeds: "You should not leave 10 messages a day", so after a
voicemail or an unanswered dial the next try is on a later business day, at another part of
the day ("trying at different times with different strategies should eventually work").
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.rules.cadence import (
    CadenceRules,
    CadenceState,
    NextStep,
    cadence_state,
    not_interested_until,
)
from bot.rules.calls import (
    WORKING_DAY,
    CallLog,
    CallWindow,
    DeskHours,
    Outcome,
    Prospect,
    ProspectStatus,
)
from bot.rules.windows import next_shared_window, part_of_day

DEFAULT_RULES = CadenceRules()

UNANSWERED = frozenset({Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.GATEKEEPER})
"""Dials that did not reach the prospect: they pace the next try."""

TALKS = frozenset(
    {Outcome.CONNECTED, Outcome.MEETING, Outcome.CALLBACK, Outcome.WON, Outcome.NOT_INTERESTED}
)
"""Calls where the prospect spoke with the rep (an inbound call is a missed call from them)."""


class Stage(StrEnum):
    NEW = "new"
    ATTEMPTING = "attempting"
    RESTING = "resting"
    OWED_RETURN_CALL = "owed_return_call"
    PROMISED_CALLBACK = "promised_callback"
    TALKED = "talked"
    MEETING_AHEAD = "meeting_ahead"
    MEETING_HELD = "meeting_held"
    WON = "won"
    LOST = "lost"
    NOT_INTERESTED = "not_interested"
    DO_NOT_CALL = "do_not_call"
    WRONG_NUMBER = "wrong_number"


CLOSED_STAGES = frozenset({Stage.WON, Stage.LOST, Stage.NOT_INTERESTED, Stage.DO_NOT_CALL})
SILENT_STAGES = CLOSED_STAGES | {Stage.WRONG_NUMBER}
"""No voicemail, no email and no number to dial: there is nobody to leave it for."""

_CLOSED_BY_OUTCOME = {
    Outcome.WON: Stage.WON,
    Outcome.LOST: Stage.LOST,
    Outcome.NOT_INTERESTED: Stage.NOT_INTERESTED,
    Outcome.DNC: Stage.DO_NOT_CALL,
}
_CLOSED_BY_STATUS = {
    ProspectStatus.WON: Stage.WON,
    ProspectStatus.LOST: Stage.LOST,
    ProspectStatus.DNC: Stage.DO_NOT_CALL,
    ProspectStatus.WRONG_NUMBER: Stage.WRONG_NUMBER,
}
_STAGE_BY_STEP = {
    NextStep.RETURN_CALL: Stage.OWED_RETURN_CALL,
    NextStep.FIX_NUMBER: Stage.WRONG_NUMBER,
    NextStep.AWAIT_MEETING: Stage.MEETING_AHEAD,
    NextStep.WAIT_FOR_CALLBACK: Stage.PROMISED_CALLBACK,
    NextStep.CHASE_CALLBACK: Stage.PROMISED_CALLBACK,
    NextStep.FOLLOW_UP: Stage.TALKED,
}

INSTEAD: dict[Stage, str] = {
    Stage.WRONG_NUMBER: "Wrong number: find the right one (the switchboard or their email)"
    " and add it with /prospect edit.",
    Stage.WON: "Won: nothing to send. Ask them for an introduction instead.",
    Stage.LOST: "Lost: nothing to send.",
    Stage.NOT_INTERESTED: "Not interested: nothing to send until they are worth another try.",
    Stage.DO_NOT_CALL: "Do not call: nothing to send, ever.",
}
"""The one line a refusal says for a prospect who gets no message: what to do instead."""


@dataclass(frozen=True)
class Relationship:
    """Where things stand with one prospect at one moment.

    The dates are the facts a draft may name; each is None unless the history holds it.
    `earliest_call` is the first moment a dial is allowed, None when no dial is on the plan
    (closed, a wrong number, or an email to send first).
    """

    stage: Stage
    cadence: CadenceState
    now: datetime
    """The moment it was worked out: "yesterday" in a draft is judged from here."""
    talked_on: datetime | None = None
    """The latest conversation with the prospect."""
    they_called_on: datetime | None = None
    """The latest call from them, while it is owed a return call."""
    meeting_at: datetime | None = None
    """The booked meeting's time (held once MEETING_HELD)."""
    promised_on: datetime | None = None
    """When they promised to call back, while that promise stands."""
    unanswered_dials: int = 0
    """Dials since the last conversation or call from them that did not reach them."""
    last_try: datetime | None = None
    """The latest of those dials, when it is the latest call."""
    avoid_part: str | None = None
    """The part of the day (windows.part_of_day, their clock) the next try should not be
    in: the last try's, when the next try is the very next business day. A day the rep was
    given ("back Wednesday") or a rest's end is a fresh start, so any window goes."""
    voicemails_that_day: int = 0
    """Voicemails on the prospect's business day of the latest voicemail."""
    resting_until: datetime | None = None
    earliest_call: datetime | None = None

    @property
    def silent(self) -> bool:
        return self.stage in SILENT_STAGES

    @property
    def meeting_held(self) -> bool:
        return self.stage is Stage.MEETING_HELD

    @property
    def phone_tag(self) -> bool:
        """Phone tag takes two: a second unanswered dial at least."""
        return self.unanswered_dials >= 2

    @property
    def instead(self) -> str | None:
        return INSTEAD.get(self.stage)


def relationship(
    prospect: Prospect,
    history: Sequence[CallLog],
    now: datetime,
    rep_tz: ZoneInfo,
    rules: CadenceRules = DEFAULT_RULES,
    closed: Container[date] = (),
    state: CadenceState | None = None,
) -> Relationship:
    """Where the relationship with `prospect` stands at `now`, from every call logged.

    `closed` holds the prospect's public holidays; `state` is the cadence verdict when the
    caller already has it (it is worked out from the same calls otherwise).
    """
    logs = sorted(history, key=lambda log: log.at)
    if state is None:
        state = cadence_state(logs, prospect.deal_value, now, rep_tz, rules, closed)
    zone = prospect.zone(rep_tz)
    last = next((log for log in reversed(logs) if log.outcome is not Outcome.EMAIL), None)
    talks = [log for log in logs if log.outcome in TALKS]
    talked_on = talks[-1].at if talks else None
    reached = max(
        (i for i, log in enumerate(logs) if log.outcome in TALKS | {Outcome.INBOUND}), default=-1
    )
    unanswered = [log.at for log in logs[reached + 1 :] if log.outcome in UNANSWERED]
    voicemails = [log.at for log in logs if log.outcome is Outcome.VOICEMAIL]
    that_day = 0
    if voicemails:
        day = voicemails[-1].astimezone(zone).date()
        that_day = sum(1 for at in voicemails if at.astimezone(zone).date() == day)
    tried = last_try(logs)

    stage = _stage(prospect, state, last, logs, now)
    meeting_at = last.follow_up_at if last is not None and last.outcome is Outcome.MEETING else None
    they_called_on = (
        state.return_call_due - rules.return_call_within if state.return_call_due else None
    )
    promised_on = None
    if stage is Stage.PROMISED_CALLBACK:
        promised_on = next(log.at for log in reversed(logs) if log.outcome is Outcome.CALLBACK)
    resting_until = state.laid_off_until
    if stage is Stage.NOT_INTERESTED and last is not None:
        resting_until = not_interested_until(last.at, rules, rep_tz, closed)

    earliest = avoid = None
    # An email to send first plans no dial, unless a lay-off already says when calls resume.
    emailing = state.next_step is NextStep.EMAIL and state.laid_off_until is None
    if stage not in SILENT_STAGES and not emailing:
        moments = [now, state.laid_off_until, prospect.follow_up_at, prospect.snoozed_until]
        if stage is not Stage.OWED_RETURN_CALL:
            moments.append(state.not_before)
        paced = next_business_day(tried, zone, closed) if tried is not None else None
        earliest = max(m for m in (*moments, paced) if m is not None)
        if tried is not None and earliest == max(m for m in (now, paced) if m is not None):
            avoid = part_of_day(tried.astimezone(zone))
    return Relationship(
        stage=stage,
        cadence=state,
        now=now,
        talked_on=talked_on,
        they_called_on=they_called_on,
        meeting_at=meeting_at,
        promised_on=promised_on,
        unanswered_dials=len(unanswered),
        last_try=tried,
        avoid_part=avoid,
        voicemails_that_day=that_day,
        resting_until=resting_until,
        earliest_call=earliest,
    )


def last_try(logs: Sequence[CallLog]) -> datetime | None:
    """The latest call (emails aside), in calls oldest first, when it was a dial that did
    not reach the prospect: it paces the next try (`Relationship.last_try`)."""
    last = next((log for log in reversed(logs) if log.outcome is not Outcome.EMAIL), None)
    return last.at if last is not None and last.outcome in UNANSWERED else None


def _stage(
    prospect: Prospect,
    state: CadenceState,
    last: CallLog | None,
    logs: Sequence[CallLog],
    now: datetime,
) -> Stage:
    if state.closed and last is not None and last.outcome in _CLOSED_BY_OUTCOME:
        return _CLOSED_BY_OUTCOME[last.outcome]
    if prospect.status in _CLOSED_BY_STATUS and state.next_step is not NextStep.RETURN_CALL:
        return _CLOSED_BY_STATUS[prospect.status]
    if state.next_step in _STAGE_BY_STEP:
        return _STAGE_BY_STEP[state.next_step]
    if state.next_step is NextStep.FOLLOW_UP_MEETING:
        meeting = last.follow_up_at if last is not None else None
        # A meeting booked without a time is not known to have happened.
        return Stage.MEETING_HELD if meeting is not None and meeting <= now else Stage.MEETING_AHEAD
    if state.laid_off_until is not None and now < state.laid_off_until:
        return Stage.RESTING
    if not any(log.outcome is not Outcome.EMAIL for log in logs):
        return Stage.NEW
    return Stage.ATTEMPTING


def next_business_day(at: datetime, zone: ZoneInfo, closed: Container[date] = ()) -> datetime:
    """The start of the prospect's first business day after `at`'s (their weekend and public
    holidays skipped): one voicemail a day, not two or three in 24 hours."""
    day = at.astimezone(zone).date() + timedelta(days=1)
    while day.weekday() >= 5 or day in closed:
        day += timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=zone)


def next_touch_window(
    standing: Relationship,
    prospect: Prospect,
    rep_tz: ZoneInfo,
    *,
    rep_day: DeskHours = WORKING_DAY,
    closed: Container[date] = (),
    rep_closed: Container[date] = (),
) -> CallWindow | None:
    """The window to offer for the next dial: none when no dial is on the plan; else the
    first both sides can keep from `earliest_call`, at another part of the day than an
    unanswered last try the day before."""
    if standing.earliest_call is None:
        return None
    return next_shared_window(
        prospect.zone(rep_tz),
        rep_tz,
        standing.earliest_call,
        rep_day=rep_day,
        closed=closed,
        rep_closed=rep_closed,
        avoid=standing.avoid_part,
    )


def voicemail_pacing(standing: Relationship, rules: CadenceRules, rep_tz: ZoneInfo) -> str | None:
    """What a voicemail over the day's allowance costs, for the reply to say; None within it.

    Logging it is allowed (the rep did leave it), but a second message in a day spends the
    3-in-10-days budget twice as fast and brings the month's lay-off nearer."""
    if standing.voicemails_that_day <= rules.voicemails_per_day:
        return None
    state = standing.cadence
    n = standing.voicemails_that_day
    head = (
        f"That's {n} voicemails to them in one day; one a day is the rule"
        " (more only teaches them to let it ring)."
    )
    window = f"{state.voicemail_cap} in {rules.voicemail_window.days} days"
    if state.laid_off_until is not None:
        until = state.laid_off_until.astimezone(rep_tz)
        return f"{head} It fills the {window}: no calls until {until:%a %b} {until.day}."
    left = state.voicemail_cap - state.voicemails_in_window
    return (
        f"{head} It counts {state.voicemails_in_window} of the {window};"
        f" {left} more and calls stop for {rules.layoff.days} days."
    )
