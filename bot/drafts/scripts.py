"""Drafts a rep reads into the phone (or sends) for /vmscript.

A voicemail is a 30-second commercial: the referrer first, the rep's name and number
at the start and the end, one new fact the prospect hasn't heard yet, a concrete time on the
prospect's clock with what happens then ("I'll try you again Thursday at 7"), the rep's desk
hours for a call back, and nothing the rep keeps to themselves: a prospect's note and the
notes of past calls are private and never drafted. Only the prospect's talking point (their
"hook") is said aloud. Every draft is linted with the same rules reps can run on their own
text, and generated drafts are meant to lint clean.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.drafts.lint import (
    MAX_SENTENCES,
    VOICEMAIL_MAX_WORDS,
    Finding,
    count_words,
    estimate_seconds,
    lint,
    same_number,
    split_sentences,
)
from bot.rules.calls import Prospect, Rep
from bot.rules.phones import speakable_phone
from bot.rules.relationship import CLOSED_STAGES, Relationship, Stage

NO_PHONE = "set your phone with /vmscript profile phone:..."
NO_NAME = "set your name with /vmscript profile name:..."

# Trimming never cuts the point or the talking point below this, or it stops meaning anything.
_MIN_CLAUSE_WORDS = 4
# An email can carry a longer point than a voicemail, but it's still read on a phone.
_EMAIL_MAX_POINT_WORDS = 40
# Non-restrictive asides ("..., which syncs with HubSpot, ...") and parentheticals.
_ASIDE = re.compile(r",\s*(?:which|who|whose|where)\b[^,;:]*(?:,(?=\s)|(?=[;:]|$))|\s*\([^)]*\)")
_CLAUSE_BOUNDARY = re.compile(r"\s*[,;:—–]\s*|\s+-\s+")
_TITLES = frozenset({"mr.", "mrs.", "ms.", "dr.", "prof.", "mr", "mrs", "ms", "dr", "prof"})
# A truncated clause must not end mid-phrase on one of these.
_DANGLING = frozenset(
    {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "of", "on", "or"}
    | {"our", "so", "than", "that", "the", "their", "to", "which", "who", "with", "your", "my"}
    | {"about", "across", "are", "is", "like", "over", "per", "such", "via", "was", "were"}
)
# A Slack user id is what an unnamed profile falls back to; it must never sign a message.
_SLACK_ID = re.compile(r"[UW][A-Z0-9]*\d[A-Z0-9]*")
# A talking point is typed about the prospect ("their Q1 rollout") and said to them.
_THIRD_PERSON = (
    ("they're ", "you're "),
    ("they are ", "you are "),
    ("they ", "you "),
    ("their ", "your "),
    ("them ", "you "),
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class IncompleteProfile(ValueError):
    """The rep's profile lacks what every message must carry; the text says how to fix it."""


class DraftKind(StrEnum):
    VOICEMAIL = "voicemail"
    SCREENER = "screener"
    EMAIL = "email"
    WRONG = "wrong"
    """A stranger dialled the rep by mistake."""
    MISDIAL = "misdial"
    """The rep dialled a stranger by mistake."""


@dataclass(frozen=True)
class Proposal:
    """What a message proposes, worked out by the caller from the cadence and the windows.

    `slots` are on the prospect's clock, the one to say first; `desk` is the rep's next
    period at their desk (on the rep's clock), when they have set one.
    """

    now: datetime
    slots: tuple[datetime, ...]
    desk: tuple[datetime, datetime] | None = None

    def __post_init__(self) -> None:
        if not self.slots:
            raise ValueError("a proposal needs at least one slot")
        if self.now.tzinfo is None or any(slot.tzinfo is None for slot in self.slots):
            raise ValueError("now and the slots need time zones")
        if any(slot <= self.now for slot in self.slots):
            raise ValueError("a proposed slot must be ahead of now")


