"""Drafts a rep reads into the phone (or sends) for /vmscript.

A voicemail is a 30-second commercial: the referrer first, the rep's name and number
at the start and the end, one new fact the prospect hasn't heard yet, a concrete time in
the prospect's own zone, and a promise to keep it short. Every draft is linted with the
same rules reps can run on their own text, and generated drafts are meant to lint clean.
"""

from __future__ import annotations

import math
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
from bot.rules.calls import CallWindow, Prospect, Rep
from bot.rules.phones import speakable_phone

NO_PHONE = "set your phone with /vmscript profile phone:..."
NO_NAME = "set your name with /vmscript profile name:..."

# Proposals land on a quarter hour: "7:15 a.m." is a time a person would suggest, 7:13 isn't.
_PROPOSAL_STEP_SECONDS = 15 * 60
# Trimming never cuts the point or the connection below this, or it stops meaning anything.
_MIN_CLAUSE_WORDS = 4
# An email can carry a longer point than a voicemail, but it's still read on a phone.
_EMAIL_MAX_POINT_WORDS = 40
# Subjects are read at a glance: up to 8 words whole, longer points cut to a 6-word teaser.
_SUBJECT_MAX_WORDS = 8
_SUBJECT_CUT_WORDS = 6
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


def draft_voicemail(
    rep: Rep,
    prospect: Prospect,
    window: CallWindow,
    now: datetime,
    facts: Sequence[str],
    used_facts: Collection[str],
) -> Draft:
    """Write the next voicemail commercial for this prospect.

    Raises IncompleteProfile when the rep has no name or number to leave, ValueError when
    the window is over.
    """
    name = _rep_name(rep)
    number = _main_number(rep)
    phone = speakable_phone(number, prospect.phone)
    cell = None
    if rep.phone and rep.cell and not same_number(rep.phone, rep.cell):
        cell = speakable_phone(rep.cell, prospect.phone)
    point, fact_used = _next_point(rep, prospect, facts, used_facts)
    note = _clause(prospect.connection_note or "") or None
    first = _address(prospect.name)
    referrer = _referrer(prospect)
    if referrer:
        again = f"Again, {referrer} suggested we talk — {name}, {phone}"
    else:
        again = f"Again, that's {name}, {phone}"
    # Seed phrasing: "If June 6 at 10 a.m. won't work for you, please call me".
    proposal = (
        f"If {_when(window, now)} doesn't work, call me back — no more than three minutes, "
        "I promise."
    )

    def compose(parts: _Parts) -> str:
        who = f"{name} with {rep.company}" if parts.company and rep.company else name
        if referrer:
            opener = f"{referrer} suggested I call you, {first} — this is {who}, {phone}."
        else:
            opener = f"Hi {first}, this is {who}, {phone}."
        if parts.note:
            why = f"{_capitalise(parts.note)} — here's why I'm calling"
        else:
            why = "Here's why I'm calling"
        after_hours = f", or my cell after hours, {cell}" if parts.cell and cell else ""
        return " ".join((opener, f"{why}: {parts.point}.", proposal, f"{again}{after_hours}."))

    text, kept = _fit(compose, _Parts(point, note))
    findings = lint(text, referrer=referrer, phone=number, benefit=kept.point)
    return _draft(DraftKind.VOICEMAIL, text, None, fact_used, findings)


def draft_screener(rep: Rep, prospect: Prospect, window: CallWindow, now: datetime) -> Draft:
    """What to say to the receptionist or assistant who answers instead.

    Screeners put through callers the prospect knows, so the referrer goes first; then
    enlist their help, learn when the prospect is in and whether they still hold the role.
    """
    name = _rep_name(rep)
    first = _address(prospect.name)
    with_company = f" with {rep.company}" if rep.company else ""
    referrer = _referrer(prospect)
    if referrer:
        hello = f"Hi, this is {name}{with_company} — {referrer} asked me to call "
    else:
        hello = f"Hi, this is {name}{with_company}, calling for "
    at_company = f" at {prospect.company}" if prospect.company else ""
    text = " ".join(
        (
            f"{hello}{prospect.name.strip()}.",
            f"Could you help me reach {first} for a few minutes?",
            f"When is {first} usually in — would {_when(window, now)} be a good time to call?",
            f"And is {first} still in the same role{at_company}?",
        )
    )
    return _draft(DraftKind.SCREENER, text, None, None, lint(text, kind=DraftKind.SCREENER))


def draft_email(
    rep: Rep,
    prospect: Prospect,
    window: CallWindow,
    now: datetime,
    facts: Sequence[str],
    used_facts: Collection[str],
) -> Draft:
    """The email the cadence switches to once calls aren't getting through.

    It names the same kind of new point a voicemail would, proposes the concrete time,
    and hands the prospect the privilege of picking a better one by replying.
    """
    name = _rep_name(rep)
    point, fact_used = _next_point(rep, prospect, facts, used_facts)
    point = _truncate(point, _EMAIL_MAX_POINT_WORDS)
    first = _address(prospect.name)
    lines = [f"Hi {first},", ""]
    referrer = _referrer(prospect)
    intro = [f"{referrer} suggested I get in touch."] if referrer else []
    note = _clause(prospect.connection_note or "")
    if note:
        intro.append(f"{_capitalise(note)}.")
    intro.append(f"Here's the one thing I'd like to share: {point}.")
    lines += [" ".join(intro), ""]
    lines += [
        f"Could we talk {_when(window, now)}? If another day or time suits you better, just "
        "reply with it and I'll keep my line clear then — no more than three minutes, I promise.",
        "",
        name,
    ]
    if rep.company:
        lines.append(rep.company)
    if rep.phone or rep.cell:
        lines.append(speakable_phone(_main_number(rep), prospect.phone))
    text = "\n".join(lines)
    subject = _first_clause(point)
    if len(subject.split()) > _SUBJECT_MAX_WORDS:
        subject = _truncate(subject, _SUBJECT_CUT_WORDS)
    subject = _capitalise(subject)
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
    benefit = _clause(rep.benefit or "")
    if benefit:
        pitch = f"In short: {benefit}."
        question = "How does your team handle that today?"
    else:
        pitch = ""
        helper = rep.company or "someone like me"
        question = f"What are you working on these days that {helper} might help with?"
    lines = [
        f"I believe you have the wrong number — this is {name}{with_company}, and I'll only "
        "keep you a minute.",
        pitch,
        question,
        "If it's not something we do, I'm glad to point you to a partner firm who does.",
        f"Let me give you my name and number, since you don't have them: {name}, {phone}.",
        "Thanks for your time — I'll let you get back to your day.",
    ]
    text = "\n".join(line for line in lines if line)
    findings = lint(text, phone=_main_number(rep), kind=DraftKind.WRONG)
    return _draft(DraftKind.WRONG, text, None, None, findings)


