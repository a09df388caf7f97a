"""How hard to keep calling a prospect, and what the rep should do next.

The rules come from sellers who live with voicemail: leave no more than three voicemails in
ten days and then lay off for a month (more only annoys), spend more dials on bigger deals
(people say yes on the 17th call, but a $1,000 sale is worth two or three), return every
inbound call within 24 hours, and chase a promised callback after a few business days because
"he'll call back" usually means he won't.

Everything here is pure: the clock and the rep's time zone are parameters, so the rules can
be replayed for any moment in tests.
"""

from __future__ import annotations

import math
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.rules.call_summary import CallSummary
from bot.rules.calls import OUTBOUND_DIALS, OUTCOME_LABELS, CallLog, Outcome

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

    def __post_init__(self) -> None:
        # Reject settings that would silently disable a rule, e.g. a zero cap meaning
        # "lay off before the first voicemail" or a budget that shrinks as deals grow.
        for name in ("voicemail_cap", "callback_business_days", "budget_reference_value"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in ("voicemail_window", "layoff", "return_call_within"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"{name} must be positive")
        if self.budget_per_tenfold < 0:
            raise ValueError("budget_per_tenfold must not be negative")
        if not 1 <= self.budget_floor <= self.budget_cap:
            raise ValueError("need 1 <= budget_floor <= budget_cap")
        if not self.budget_floor <= self.budget_at_reference <= self.budget_cap:
            raise ValueError("budget_at_reference must lie between budget_floor and budget_cap")

    @classmethod
    def from_mapping(cls, d: Mapping[str, object]) -> CadenceRules:
        """Build a workspace's rules from its stored JSON overrides.

        Keys are in the units an admin thinks in (days, hours); unknown keys are ignored so
        older bots can read settings written by newer ones. Bad values raise ValueError rather
        than quietly falling back, so a typo in the settings is noticed.
        """
        kwargs: dict[str, object] = {}
        for key, (field, kind) in _MAPPING_KEYS.items():
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
                kwargs[field] = int(value)
            elif kind == "days":
                kwargs[field] = timedelta(days=value)
            elif kind == "hours":
                kwargs[field] = timedelta(hours=value)
            else:
                kwargs[field] = float(value)
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


@dataclass(frozen=True)
class CadenceState:
    """The cadence verdict for one prospect at one moment, with the reason spelled out.

    `rule` is the sentence shown to the rep, so they learn the rule rather than obey a black
    box.
    """

    next_step: NextStep
    voicemails_in_window: int
    voicemail_cap: int
    attempts: int
    budget: int
    laid_off_until: datetime | None
    return_call_due: datetime | None
    callback_due: datetime | None
    rule: str


def cadence_state(
    history: Sequence[CallLog] | CallSummary,
    deal_value: int | None,
    now: datetime,
    tz: ZoneInfo,
    rules: CadenceRules = CadenceRules(),
    closed: Container[date] = (),
) -> CadenceState:
    """Decide the next step for a prospect from every call logged against them.

    Precedence, strongest first: a closing latest outcome (CLOSED); an unreturned inbound call
    (RETURN_CALL); a wrong number as the latest outcome (FIX_NUMBER); a pending callback
    promise (WAIT_FOR_CALLBACK, then CHASE_CALLBACK once due); a voicemail lay-off (EMAIL, or
    LAY_OFF once an email has gone out); a spent attempt budget (EMAIL); otherwise CALL.

    Voicemails and attempts only count since the last live conversation: once the prospect
    has talked to the rep, earlier unanswered messages no longer make the rep a pest.
    `history` is every call in any order, or their summary; `now` must be time-zone aware;
    dates in `rule` are shown in `tz`. `closed` holds the prospect's public holidays, which
    are not business days.
    """
    calls = history if isinstance(history, CallSummary) else CallSummary.of(history)
    attempts = calls.dials_since_talk
    budget = attempt_budget(deal_value, rules)
    voicemails = calls.voicemails_since_talk
    in_window = sum(1 for at in voicemails if now - at < rules.voicemail_window)

    return_due = _return_call_due(calls, rules)
    callback_due = _callback_due(calls, rules, tz, closed)
    capping_at, capped_count = _capping_voicemail(voicemails, rules)
    laid_off_until = capping_at + rules.layoff if capping_at is not None else None
    if laid_off_until is not None and now >= laid_off_until:
        laid_off_until = None

    def state(step: NextStep, rule: str) -> CadenceState:
        return CadenceState(
            next_step=step,
            voicemails_in_window=in_window,
            voicemail_cap=rules.voicemail_cap,
            attempts=attempts,
            budget=budget,
            laid_off_until=laid_off_until,
            return_call_due=return_due,
            callback_due=callback_due,
            rule=rule,
        )

    latest = calls.last.outcome if calls.last else None
    window_days = _number(rules.voicemail_window / timedelta(days=1))
    deal = _deal_phrase(deal_value, rules)

    if latest in _CLOSED_OUTCOMES:
        return state(NextStep.CLOSED, f"Closed ({OUTCOME_LABELS[latest]}): no more calls.")
    if return_due is not None:
        hours = _number(rules.return_call_within / timedelta(hours=1))
        when = _clock(return_due, tz)
        if now < return_due:
            text = f"They called you: return the call by {when} (within {hours} hours)."
        else:
            text = f"They called you and the return call was due {when} (within {hours} hours)"
            text += ": call them now."
        return state(NextStep.RETURN_CALL, text)
    if latest is Outcome.WRONG:
        return state(NextStep.FIX_NUMBER, "Wrong number: find the right number before calling.")
    if callback_due is not None:
        day, n = _day(callback_due, tz), rules.callback_business_days
        if now < callback_due:
            text = f"They promised to call back; chase it on {day} if they haven't"
            return state(NextStep.WAIT_FOR_CALLBACK, f"{text} ({n} business days).")
        text = f"They promised to call back by {day} ({n} business days) and haven't: call them."
        return state(NextStep.CHASE_CALLBACK, text)
    if laid_off_until is not None and capping_at is not None:
        over = (
            f" is over the cap of {rules.voicemail_cap}"
            if capped_count > rules.voicemail_cap
            else ""
        )
        head = f"{capped_count} voicemails in {window_days} days{over}"
        until = _day(laid_off_until, tz)
        email = calls.last_of((Outcome.EMAIL,))
        if email is not None and email.at >= capping_at:
            return state(NextStep.LAY_OFF, f"{head} and the email is sent: no calls until {until}.")
        text = f"{head}: lay off calls until {until} and send an email instead."
        return state(NextStep.EMAIL, text)
    if attempts >= budget:
        text = f"Attempt budget spent: {attempts} of {budget} dials for {deal} since the last"
        return state(NextStep.EMAIL, f"{text} conversation; send an email instead.")
    if in_window:
        text = f"Voicemail {in_window} of {rules.voicemail_cap} in this {window_days}-day window."
        return state(NextStep.CALL, text)
    if attempts:
        return state(NextStep.CALL, f"Attempt {attempts} of {budget} budgeted for {deal}.")
    return state(NextStep.CALL, f"No unanswered dials yet: {budget} attempts budgeted for {deal}.")


_ANSWERS = OUTBOUND_DIALS | {Outcome.INBOUND}
"""Calls that answer an inbound call or a promise to call back: either side reached out."""


def _return_call_due(calls: CallSummary, rules: CadenceRules) -> datetime | None:
    """When the latest inbound call must be returned, if no dial has answered it yet.

    Returning every call within a day is the promise that keeps prospects calling in.
    """
    latest = calls.last_of(_ANSWERS)
    if latest is None or latest.outcome is not Outcome.INBOUND:
        return None
    return latest.at + rules.return_call_within


def _callback_due(
    calls: CallSummary, rules: CadenceRules, tz: ZoneInfo, closed: Container[date]
) -> datetime | None:
    """When to chase the latest "I'll call you back", unless they called or the rep dialed since.

    The promise is live when it is the latest inbound call or dial: anything after it means
    the promise was kept or already chased.
    """
    latest = calls.last_of(_ANSWERS)
    if latest is None or latest.outcome is not Outcome.CALLBACK:
        return None
    return business_days_after(latest.at, rules.callback_business_days, tz, closed)


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
        return f"a deal of unknown value (budgeted like ${rules.budget_reference_value:,})"
    digits = str(abs(deal_value))
    lead = digits[: len(digits) % 3 or 3]
    article = "an" if lead.startswith("8") or lead in ("11", "18") else "a"
    return f"{article} ${deal_value:,} deal"


def _number(x: float) -> str:
    """10.0 -> '10', 1.5 -> '1.5': settings are usually whole days or hours."""
    return f"{x:g}"


def _day(at: datetime, tz: ZoneInfo) -> str:
    """'Sat Dec 26' in the rep's zone."""
    local = at.astimezone(tz)
    return f"{local:%a %b} {local.day}"


def _clock(at: datetime, tz: ZoneInfo) -> str:
    """'Tue 3:15 PM' in the rep's zone: a return call is due within a day, so the weekday
    and time are enough."""
    local = at.astimezone(tz)
    return f"{local:%a} {local.hour % 12 or 12}:{local:%M %p}"