@dataclass(frozen=True)
class Draft:
    """A script plus what the reply shows (length) and what the caller must remember.

    `fact_used` is stored in the prospect's history so the next voicemail reveals
    something new; it is None when the rep's benefit line or the generic point was used.
    """

    kind: DraftKind
    text: str
    subject: str | None
    words: int
    seconds: int
    fact_used: str | None
    findings: tuple[Finding, ...]
    promised_at: datetime | None = None
    """The time a voicemail says the rep will try again: the follow-up once it is left."""


def refusal(kind: DraftKind, standing: Relationship | None) -> str | None:
    """Why no draft of `kind` is made for a prospect where things stand, in one line saying
    what to do instead; None when it may be drafted.

    Closed and wrong-number prospects get no voicemail, screener or email: there is nobody
    to leave it for. A misdial track stays on offer for a wrong number (that is what it is
    for) but not for a closed prospect, who should not be dialled at all."""
    if standing is None or not standing.silent:
        return None
    if kind is DraftKind.MISDIAL and standing.stage not in CLOSED_STAGES:
        return None
    if kind is DraftKind.WRONG:
        return None
    return standing.instead


def draft_voicemail(
    rep: Rep,
    prospect: Prospect,
    proposal: Proposal,
    facts: Sequence[str],
    used_facts: Collection[str],
    standing: Relationship | None = None,
) -> Draft:
    """Write the next voicemail commercial for this prospect, from where things stand
    (`standing`; None is a prospect with nothing logged yet).

    It says only what happened: a return call names the day they called, a follow-up the
    conversation or the meeting it follows, a meeting still ahead is looked forward to, never
    thanked for. Raises IncompleteProfile when the rep has no name or number to leave.
    """
    name = _rep_name(rep)
    number = _main_number(rep)
    phone = speakable_phone(number, prospect.phone)
    cell = None
    if rep.phone and rep.cell and not same_number(rep.phone, rep.cell):
        cell = speakable_phone(rep.cell, prospect.phone)
    point, fact_used = _next_point(rep, prospect, facts, used_facts)
    first = address(prospect.name)
    referrer = _referrer(prospect)
    zone = proposal.slots[0].tzinfo
    assert isinstance(zone, ZoneInfo)
    their_time = _their_time(zone, rep)
    slot = _spoken_slot(proposal.slots[0], proposal.now, their_time)
    desk = _desk_phrase(proposal, zone, rep) if proposal.desk else None
    stage = standing.stage if standing else Stage.NEW
    told = standing is not None and standing.talked_on is not None
    # A meeting with a time is the next touch: the voicemail looks forward to it.
    meeting_set = stage is Stage.MEETING_AHEAD and standing is not None and standing.meeting_at

    def compose(parts: _Parts) -> str:
        who = f"{name} with {rep.company}" if parts.company and rep.company else name
        if referrer:
            opener = f"{referrer} suggested I call you, {first} — this is {who}, {phone}."
        else:
            opener = f"Hi {first}, this is {who}, {phone}."
        why = _voicemail_reason(standing, parts, zone, told, their_time)
        promise = " — three minutes, no more" if parts.promise else ""
        if meeting_set:
            plan = ""
        elif referrer:
            plan = f"Since {referrer} suggested we talk, I'll try you again {slot}{promise}."
        else:
            plan = f"I'll try you again {slot}{promise}."
        if meeting_set:
            call_back = f"If anything changes before then, call me at {phone}"
        else:
            call_back = f"If another time suits you better, call me at {phone}"
        if cell:
            call_back += f", or my cell after hours at {cell}"
        if parts.desk and desk:
            call_back += f"; I'm at my desk {desk}"
        return " ".join(part for part in (opener, why, plan, f"{call_back}.") if part)

    hook = _talking_point(prospect.hook)
    text, kept = _fit(compose, _Parts(point, hook, desk=desk is not None))
    findings = lint(text, referrer=referrer, phone=number, benefit=kept.point)
    draft = _draft(DraftKind.VOICEMAIL, text, None, fact_used, findings)
    return draft if meeting_set else replace(draft, promised_at=proposal.slots[0])


