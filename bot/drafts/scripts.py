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
from bot.rules.calls import CONVERSATIONS, CallLog, Outcome, Prospect, Rep
from bot.rules.phones import speakable_phone

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


class EmailPurpose(StrEnum):
    """Where the conversation stands, which decides what the email is for."""

    FIRST_TOUCH = "first_touch"
    AFTER_VOICEMAILS = "after_voicemails"
    AFTER_CONVERSATION = "after_conversation"
    AFTER_MEETING = "after_meeting"
    AFTER_PROMISE = "after_promise"
    """They said they would call back."""


@dataclass(frozen=True)
class EmailContext:
    purpose: EmailPurpose = EmailPurpose.FIRST_TOUCH
    since: datetime | None = None
    """When the conversation, meeting or promise the email follows up on happened."""


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


def email_context(history: Sequence[CallLog]) -> EmailContext:
    """What the email is for, from the latest call that wasn't itself an email.

    A booked meeting, a conversation and a promise to call back each call for a different
    note; unanswered dials for the short version by email; nothing yet for a first touch.
    """
    calls = sorted((log for log in history if log.outcome is not Outcome.EMAIL), key=_at)
    if not calls:
        return EmailContext()
    last = calls[-1]
    if last.outcome is Outcome.MEETING:
        return EmailContext(EmailPurpose.AFTER_MEETING, last.follow_up_at or last.at)
    if last.outcome is Outcome.CALLBACK:
        return EmailContext(EmailPurpose.AFTER_PROMISE, last.at)
    if last.outcome in CONVERSATIONS:
        return EmailContext(EmailPurpose.AFTER_CONVERSATION, last.at)
    return EmailContext(EmailPurpose.AFTER_VOICEMAILS, last.at)