def _draft(
    kind: DraftKind, text: str, subject: str | None, fact: str | None, findings: list[Finding]
) -> Draft:
    words = count_words(text)
    return Draft(kind, text, subject, words, estimate_seconds(words), fact, tuple(findings))


def _rep_name(rep: Rep) -> str:
    if not rep.name.strip():
        raise IncompleteProfile(NO_NAME)
    return rep.name.strip()


def _main_number(rep: Rep) -> str:
    """The desk line, or the cell when that is all the rep has."""
    number = rep.phone or rep.cell
    if not number:
        raise IncompleteProfile(NO_PHONE)
    return number


def _referrer(prospect: Prospect) -> str | None:
    return prospect.referrer.strip() if prospect.referrer and prospect.referrer.strip() else None


def _address(full_name: str) -> str:
    """How the message greets them: "Jane", or "Dr. Doe" when a title is part of the name."""
    tokens = full_name.split()
    if not tokens:
        raise ValueError("the prospect needs a name")
    if tokens[0].lower() in _TITLES and len(tokens) > 1:
        return f"{tokens[0]} {tokens[-1]}"
    return tokens[0]


def _next_point(
    rep: Rep, prospect: Prospect, facts: Sequence[str], used_facts: Collection[str]
) -> tuple[str, str | None]:
    """A series of commercials: each message reveals a fact this prospect hasn't heard."""
    for fact in facts:
        if fact.strip() and fact not in used_facts:
            return _clause(fact), fact
    if rep.benefit and rep.benefit.strip():
        return _clause(rep.benefit), None
    # Never "I would like to introduce myself": even the fallback names what's in it for them.
    return (
        f"a specific idea that could save {prospect.company or 'your team'} time this quarter",
        None,
    )


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


@dataclass(frozen=True)
class _Parts:
    """What a voicemail may give up to fit; everything else in it is required."""

    point: str
    note: str | None
    cell: bool = True
    company: bool = True


def _fit(compose: Callable[[_Parts], str], parts: _Parts) -> tuple[str, _Parts]:
    """Bring the voicemail within 75 words and 4 sentences; returns it and the parts kept.

    Optional parts give way in this order: the after-hours cell, the point cut to its
    first clause, the connection note cut to its first clause, then whichever of the two
    is longer cut word by word (never below four words), and last the rep's company in
    the opener. The referrer, names, number, time and brevity promise always stay, so
    absurdly long names can still leave it too long; the draft's findings then say so.
    """
    shrinks: tuple[Callable[[_Parts], _Parts], ...] = (
        lambda p: replace(p, cell=False),
        lambda p: replace(p, point=_first_clause(p.point)),
        lambda p: replace(p, note=p.note and _first_clause(p.note)),
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
    """One word less from the longer of point and note, so neither is gutted alone."""
    note = parts.note or ""
    point_words, note_words = len(parts.point.split()), len(note.split())
    if note_words > max(point_words, _MIN_CLAUSE_WORDS):
        return replace(parts, note=_truncate(note, note_words - 1))
    if point_words > _MIN_CLAUSE_WORDS:
        return replace(parts, point=_truncate(parts.point, point_words - 1))
    if note_words > _MIN_CLAUSE_WORDS:
        return replace(parts, note=_truncate(note, note_words - 1))
    return None


def _fits(text: str) -> bool:
    return count_words(text) <= VOICEMAIL_MAX_WORDS and len(split_sentences(text)) <= MAX_SENTENCES


def _when(window: CallWindow, now: datetime) -> str:
    """The proposal in the prospect's wall-clock time: "tomorrow at 7 a.m.".

    The window's start, or the next quarter hour when the window is already open.
    """
    if now.tzinfo is None or window.start.tzinfo is None:
        raise ValueError("now and the call window need time zones")
    if window.end <= now:
        raise ValueError("the call window is over; pass the prospect's next window")
    zone = ZoneInfo(window.tz)
    step = _PROPOSAL_STEP_SECONDS
    soonest = datetime.fromtimestamp(math.ceil(now.timestamp() / step) * step, zone)
    at = max(window.start.astimezone(zone), soonest)
    days = (at.date() - now.astimezone(zone).date()).days
    if days == 0:
        day = "today"
    elif days == 1:
        day = "tomorrow"
    elif days < 7:
        day = _WEEKDAYS[at.weekday()]
    else:
        day = f"{_WEEKDAYS[at.weekday()]}, {_MONTHS[at.month - 1]} {at.day},"
    hour = at.hour % 12 or 12
    clock = f"{hour}:{at.minute:02d}" if at.minute else str(hour)
    return f"{day} at {clock} {'a.m.' if at.hour < 12 else 'p.m.'}"