def _voicemail_reason(
    standing: Relationship | None, parts: _Parts, zone: ZoneInfo, told: bool, their_time: str
) -> str:
    """The sentence that says why they hear from the rep now, from where things stand."""
    point = parts.point
    stage = standing.stage if standing else Stage.NEW
    if standing is not None:
        now = standing.now
        if stage is Stage.OWED_RETURN_CALL and standing.they_called_on:
            day = _past_day(standing.they_called_on, now, zone, "from")
            return f"I'm returning your call {day} — sorry I missed you; in short, {point}."
        if stage is Stage.MEETING_HELD and standing.meeting_at:
            day = _past_day(standing.meeting_at, now, zone)
            return f"Thank you again for your time {day} — one more thing worth knowing: {point}."
        if stage is Stage.MEETING_AHEAD and standing.meeting_at:
            when = _spoken_slot(standing.meeting_at.astimezone(zone), now, their_time)
            return f"I'm looking forward to our meeting {when}; ahead of it, briefly: {point}."
        if stage is Stage.MEETING_AHEAD:
            return f"Ahead of our meeting, briefly: {point}."
        if stage in (Stage.TALKED, Stage.PROMISED_CALLBACK) and standing.talked_on:
            day = _past_day(standing.talked_on, now, zone)
            said = f"you mentioned {parts.hook} — " if parts.hook else ""
            return f"Following up on our conversation {day}: {said}{point}."
    if parts.hook:
        return f"{_hook_said(parts.hook, told)} — {point}."
    return f"Here's why I'm calling: {point}."


def draft_screener(rep: Rep, prospect: Prospect, standing: Relationship | None = None) -> Draft:
    """What to say to the receptionist or assistant who answers instead.

    Screeners put through callers the prospect knows, so the referrer goes first, then the
    reason for the call as it stands (returning their call, following up a conversation,
    or phone tag once two dials have gone unanswered); enlist their help with the benefit to
    their boss, and ask when the prospect is easiest to reach. The rep's own plan for
    calling back stays unsaid: it is how they get past the screener. Without the prospect's
    email, ask for it, so the next touch can be a note.
    """
    name = _rep_name(rep)
    first = address(prospect.name)
    referrer = _referrer(prospect)
    full = prospect.name.strip()
    point = _about(_screener_point(rep, prospect))
    reason = _screener_reason(first, prospect.zone(ZoneInfo(rep.tz)), standing)

    def compose(about: str, company: bool = True) -> str:
        who = f"{name} with {rep.company}" if company and rep.company else name
        if referrer:
            hello = f"Hi, this is {who} — {referrer} asked me to call {full}."
        else:
            hello = f"Hi, this is {who}, calling for {full}."
        lines = [
            hello,
            f"{reason} — could you see if {first} has a few minutes to talk about {about}?",
            f"When is the best time to reach {first} directly?",
        ]
        if not prospect.email:
            lines.append(f"And may I have {first}'s email, to send a short note first?")
        return " ".join(lines)

    text = compose(point)
    # Seed: three or four sentences, even with a receptionist: the benefit gives way first.
    while count_words(text) > VOICEMAIL_MAX_WORDS and len(point.split()) > _MIN_CLAUSE_WORDS:
        point = _truncate(point, len(point.split()) - 1)
        text = compose(point)
    if count_words(text) > VOICEMAIL_MAX_WORDS:
        text = compose(point, company=False)
    return _draft(DraftKind.SCREENER, text, None, None, lint(text, kind=DraftKind.SCREENER))