def draft_voicemail(
    rep: Rep,
    prospect: Prospect,
    proposal: Proposal,
    facts: Sequence[str],
    used_facts: Collection[str],
) -> Draft:
    """Write the next voicemail commercial for this prospect.

    Raises IncompleteProfile when the rep has no name or number to leave.
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
    slot = _spoken_slot(proposal.slots[0], proposal.now, _their_time(zone, rep))
    desk = _desk_phrase(proposal, zone, rep) if proposal.desk else None

    def compose(parts: _Parts) -> str:
        who = f"{name} with {rep.company}" if parts.company and rep.company else name
        if referrer:
            opener = f"{referrer} suggested I call you, {first} — this is {who}, {phone}."
        else:
            opener = f"Hi {first}, this is {who}, {phone}."
        if parts.hook:
            why = f"You mentioned {parts.hook} — {parts.point}."
        else:
            why = f"Here's why I'm calling: {parts.point}."
        promise = " — three minutes, no more" if parts.promise else ""
        if referrer:
            plan = f"Since {referrer} suggested we talk, I'll try you again {slot}{promise}."
        else:
            plan = f"I'll try you again {slot}{promise}."
        call_back = f"If another time suits you better, call me at {phone}"
        if cell:
            call_back += f", or my cell after hours at {cell}"
        if parts.desk and desk:
            call_back += f"; I'm at my desk {desk}"
        return " ".join((opener, why, plan, f"{call_back}."))

    hook = _talking_point(prospect.hook)
    text, kept = _fit(compose, _Parts(point, hook, desk=desk is not None))
    findings = lint(text, referrer=referrer, phone=number, benefit=kept.point)
    return _draft(DraftKind.VOICEMAIL, text, None, fact_used, findings)


def draft_screener(rep: Rep, prospect: Prospect) -> Draft:
    """What to say to the receptionist or assistant who answers instead.

    Screeners put through callers the prospect knows, so the referrer goes first; then
    enlist their help with the benefit to their boss, and ask when the prospect is easiest to
    reach. The rep's own plan for calling back stays unsaid: it is how they get past the
    screener. Without the prospect's email, ask for it, so the next touch can be a note.
    """
    name = _rep_name(rep)
    first = address(prospect.name)
    referrer = _referrer(prospect)
    full = prospect.name.strip()
    point = _about(_screener_point(rep, prospect))

    def compose(about: str, company: bool = True) -> str:
        who = f"{name} with {rep.company}" if company and rep.company else name
        if referrer:
            hello = f"Hi, this is {who} — {referrer} asked me to call {full}."
        else:
            hello = f"Hi, this is {who}, calling for {full}."
        lines = [
            hello,
            f"I've been playing phone tag with {first} — could you see if {first} has a few "
            f"minutes to talk about {about}?",
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


def draft_email(
    rep: Rep,
    prospect: Prospect,
    proposal: Proposal,
    facts: Sequence[str],
    used_facts: Collection[str],
    context: EmailContext = EmailContext(),
) -> Draft:
    """An email that says why the rep writes now, one new point, and two times to talk.

    It carries the same name and number as a voicemail (IncompleteProfile without them),
    follows the conversation (a first touch, after voicemails, after a call, a meeting or
    a promise to call back) and hands the prospect the privilege of picking another time.
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
    when = _day_of(context.since, zone) if context.since else "recently"
    purpose = context.purpose

    opening: list[str] = []
    if purpose is EmailPurpose.AFTER_MEETING:
        opening.append(f"Thank you for your time {when}.")
        opening.append(f"One more thing worth knowing as you weigh it up: {point}.")
        ask = "Could we talk through the next step"
    elif purpose is EmailPurpose.AFTER_CONVERSATION:
        opening.append(f"Thanks for taking my call {when}.")
        opening.append(f"One thing I didn't get to say: {point}.")
        ask = "Could we pick it up again"
    elif purpose is EmailPurpose.AFTER_PROMISE:
        opening.append("To save you a call back, here's the short version by email:")
        opening.append(f"{_capitalise(point)}.")
        ask = "I could call you"
    else:
        if referrer:
            opening.append(f"{referrer} suggested I get in touch.")
        if hook:
            opening.append(f"You mentioned {hook}, so I'll keep this short: {point}.")
        elif purpose is EmailPurpose.AFTER_VOICEMAILS:
            opening.append(f"Email may be easier than catching you by phone, so briefly: {point}.")
        else:
            opening.append(f"I'll keep this short: {point}.")
        ask = "Could we talk"
    slots = [_spoken_slot(slot, proposal.now, "") for slot in proposal.slots[:2]]
    if slots[0].startswith(_WEEKDAYS):
        slots[0] = f"on {slots[0]}"
    times = " or ".join(slots) + their_time
    question = (
        f"{ask} {times}?" if ask.startswith("Could") else f"{ask} {times} — would either suit?"
    )
    lines = [
        f"Hi {first},",
        "",
        " ".join(opening),
        "",
        f"{question} If another day or time suits you better, just reply with it and I'll keep "
        "my line clear then — no more than three minutes, I promise.",
        "",
        name,
    ]
    if rep.company:
        lines.append(rep.company)
    lines.append(speakable_phone(number, prospect.phone))
    text = "\n".join(lines)
    subject = _subject(context, prospect, referrer, hook, zone)
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


def _subject(
    context: EmailContext,
    prospect: Prospect,
    referrer: str | None,
    hook: str | None,
    zone: ZoneInfo,
) -> str:
    """A subject a person would write: who sent them, or what it follows up on."""
    since = context.since.astimezone(zone) if context.since else None
    day = f"{_WEEKDAYS[since.weekday()]}'s" if since else "our"
    match context.purpose:
        case EmailPurpose.AFTER_MEETING:
            return f"Following up on {day} meeting"
        case EmailPurpose.AFTER_CONVERSATION:
            return f"Following up on {day} call"
        case EmailPurpose.AFTER_PROMISE:
            return "Two times I could call you"
    if referrer:
        return f"{referrer} suggested we talk"
    if hook:
        return _capitalise(_truncate(hook, 8))
    if context.purpose is EmailPurpose.AFTER_VOICEMAILS:
        return "Easier by email?"
    return f"A quick idea for {prospect.company}" if prospect.company else "A quick idea for you"


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


def _day_of(at: datetime, zone: ZoneInfo) -> str:
    """'on Thursday': when something the email follows up on happened."""
    return f"on {_WEEKDAYS[at.astimezone(zone).weekday()]}"


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
    """'tomorrow from 9 to 12', on the prospect's clock when it differs from the rep's."""
    assert proposal.desk is not None
    start, end = (moment.astimezone(zone) for moment in proposal.desk)
    day = _day_word(start, proposal.now.astimezone(zone)).rstrip(",")
    return f"{day} from {_bare_hour(start)} to {_bare_hour(end)}{_their_time(zone, rep)}"


def _at(log: CallLog) -> datetime:
    return log.at


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
