"""How hard to keep calling a prospect, and what the rep should do next.

The rules come from sellers who live with voicemail: leave no more than three voicemails in
ten days and then lay off for a month (more only annoys), spend more dials on bigger deals
(people say yes on the 17th call, but a $1,000 sale is worth two or three), return every
inbound call within 24 hours, and chase a promised callback after a few business days because
"he'll call back" usually means he won't.

A conversation changes the plan: after a live call the next one is a follow-up a couple of
business days later (or when the rep said), a booked meeting keeps the prospect off call
lists until it has happened, and a closed deal gets no more calls. Nobody is a dead end: a
prospect whose budget is spent and who has had the email rests a month and comes back with a
couple of fresh attempts, and "not interested" may be asked again after a long rest.

Everything here is pure: the clock and the rep's time zone are parameters, so the rules can
be replayed for any moment in tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.rules.call_summary import CallSummary
from bot.rules.calls import (
    CONVERSATIONS,
    OUTBOUND_DIALS,
    CallLog,
    Outcome,
)
from bot.rules.money import CODES, DEFAULT_CURRENCY, format_money

# The latest outcome that ends the pursuit: no rule below can revive the prospect.
_CLOSED_OUTCOMES = frozenset({Outcome.WON, Outcome.LOST, Outcome.NOT_INTERESTED, Outcome.DNC})


@dataclass(frozen=True)
class CadenceRules:
    """One workspace's cadence; defaults are the sellers' rules of thumb.

    The budget is log-linear in deal value: `budget_at_reference` attempts for a deal worth
    `budget_reference_value`, plus `budget_per_tenfold` for every tenfold increase, clamped to
    `budget_floor`..`budget_cap` so tiny deals still get a couple of tries and huge ones do not
    turn into harassment.
    """

    voicemail_cap: int = 3
    voicemail_window: timedelta = timedelta(days=10)
    layoff: timedelta = timedelta(days=30)
    return_call_within: timedelta = timedelta(hours=24)
    callback_business_days: int = 3
    budget_reference_value: int = 1000
    budget_at_reference: int = 3
    budget_per_tenfold: float = 12.0
    budget_floor: int = 2
    budget_cap: int = 30
    follow_up_business_days: int = 2
    """After a conversation without a `next:`, the follow-up comes this many business days on."""
    spent_rest: timedelta = timedelta(days=30)
    """A prospect whose budget is spent and who has had the email rests this long."""
    fresh_budget: int = 2
    """Attempts a prospect gets back after that rest."""
    not_interested_rest: timedelta = timedelta(days=90)
    """How long "not interested" holds before the prospect is worth one more try."""
    currency: str = DEFAULT_CURRENCY
    """The workspace's deal currency: the budget counts its thousands."""
    voicemails_per_day: int = 1
    """Voicemails to one prospect in one of their business days before the reply warns:
    "You should not leave 10 messages a day"."""

    def __post_init__(self) -> None:
        # Reject settings that would silently disable a rule, e.g. a zero cap meaning
        # "lay off before the first voicemail" or a budget that shrinks as deals grow.
        for name in (
            "voicemail_cap",
            "callback_business_days",
            "budget_reference_value",
            "follow_up_business_days",
            "fresh_budget",
            "voicemails_per_day",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in (
            "voicemail_window",
            "layoff",
            "return_call_within",
            "spent_rest",
            "not_interested_rest",
        ):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"{name} must be positive")
        if self.budget_per_tenfold < 0:
            raise ValueError("budget_per_tenfold must not be negative")
        if not 1 <= self.budget_floor <= self.budget_cap:
            raise ValueError("need 1 <= budget_floor <= budget_cap")
        if not self.budget_floor <= self.budget_at_reference <= self.budget_cap:
            raise ValueError("budget_at_reference must lie between budget_floor and budget_cap")
        if self.currency not in CODES:
            raise ValueError(f"currency {self.currency!r} is not one we know")

    @classmethod
    def from_mapping(cls, d: Mapping[str, object]) -> CadenceRules:
        """Build a workspace's rules from its stored JSON overrides.

        Keys are in the units an admin thinks in (days, hours); unknown keys are ignored so
        older bots can read settings written by newer ones. Bad values raise ValueError rather
        than quietly falling back, so a typo in the settings is noticed.
        """
        kwargs: dict[str, object] = {}
        if "currency" in d:
            currency = d["currency"]
            if not isinstance(currency, str) or currency not in CODES:
                raise ValueError(f"currency must be an ISO code we know, got {currency!r}")
            kwargs["currency"] = currency
        for key, (attribute, kind) in _MAPPING_KEYS.items():
            if key not in d:
                continue
            value = d[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{key} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{key} must be finite")
            if kind == "int":
                if value != int(value):
                    raise ValueError(f"{key} must be a whole number, got {value!r}")
                kwargs[attribute] = int(value)
            elif kind == "days":
                kwargs[attribute] = timedelta(days=value)
            elif kind == "hours":
                kwargs[attribute] = timedelta(hours=value)
            else:
                kwargs[attribute] = float(value)
        return cls(**kwargs)  # type: ignore[arg-type]


# Stored key -> (field, how to read the number).
_MAPPING_KEYS: dict[str, tuple[str, str]] = {
    "voicemail_cap": ("voicemail_cap", "int"),
    "voicemail_window_days": ("voicemail_window", "days"),
    "layoff_days": ("layoff", "days"),
    "return_call_hours": ("return_call_within", "hours"),
    "callback_business_days": ("callback_business_days", "int"),
    "budget_reference_value": ("budget_reference_value", "int"),
    "budget_at_reference": ("budget_at_reference", "int"),
    "budget_per_tenfold": ("budget_per_tenfold", "float"),
    "budget_floor": ("budget_floor", "int"),
    "budget_cap": ("budget_cap", "int"),
    "follow_up_business_days": ("follow_up_business_days", "int"),
    "spent_rest_days": ("spent_rest", "days"),
    "fresh_budget": ("fresh_budget", "int"),
    "not_interested_rest_days": ("not_interested_rest", "days"),
    "voicemails_per_day": ("voicemails_per_day", "int"),
}


def attempt_budget(deal_value: int | None, rules: CadenceRules = CadenceRules()) -> int:
    """How many unanswered dials a deal is worth before switching to email.

    Formula (defaults): round(3 + 12 * log10(value / 1000)), clamped to 2..30 — so $1,000 buys
    3 attempts, $10,000 buys 15, $100,000 buys 27 and about $180,000 hits the cap of 30.
    Bigger deals justify persistence (the yes often comes on the 17th call); small ones do not
    repay it. An unknown value is budgeted like the reference ($1,000) deal: the rep has not
    qualified it yet, so it earns the modest default, not the floor. Zero or negative values
    get the floor. Halves round up. Non-decreasing in deal value.
    """
    value = rules.budget_reference_value if deal_value is None else deal_value
    if value <= 0:
        return rules.budget_floor
    raw = rules.budget_at_reference + rules.budget_per_tenfold * math.log10(
        value / rules.budget_reference_value
    )
    return max(rules.budget_floor, min(rules.budget_cap, math.floor(raw + 0.5)))


def business_days_after(
    start: datetime, days: int, tz: ZoneInfo, closed: Container[date] = ()
) -> datetime:
    """The same wall-clock time `days` business days (Monday to Friday in `tz`, less the days
    in `closed`: the prospect's public holidays) after `start`.

    "I'll call you back" made on a Friday should not come due over the weekend, nor on
    Thanksgiving, when nobody is at their desk to call. `start` must be time-zone aware.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    local = start.astimezone(tz).replace(tzinfo=None)
    day = local.date()
    while days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            days -= 1
    return datetime.combine(day, local.time()).replace(tzinfo=tz)


def not_interested_until(
    said_at: datetime, rules: CadenceRules, tz: ZoneInfo, closed: Container[date] = ()
) -> datetime:
    """When "not interested" said at `said_at` is worth one more try: after the rest, on a
    business day (a retry due on a Sunday waits for Monday, a holiday for the day after)."""
    back = (said_at + rules.not_interested_rest).astimezone(tz)
    while back.weekday() >= 5 or back.date() in closed:
        back = datetime.combine(back.date() + timedelta(days=1), time(0), tzinfo=tz)
    return back


class NextStep(StrEnum):
    """What the rep should do about this prospect now."""

    CALL = "call"
    EMAIL = "email"
    RETURN_CALL = "return_call"
    CHASE_CALLBACK = "chase_callback"
    LAY_OFF = "lay_off"
    WAIT_FOR_CALLBACK = "wait_for_callback"
    CLOSED = "closed"
    FIX_NUMBER = "fix_number"
    FOLLOW_UP = "follow_up"
    """After a conversation: call again once `not_before` has come."""
    AWAIT_MEETING = "await_meeting"
    """A meeting is booked: no calls until it has passed."""
    FOLLOW_UP_MEETING = "follow_up_meeting"
    """The meeting has passed: one call to follow up on it."""


CALLABLE_STEPS = frozenset(
    {NextStep.CALL, NextStep.FOLLOW_UP, NextStep.FOLLOW_UP_MEETING, NextStep.CHASE_CALLBACK}
)
"""Steps where the next thing to do is to dial (once `not_before`, if any, has come)."""

DRAFTABLE_STEPS = frozenset(NextStep) - {NextStep.CLOSED}
"""Every step but a closed one has a message worth drafting."""


@dataclass(frozen=True, eq=False)
class CadenceState:
    """The cadence verdict for one prospect at one moment, with the reason spelled out.

    `rule` is the sentence shown to the rep, so they learn the rule rather than obey a black
    box. It is written when read: a digest weighs every prospect of the rep and shows a
    couple of dozen, and writing the sentence for every one was a tenth of its cost.
    """

    next_step: NextStep
    voicemails_in_window: int
    voicemail_cap: int
    attempts: int
    budget: int
    laid_off_until: datetime | None
    return_call_due: datetime | None
    callback_due: datetime | None
    write_rule: Callable[[], str] = field(repr=False)
    """Writes `rule`."""
    not_before: datetime | None = None
    """When a waiting step comes due: the follow-up's day, or the meeting's end."""

    @property
    def rule(self) -> str:
        return self.write_rule()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CadenceState):
            return NotImplemented
        return self._said() == other._said()

    def __hash__(self) -> int:
        return hash(self._said())

    def _said(self) -> tuple[object, ...]:
        """Equal states are the same verdict in the same words, however they were written."""
        return (
            self.next_step,
            self.voicemails_in_window,
            self.voicemail_cap,
            self.attempts,
            self.budget,
            self.laid_off_until,
            self.return_call_due,
            self.callback_due,
            self.rule,
            self.not_before,
        )

    @property
    def closed(self) -> bool:
        return self.next_step is NextStep.CLOSED

    def due(self, now: datetime) -> bool:
        """Whether a call is on the plan at `now`: a dialling step whose day has come."""
        return self.next_step in CALLABLE_STEPS and (
            self.not_before is None or self.not_before <= now
        )


def cadence_state(
    history: Sequence[CallLog] | CallSummary,
    deal_value: int | None,
    now: datetime,
    tz: ZoneInfo,
    rules: CadenceRules = CadenceRules(),
    closed: Container[date] = (),
) -> CadenceState:
    """Decide the next step for a prospect from every call logged against them.

    Precedence, strongest first: a closing latest outcome (CLOSED, though "not interested"
    comes back as CALL after its rest); an unreturned inbound call (RETURN_CALL); a wrong
    number as the latest outcome (FIX_NUMBER); a booked meeting (AWAIT_MEETING, then
    FOLLOW_UP_MEETING once it has passed); a pending callback promise (WAIT_FOR_CALLBACK,
    then CHASE_CALLBACK once due); a conversation (FOLLOW_UP, due on `not_before`); a
    voicemail lay-off or a spent budget's rest (EMAIL, or LAY_OFF once the email is out); a
    spent attempt budget (EMAIL); otherwise CALL.

    Voicemails and attempts only count since the last live conversation: once the prospect
    has talked to the rep, earlier unanswered messages no longer make the rep a pest.
    `history` may be in any order; `now` must be time-zone aware; dates in `rule` are shown
    in `tz`. `closed` holds the prospect's public holidays, which are not business days.
    """
    logs, since_talk = _calls_and_since_talk(history)
    attempts, budget, rested_until = _attempts(since_talk, deal_value, rules)
    voicemails = [log.at for log in since_talk if log.outcome is Outcome.VOICEMAIL]
    in_window = sum(1 for at in voicemails if now - at < rules.voicemail_window)

    return_due = _return_call_due(logs, rules)
    callback_due = _callback_due(logs, rules, tz, closed)
    capping_at, capped_count = _capping_voicemail(voicemails, rules)
    laid_off_until = capping_at + rules.layoff if capping_at is not None else None
    if laid_off_until is not None and now >= laid_off_until:
        laid_off_until = None
    if rested_until is not None and now < rested_until:
        laid_off_until = max(filter(None, (laid_off_until, rested_until)))

    def state(
        step: NextStep, rule: Callable[[], str], not_before: datetime | None = None
    ) -> CadenceState:
        return CadenceState(
            next_step=step,
            voicemails_in_window=in_window,
            voicemail_cap=rules.voicemail_cap,
            attempts=attempts,
            budget=budget,
            laid_off_until=laid_off_until,
            return_call_due=return_due,
            callback_due=callback_due,
            write_rule=rule,
            not_before=not_before,
        )

    # An email is not a touch that changes the plan: the last call or conversation does.
    last = next((log for log in reversed(logs) if log.outcome is not Outcome.EMAIL), None)
    latest = last.outcome if last else None

    if last is not None and latest is Outcome.NOT_INTERESTED:
        back = not_interested_until(last.at, rules, tz, closed)
        reason = f" (“{_clause(last.notes)}”)" if last.notes.strip() else ""
        said = f"Not interested on {_day(last.at, tz)}{reason}"
        if now < back:
            return state(
                NextStep.CLOSED,
                lambda: f"{said}: no calls; worth one more try from {_day(back, tz)}.",
            )
        return state(
            NextStep.CALL,
            lambda: (
                f"{said}, {_days(rules.not_interested_rest)} ago: worth one more try,"
                " with something new."
            ),
        )
    if latest in _CLOSED_OUTCOMES:
        closing = _CLOSED_RULES[latest]
        return state(NextStep.CLOSED, lambda: closing)
    if return_due is not None:
        hours = _number(rules.return_call_within / timedelta(hours=1))
        if now < return_due:
            return state(
                NextStep.RETURN_CALL,
                lambda: (
                    f"They called you: return the call by {_clock(return_due, tz)}"
                    f" (within {hours} hours)."
                ),
            )
        return state(
            NextStep.RETURN_CALL,
            lambda: (
                f"They called you and the return call was due {_clock(return_due, tz)}"
                f" (within {hours} hours): call them now."
            ),
        )
    if latest is Outcome.WRONG:
        return state(NextStep.FIX_NUMBER, lambda: _WRONG_NUMBER)
    if last is not None and latest is Outcome.MEETING:
        meeting = last.follow_up_at
        if meeting is None:
            due = _follow_up_day(last, rules, tz, closed)
            return state(
                NextStep.FOLLOW_UP_MEETING,
                lambda: (
                    f"Meeting set, no time given: follow up on it on {_day(due, tz)}, or"
                    " give its time with Set follow-up."
                ),
                due,
            )
        if now < meeting:
            return state(
                NextStep.AWAIT_MEETING,
                lambda: (
                    f"Meeting set for {_moment(meeting, tz)}: no calls until then;"
                    " follow up after it."
                ),
                meeting,
            )
        return state(
            NextStep.FOLLOW_UP_MEETING,
            lambda: (
                f"Follow up on the meeting of {_moment(meeting, tz)}: thank them and agree"
                " the next step."
            ),
            meeting,
        )
    if callback_due is not None:
        n = rules.callback_business_days
        if now < callback_due:
            return state(
                NextStep.WAIT_FOR_CALLBACK,
                lambda: (
                    "They promised to call back; chase it on"
                    f" {_day(callback_due, tz)} if they haven't ({n} business days)."
                ),
            )
        return state(
            NextStep.CHASE_CALLBACK,
            lambda: (
                f"They promised to call back by {_day(callback_due, tz)} ({n} business"
                " days) and haven't: call them."
            ),
        )
    if last is not None and latest is Outcome.CONNECTED:
        due = _follow_up_day(last, rules, tz, closed)
        spoke = last.at
        if now < due:
            agreed = last.follow_up_at
            if agreed is not None:
                return state(
                    NextStep.FOLLOW_UP,
                    lambda: (
                        f"You talked on {_day(spoke, tz)}: call again {_moment(agreed, tz)},"
                        " as you agreed."
                    ),
                    due,
                )
            n = rules.follow_up_business_days
            return state(
                NextStep.FOLLOW_UP,
                lambda: (
                    f"You talked on {_day(spoke, tz)}: follow up on {_day(due, tz)}"
                    f" ({n} business days on)."
                ),
                due,
            )
        return state(
            NextStep.FOLLOW_UP,
            lambda: (
                f"Follow up on your conversation of {_day(spoke, tz)}: pick up where you left off."
            ),
            due,
        )
    if laid_off_until is not None:
        until = laid_off_until
        if capping_at is not None and now < capping_at + rules.layoff:

            def head() -> str:
                over = (
                    f" is over the cap of {rules.voicemail_cap}"
                    if capped_count > rules.voicemail_cap
                    else ""
                )
                return f"{capped_count} voicemails in {_window_days(rules)} days{over}"

            if any(log.outcome is Outcome.EMAIL and log.at >= capping_at for log in logs):
                return state(
                    NextStep.LAY_OFF,
                    lambda: f"{head()} and the email is sent: no calls until {_day(until, tz)}.",
                )
            return state(
                NextStep.EMAIL,
                lambda: (
                    f"{head()}: lay off calls until {_day(until, tz)} and send an email instead."
                ),
            )
        return state(
            NextStep.LAY_OFF,
            lambda: (
                "Attempt budget spent and the email is sent: resting until"
                f" {_day(until, tz)}, then {rules.fresh_budget} fresh attempts."
            ),
        )
    if attempts >= budget:
        return state(
            NextStep.EMAIL,
            lambda: (
                f"Attempt budget spent: {attempts} of {_plural(budget, 'dial')} for"
                f" {_deal_phrase(deal_value, rules)} since the last conversation; send an email"
                " instead."
            ),
        )
    if rested_until is not None:
        return state(
            NextStep.CALL,
            lambda: (
                f"Back after a {_number(rules.spent_rest / timedelta(days=1))}-day rest:"
                f" attempt {attempts + 1} of {budget}, so say something new."
            ),
        )
    if in_window:
        return state(
            NextStep.CALL,
            lambda: (
                f"Voicemail {in_window} of {rules.voicemail_cap} in this"
                f" {_window_days(rules)}-day window."
            ),
        )
    if attempts:
        return state(
            NextStep.CALL,
            lambda: (
                f"Attempt {attempts} of {budget} budgeted for {_deal_phrase(deal_value, rules)}."
            ),
        )
    return state(
        NextStep.CALL,
        lambda: (
            f"No unanswered dials yet: {budget} attempts budgeted for"
            f" {_deal_phrase(deal_value, rules)}."
        ),
    )


def cadence_boundaries(
    history: Sequence[CallLog] | CallSummary,
    deal_value: int | None,
    tz: ZoneInfo,
    rules: CadenceRules = CadenceRules(),
    closed: Container[date] = (),
) -> set[datetime]:
    """Every instant at which `cadence_state` of this history may change its step or its
    dates: the moments it compares `now` with (a lay-off or a rest ending, an inbound
    call's return falling due, a meeting, a promise's chase day, a follow-up day, a "not
    interested" rest ending). Between two of them only the count of voicemails in the
    rolling window can change (it is in the rule's words, not the step), so a stored
    step holds until the next one. The same helpers decide them as decide the state, so
    the two cannot drift apart."""
    logs, since_talk = _calls_and_since_talk(history)
    _, _, rested_until = _attempts(since_talk, deal_value, rules)
    voicemails = [log.at for log in since_talk if log.outcome is Outcome.VOICEMAIL]
    capping_at, _ = _capping_voicemail(voicemails, rules)
    moments: list[datetime | None] = [
        rested_until,
        capping_at + rules.layoff if capping_at is not None else None,
        _return_call_due(logs, rules),
        _callback_due(logs, rules, tz, closed),
    ]
    last = next((log for log in reversed(logs) if log.outcome is not Outcome.EMAIL), None)
    if last is not None:
        moments += [
            last.follow_up_at,
            _follow_up_day(last, rules, tz, closed),
            not_interested_until(last.at, rules, tz, closed),
        ]
    return {moment for moment in moments if moment is not None}


_CLOSED_RULES: dict[Outcome, str] = {
    Outcome.WON: "Won: no more calls.",
    Outcome.LOST: "Lost: no more calls.",
    Outcome.DNC: "Do not call: no more calls, ever.",
}
_WRONG_NUMBER = "Wrong number: find the right number before calling."


def _window_days(rules: CadenceRules) -> str:
    return _number(rules.voicemail_window / timedelta(days=1))


def _attempts(
    since_talk: Sequence[CallLog], deal_value: int | None, rules: CadenceRules
) -> tuple[int, int, datetime | None]:
    """(attempts, budget, end of the latest rest) since the last conversation.

    An email sent once the budget is spent starts a rest; after it the prospect gets a small
    fresh budget, counted from zero, so no prospect is dropped for good.
    """
    budget = attempt_budget(deal_value, rules)
    attempts = 0
    rested_until = None
    for log in since_talk:
        if log.outcome in OUTBOUND_DIALS:
            attempts += 1
        elif log.outcome is Outcome.EMAIL and attempts >= budget:
            rested_until = log.at + rules.spent_rest
            attempts, budget = 0, rules.fresh_budget
    return attempts, budget, rested_until


def _follow_up_day(
    last: CallLog, rules: CadenceRules, tz: ZoneInfo, closed: Container[date]
) -> datetime:
    """The start of the day to follow up a conversation: the one agreed, or a couple of
    business days on. Never the next morning: a prospect who just talked needs room."""
    agreed = last.follow_up_at or business_days_after(
        last.at, rules.follow_up_business_days, tz, closed
    )
    local = agreed.astimezone(tz)
    return datetime.combine(local.date(), datetime.min.time(), tzinfo=tz)


def _calls_and_since_talk(
    history: Sequence[CallLog] | CallSummary,
) -> tuple[Sequence[CallLog], Sequence[CallLog]]:
    """Every call oldest first, and those since the latest conversation: a summary holds
    both already; a history is sorted and cut."""
    if isinstance(history, CallSummary):
        return history.calls, history.since_talk
    logs = sorted(history, key=_time)
    talks = (i for i, log in enumerate(logs) if log.outcome in CONVERSATIONS)
    return logs, logs[max(talks, default=-1) + 1 :]


def _time(log: CallLog) -> datetime:
    return log.at


def _return_call_due(logs: Sequence[CallLog], rules: CadenceRules) -> datetime | None:
    """When the latest inbound call must be returned, if no dial has answered it yet.

    Returning every call within a day is the promise that keeps prospects calling in.
    """
    for log in reversed(logs):
        if log.outcome in OUTBOUND_DIALS:
            return None
        if log.outcome is Outcome.INBOUND:
            return log.at + rules.return_call_within
    return None


def _callback_due(
    logs: Sequence[CallLog], rules: CadenceRules, tz: ZoneInfo, closed: Container[date]
) -> datetime | None:
    """When to chase the latest "I'll call you back", unless they called or the rep dialed since.

    Scans back from the newest log: the first CALLBACK found is the live promise; an inbound
    call or any other dial found first means the promise was kept or already chased.
    """
    for log in reversed(logs):
        if log.outcome is Outcome.CALLBACK:
            return business_days_after(log.at, rules.callback_business_days, tz, closed)
        if log.outcome is Outcome.INBOUND or log.outcome in OUTBOUND_DIALS:
            return None
    return None


def _capping_voicemail(
    voicemails: Sequence[datetime], rules: CadenceRules
) -> tuple[datetime | None, int]:
    """The latest voicemail that filled a window to the cap, and how many that window held.

    A voicemail left over the cap restarts the lay-off from itself: breaking the rule earns
    the prospect another full month of quiet.
    """
    for i in range(len(voicemails) - 1, rules.voicemail_cap - 2, -1):
        end = voicemails[i]
        count = sum(1 for at in voicemails[: i + 1] if end - at < rules.voicemail_window)
        if count >= rules.voicemail_cap:
            return end, count
    return None, 0


def _deal_phrase(deal_value: int | None, rules: CadenceRules) -> str:
    """'a $12,000 deal' / 'an $8,000 deal', so the rep sees why the budget is what it is."""
    if deal_value is None:
        reference = format_money(rules.budget_reference_value, rules.currency)
        return f"a deal of unknown value (budgeted like {reference})"
    money = format_money(deal_value, rules.currency)
    if not money[0].isdigit() and money[0] not in "$£¥₹":
        return f"an {money} deal" if money[0] in "AEIOU€" else f"a {money} deal"
    digits = str(abs(deal_value))
    lead = digits[: len(digits) % 3 or 3]
    article = "an" if lead.startswith("8") or lead in ("11", "18") else "a"
    return f"{article} {money} deal"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _days(span: timedelta) -> str:
    return f"{_number(span / timedelta(days=1))} days"


def _clause(text: str) -> str:
    """A note quoted mid-sentence: one line, without its closing full stop."""
    return " ".join(text.split()).rstrip(".!;, ")


def _number(x: float) -> str:
    """10.0 -> '10', 1.5 -> '1.5': settings are usually whole days or hours."""
    return f"{x:g}"


def _day(at: datetime, tz: ZoneInfo) -> str:
    """'Sat Dec 26' in the rep's zone."""
    local = at.astimezone(tz)
    return f"{local:%a %b} {local.day}"


def _moment(at: datetime, tz: ZoneInfo) -> str:
    """'Thu Dec 3, 10:00 AM' in the rep's zone: meetings and agreed calls have a time."""
    local = at.astimezone(tz)
    return f"{_day(at, tz)}, {local.hour % 12 or 12}:{local:%M %p}"


def _clock(at: datetime, tz: ZoneInfo) -> str:
    """'Tue 3:15 PM' in the rep's zone: a return call is due within a day, so the weekday
    and time are enough."""
    local = at.astimezone(tz)
    return f"{local:%a} {local.hour % 12 or 12}:{local:%M %p}"