def _screener_reason(first: str, zone: ZoneInfo, standing: Relationship | None) -> str:
    """Why the rep calls, as true as the history: "phone tag" takes two unanswered dials."""
    if standing is None:
        return f"I'm hoping to catch {first}"
    now = standing.now
    if standing.stage is Stage.OWED_RETURN_CALL and standing.they_called_on:
        return (
            f"I'm returning {first}'s call {_past_day(standing.they_called_on, now, zone, 'from')}"
        )
    if standing.stage is Stage.MEETING_AHEAD:
        return f"I'm calling ahead of my meeting with {first}"
    if standing.stage is Stage.MEETING_HELD and standing.meeting_at:
        day = _past_day(standing.meeting_at, now, zone)
        return f"I'm following up on my meeting with {first} {day}"
    if standing.stage in (Stage.TALKED, Stage.PROMISED_CALLBACK) and standing.talked_on:
        day = _past_day(standing.talked_on, now, zone)
        return f"I'm following up on my conversation with {first} {day}"
    if standing.phone_tag:
        return f"I've been playing phone tag with {first}"
    return f"I'm hoping to catch {first}"


def draft_email(
    rep: Rep,
    prospect: Prospect,
    proposal: Proposal,
    facts: Sequence[str],
    used_facts: Collection[str],
    standing: Relationship | None = None,
) -> Draft:
    """An email that says why the rep writes now, one new point, and two times to talk.

    It carries the same name and number as a voicemail (IncompleteProfile without them),
    follows where things stand (a first touch, after unanswered dials, their call to
    return, after a call, ahead of or after a meeting, after a promise to call back) and
    hands the prospect the privilege of picking another time. During a rest it proposes no
    time at all: it asks them to name one.
    """
    name = _rep_name(rep)
    number = _main_number(rep)
    point, fact_used = _next_point(rep, prospect, facts, used_facts)
    point = _truncate(point, _EMAIL_MAX_POINT_WORDS)
    first = address(prospect.name)
    referrer = _referrer(prospect)
    hook = _talking_point(prospect.hook)
    zone = proposal.slots[0].tzinfo
    assert isinstance(zone, ZoneInfo)
    their_time = _their_time(zone, rep)
    stage = standing.stage if standing else Stage.NEW
    now = proposal.now

    opening: list[str] = []
    ask: str | None = "Could we talk"
    subject: str
    if standing is not None and stage is Stage.MEETING_AHEAD and standing.meeting_at:
        when = _spoken_slot(standing.meeting_at.astimezone(zone), now, their_time)
        opening.append(f"I'm looking forward to our meeting {when}.")
        opening.append(f"Ahead of it, one thing worth knowing: {point}.")
        ask = None
        subject = "Ahead of our meeting"
    elif stage is Stage.MEETING_AHEAD:
        # Booked without a time: settle one, without pretending it has happened.
        opening.append(f"Ahead of our meeting, one thing worth knowing: {point}.")
        ask = "Could we meet"
        subject = "A time for our meeting"
    elif standing is not None and stage is Stage.MEETING_HELD and standing.meeting_at:
        opening.append(f"Thank you for your time {_past_day(standing.meeting_at, now, zone)}.")
        opening.append(f"One more thing worth knowing as you weigh it up: {point}.")
        ask = "Could we talk through the next step"
        subject = f"Following up on {_weekday_of(standing.meeting_at, zone)} meeting"
    elif standing is not None and stage is Stage.OWED_RETURN_CALL and standing.they_called_on:
        opening.append(f"Sorry I missed your call {_past_day(standing.they_called_on, now, zone)}.")
        opening.append(f"In case it helps before we speak: {point}.")
        ask = "I could call you"
        subject = "Returning your call"
    elif standing is not None and stage is Stage.PROMISED_CALLBACK:
        opening.append("To save you a call back, here's the short version by email:")
        opening.append(f"{_capitalise(point)}.")
        ask = "I could call you"
        subject = "Two times I could call you"
    elif standing is not None and stage is Stage.TALKED and standing.talked_on:
        opening.append(f"Thanks for taking my call {_past_day(standing.talked_on, now, zone)}.")
        opening.append(f"One thing I didn't get to say: {point}.")
        ask = "Could we pick it up again"
        subject = f"Following up on {_weekday_of(standing.talked_on, zone)} call"
    else:
        tried = standing is not None and standing.unanswered_dials > 0
        told = standing is not None and standing.talked_on is not None
        if referrer:
            opening.append(f"{referrer} suggested I get in touch.")
        if hook:
            opening.append(f"{_hook_said(hook, told)}, so I'll keep this short: {point}.")
        elif tried:
            opening.append(f"Email may be easier than catching you by phone, so briefly: {point}.")
        else:
            opening.append(f"I'll keep this short: {point}.")
        if stage is Stage.RESTING:
            ask = None
        if referrer:
            subject = f"{referrer} suggested we talk"
        elif hook:
            subject = _capitalise(_truncate(hook, 8))
        elif tried:
            subject = "Easier by email?"
        elif prospect.company:
            subject = f"A quick idea for {prospect.company}"
        else:
            subject = "A quick idea for you"
    if ask is None and stage is Stage.MEETING_AHEAD:
        question = (
            "If anything changes before then, just reply and I'll keep my line clear for you."
        )
    elif ask is None:
        question = (
            "Which day and time suit you for a short call? Just reply with it and I'll keep my "
            "line clear then — no more than three minutes, I promise."
        )
    else:
        slots = [_spoken_slot(slot, proposal.now, "") for slot in proposal.slots[:2]]
        if slots[0].startswith(_WEEKDAYS):
            slots[0] = f"on {slots[0]}"
        times = " or ".join(slots) + their_time
        question = (
            f"{ask} {times}?" if ask.startswith("Could") else f"{ask} {times} — would either suit?"
        )
        question += (
            " If another day or time suits you better, just reply with it and I'll keep "
            "my line clear then — no more than three minutes, I promise."
        )
    lines = [f"Hi {first},", "", " ".join(opening), "", question, "", name]
    if rep.company:
        lines.append(rep.company)
    lines.append(speakable_phone(number, prospect.phone))
    text = "\n".join(lines)
    findings = lint(text, benefit=point, kind=DraftKind.EMAIL)
    return _draft(DraftKind.EMAIL, text, subject, fact_used, findings)


def draft_wrong_number(rep: Rep) -> Draft:
    """A talk track for when a stranger dials the rep by mistake.

    Under two minutes, one open question about their needs, a partner referral if the
    rep can't help, and the name and number they don't have — then thanks, and move on.
    """
    name = _rep_name(rep)
    phone = speakable_phone(_main_number(rep), None)
    with_company = f" with {rep.company}" if rep.company else ""
    lines = [
        f"I believe you have the wrong number — this is {name}{with_company}, and I'll only "
        "keep you a minute.",
        *_pitch_and_question(rep),
        _partner_line(rep),
        f"Let me give you my name and number, since you don't have them: {name}, {phone}.",
        "Thanks for your time — I'll let you get back to your day.",
    ]
    return _stranger_track(DraftKind.WRONG, rep, lines)


def draft_misdial(rep: Rep, prospect: Prospect | None = None) -> Draft:
    """A talk track for when the rep dialled a stranger: the same brief, helpful turn as a
    wrong number the other way round (apologise, one question, a partner, the number)."""
    name = _rep_name(rep)
    phone = speakable_phone(_main_number(rep), prospect.phone if prospect else None)
    if prospect is not None:
        at = f" at {prospect.company}" if prospect.company else ""
        sorry = (
            f"I'm sorry — I must have dialled the wrong number; I was trying to reach "
            f"{prospect.name.strip()}{at}."
        )
    else:
        sorry = "I'm sorry — I must have dialled the wrong number."
    with_company = f" with {rep.company}" if rep.company else ""
    lines = [
        sorry,
        f"Since I have you for a moment: I'm {name}{with_company}.",
        *_pitch_and_question(rep),
        _partner_line(rep),
        f"In case it's ever useful, that's {name}, {phone}.",
        "Thanks, and sorry again for the interruption.",
    ]
    return _stranger_track(DraftKind.MISDIAL, rep, lines)


def _stranger_track(kind: DraftKind, rep: Rep, lines: Sequence[str]) -> Draft:
    """One line per step, as the rep works down them on the call; empty steps are left out."""
    text = "\n".join(line for line in lines if line)
    return _draft(kind, text, None, None, lint(text, phone=_main_number(rep), kind=kind))


def _pitch_and_question(rep: Rep) -> tuple[str, str]:
    benefit = _clause(rep.benefit or "")
    if benefit:
        return f"In short: {benefit}.", "How does your team handle that today?"
    helper = rep.company or "someone like me"
    return "", f"What are you working on these days that {helper} might help with?"


def _partner_line(rep: Rep) -> str:
    """Seed: "Try to refer clients or partner firms": by name when the rep has them."""
    partners = [p.strip() for p in rep.partners if p.strip()]
    if not partners:
        return "If it's not something we do, I'm glad to point you to a partner firm who does."
    named = partners[0] if len(partners) == 1 else f"{', '.join(partners[:-1])} or {partners[-1]}"
    return f"If it's not something we do, I'm glad to point you to {named}, who might."


def _draft(
    kind: DraftKind, text: str, subject: str | None, fact: str | None, findings: list[Finding]
) -> Draft:
    words = count_words(text)
    return Draft(kind, text, subject, words, estimate_seconds(words), fact, tuple(findings))


def _rep_name(rep: Rep) -> str:
    """The rep's name as it signs a message; a bare Slack id is no name."""
    name = rep.name.strip()
    if not name or _SLACK_ID.fullmatch(name):
        raise IncompleteProfile(NO_NAME)
    return name


def _main_number(rep: Rep) -> str:
    """The desk line, or the cell when that is all the rep has."""
    number = rep.phone or rep.cell
    if not number:
        raise IncompleteProfile(NO_PHONE)
    return number


def _referrer(prospect: Prospect) -> str | None:
    return prospect.referrer.strip() if prospect.referrer and prospect.referrer.strip() else None


def address(full_name: str) -> str:
    """How the message greets them: "Jane", or "Dr. Doe" when a title is part of the name."""
    tokens = full_name.split()
    if not tokens:
        raise ValueError("the prospect needs a name")
    if tokens[0].lower() in _TITLES and len(tokens) > 1:
        return f"{tokens[0]} {tokens[-1]}"
    return tokens[0]


def _talking_point(hook: str | None) -> str | None:
    """The rep's talking point said to the prospect: "their Q1 rollout" -> "your Q1 rollout"."""
    point = _clause(hook or "")
    if not point:
        return None
    lowered = point.casefold()
    for typed, said in _THIRD_PERSON:
        if lowered.startswith(typed):
            return said + point[len(typed) :]
    return point[:1].lower() + point[1:] if point[1:2].islower() else point


def _hook_said(hook: str, told: bool) -> str:
    """The talking point as something they said (only after a conversation: "You mentioned
    your Q1 rollout") or as the rep's own observation ("I saw your Q1 rollout", "I saw
    you're moving to HubSpot"): the rep never puts words in a stranger's mouth."""
    if told:
        return f"You mentioned {hook}"
    first = hook.split()[0].casefold()
    if first.endswith("ing") and first not in {"something", "nothing", "everything"}:
        return f"I saw you're {hook}"
    return f"I saw {hook}"


def _next_point(
    rep: Rep, prospect: Prospect, facts: Sequence[str], used_facts: Collection[str]
) -> tuple[str, str | None]:
    """A series of commercials: each message reveals a fact this prospect hasn't heard."""
    for fact in facts:
        if fact.strip() and fact not in used_facts:
            return _clause(fact), fact
    if rep.benefit and rep.benefit.strip():
        return _clause(rep.benefit), None
    return _generic_point(prospect), None


def _generic_point(prospect: Prospect) -> str:
    # Never "I would like to introduce myself": even the fallback names what's in it for them.
    return f"a specific idea that could save {prospect.company or 'your team'} time this quarter"


def _screener_point(rep: Rep, prospect: Prospect) -> str:
    """The benefit to the screener's boss: the rep's benefit line, else the generic point."""
    if rep.benefit and rep.benefit.strip():
        return _truncate(_first_clause(_clause(rep.benefit)), 16)
    return f"an idea that could save {prospect.company or 'the team'} time"


def _about(point: str) -> str:
    """'we help teams book more' -> 'how we help teams book more': what "about" can take."""
    if re.match(r"(?i)(we|i|our team|our clients|clients)\b", point):
        return f"how {point}"
    return point


def _clause(text: str) -> str:
    """Rep-typed text made safe to embed mid-sentence without adding sentences."""
    parts = [s.rstrip(".!?;:, ") for s in split_sentences(" ".join(text.split()))]
    return "; ".join(p for p in parts if p)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _first_clause(text: str) -> str:
    """The head of a long point: asides dropped, cut after the first clause that says something.

    "In 2023, our platform, which syncs with HubSpot, cut no-shows 30%, saving hours"
    becomes "In 2023, our platform cut no-shows 30%"; short lead-ins don't count as clauses.
    """
    plain = _ASIDE.sub("", text)
    clause_start = 0
    for boundary in _CLAUSE_BOUNDARY.finditer(plain):
        if len(plain[clause_start : boundary.start()].split()) >= _MIN_CLAUSE_WORDS:
            return plain[: boundary.start()]
        clause_start = boundary.end()
    return plain


def _truncate(text: str, max_words: int) -> str:
    """Cut at a word boundary without leaving "... for the" hanging."""
    words = text.split()[:max_words]
    while len(words) > 1 and words[-1].lower().strip(",;:—–") in _DANGLING:
        words.pop()
    return " ".join(words).rstrip(",;:—–- ")


def _spoken_slot(at: datetime, now: datetime, suffix: str) -> str:
    """'Thursday at 7 a.m.' on the slot's own clock; 'tomorrow', 'today', or the date
    spelled out when it is more than six days away, so no weekday is mistaken for this week's.
    """
    zone = at.tzinfo
    assert isinstance(zone, ZoneInfo)
    return f"{_day_word(at, now.astimezone(zone))} at {_clock(at)}{suffix}"


def _day_word(at: datetime, now_local: datetime) -> str:
    days = (at.date() - now_local.date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days <= 6:
        return _WEEKDAYS[at.weekday()]
    return f"{_WEEKDAYS[at.weekday()]}, {_MONTHS[at.month - 1]} {at.day},"


def _past_day(at: datetime, now: datetime, zone: ZoneInfo, preposition: str = "on") -> str:
    """When something that happened did, on the prospect's clock: 'earlier today',
    'yesterday', 'on Tuesday' ('from Tuesday'), or 'on November 23' when over a week ago."""
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    days = (today - local.date()).days
    if days <= 0:
        return f"{preposition} earlier today" if preposition == "from" else "earlier today"
    if days == 1:
        return f"{preposition} yesterday" if preposition == "from" else "yesterday"
    if days <= 6:
        return f"{preposition} {_WEEKDAYS[local.weekday()]}"
    return f"{preposition} {_MONTHS[local.month - 1]} {local.day}"


def _weekday_of(at: datetime, zone: ZoneInfo) -> str:
    """ "Thursday's", for a subject line."""
    return f"{_WEEKDAYS[at.astimezone(zone).weekday()]}'s"


def _clock(at: datetime) -> str:
    """'7 a.m.', '7:15 a.m.', 'noon': as people say times."""
    if (at.hour, at.minute) == (12, 0):
        return "noon"
    hour = at.hour % 12 or 12
    digits = f"{hour}:{at.minute:02d}" if at.minute else str(hour)
    return f"{digits} {'a.m.' if at.hour < 12 else 'p.m.'}"


def _bare_hour(at: datetime) -> str:
    """'9', '12', '2:30': desk hours are said the way the seed says them, "from 9 to 12"."""
    hour = at.hour % 12 or 12
    return f"{hour}:{at.minute:02d}" if at.minute else str(hour)


def _their_time(zone: ZoneInfo, rep: Rep) -> str:
    """' your time' when the prospect's clock is not the rep's: whose 7 a.m. it is."""
    return "" if zone.key == rep.tz else " your time"


def _desk_phrase(proposal: Proposal, zone: ZoneInfo, rep: Rep) -> str:
    """'tomorrow from 9 a.m. to noon', on the prospect's clock when it differs from the
    rep's: every clock time says which half of the day it is."""
    assert proposal.desk is not None
    start, end = (moment.astimezone(zone) for moment in proposal.desk)
    day = _day_word(start, proposal.now.astimezone(zone)).rstrip(",")
    return f"{day} {_span(start, end)}{_their_time(zone, rep)}"


def _span(start: datetime, end: datetime) -> str:
    """'from 9 a.m. to noon', 'from 3 to 6 p.m.', 'from 11 a.m. to 2 p.m.'."""
    if start.hour < 12 <= end.hour or _clock(start) == "noon" or _clock(end) == "noon":
        return f"from {_clock(start)} to {_clock(end)}"
    return f"from {_bare_hour(start)} to {_clock(end)}"


@dataclass(frozen=True)
class _Parts:
    """What a voicemail may give up to fit; everything else in it is required."""

    point: str
    hook: str | None
    promise: bool = True
    desk: bool = True
    company: bool = True


def _fit(compose: Callable[[_Parts], str], parts: _Parts) -> tuple[str, _Parts]:
    """Bring the voicemail within 75 words and 4 sentences; returns it and the parts kept.

    Optional parts give way in this order: the brevity promise, the point cut to its first
    clause, the talking point cut to its first clause, the desk hours, then whichever of
    point and talking point is longer cut word by word (never below four words), and last
    the rep's company in the opener. The referrer, names, numbers (the cell included: a
    prospect who calls back after hours needs it), the time and the plan always stay, so
    absurdly long names can still leave it too long; the draft's findings then say so.
    """
    shrinks: tuple[Callable[[_Parts], _Parts], ...] = (
        lambda p: replace(p, promise=False),
        lambda p: replace(p, point=_first_clause(p.point)),
        lambda p: replace(p, hook=p.hook and _first_clause(p.hook)),
        lambda p: replace(p, desk=False),
    )
    text = compose(parts)
    for shrink in shrinks:
        if _fits(text):
            return text, parts
        parts = shrink(parts)
        text = compose(parts)
    while not _fits(text) and (shorter := _drop_word(parts)):
        parts = shorter
        text = compose(parts)
    if not _fits(text):
        parts = replace(parts, company=False)
        text = compose(parts)
    return text, parts


def _drop_word(parts: _Parts) -> _Parts | None:
    """One word less from the longer of point and talking point, so neither is gutted alone."""
    hook = parts.hook or ""
    point_words, hook_words = len(parts.point.split()), len(hook.split())
    if hook_words > max(point_words, _MIN_CLAUSE_WORDS):
        return replace(parts, hook=_truncate(hook, hook_words - 1))
    if point_words > _MIN_CLAUSE_WORDS:
        return replace(parts, point=_truncate(parts.point, point_words - 1))
    if hook_words > _MIN_CLAUSE_WORDS:
        return replace(parts, hook=_truncate(hook, hook_words - 1))
    return None


def _fits(text: str) -> bool:
    return count_words(text) <= VOICEMAIL_MAX_WORDS and len(split_sentences(text)) <= MAX_SENTENCES
