"""Checks a phone script against the voicemail rules reps keep breaking.

Every draft the bot writes is run through `lint`, and reps can lint their own text
(`/vmscript check <text>`), so the checks work on free text and each finding tells the
rep what to change and why. The rules come from the coaching articles in the seeds:
about 30 seconds, three or four sentences, the number twice, the referrer twice, a
concrete time, a reason to call back, and never making the prospect wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ~150 spoken words a minute: 75 words is the 30 seconds a stranger will listen to.
WORDS_PER_MINUTE = 150
VOICEMAIL_MAX_WORDS = 75
MAX_SENTENCES = 4
EMAIL_MAX_WORDS = 150
# The wrong-number talk track must fit in under two minutes of talking.
WRONG_NUMBER_MAX_WORDS = 300

# Matched after lower-casing and deleting apostrophes (straight or curly), so "haven't",
# "haven’t" and "havent" are all caught.
BANNED_PHRASES: tuple[str, ...] = (
    "haven't heard from you",
    "have not heard from you",
    "haven't heard back",
    "have not heard back",
    "hasn't heard back",
    "never called back",
    "never called me back",
    "never returned my call",
    "never got back to me",
    "didn't return my call",
    "did not return my call",
    "didn't call me back",
    "did not call me back",
    "didn't get back to me",
    "haven't returned my call",
    "still waiting",
    "again and again",
    "follow up on my last",
    "following up on my last",
    "left several messages",
    "left you several messages",
    "yet another message",
)

_INTRODUCE = re.compile(r"\bintroduc(?:e|ing) (?:myself|ourselves)\b", re.IGNORECASE)

_BENEFIT_CUES = re.compile(
    r"%|\$|\bso you can\b|\b(?:help|sav(?:e|es|ed|ing)|improv|cut|increas|reduc|benefit"
    r"|grow|boost|lower|faster|double|fewer|free up)",
    re.IGNORECASE,
)

_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_TIME_PROPOSAL = re.compile(
    rf"\b(?:{_WEEKDAYS}|today|tomorrow|tonight|noon)\b"
    rf"|\b(?:{_MONTHS}) \d{{1,2}}\b"
    r"|\b\d{1,2}(?::\d{2})? ?(?:a\.?m\b|p\.?m\b)"
    r"|\b\d{1,2}:\d{2}\b"
    r"|\b\d{1,2} (?:to|and|until|till) \d{1,2}\b(?! ?(?:minute|hour|day|week|month|year|%))",
    re.IGNORECASE,
)

# Seed: "give the recipient the privilege of setting the preferred date/time": asking them to
# name the day and time is as concrete as proposing one.
_THEIR_CHOICE = re.compile(r"\bwhich day and time suit", re.IGNORECASE)
# Digit groups joined by single separators, e.g. "312-555-0100", "(312) 555 0100",
# "+44 20 7946 0958", "098765 43210"; fewer than seven digits is a time, a price or a
# count, not a phone.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d{1,6}\)?(?:[ .-]?\(?\d{2,6}\)?){1,5}(?![\d%])")
_MIN_PHONE_DIGITS = 7

# A sentence ends at . ! or ? followed by space and a capital or digit, or at a blank line.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n")
# Periods that never end a sentence: initials ("C.J. Hayden", "U.S.") and titles ("Dr. Lee").
_INITIALS = re.compile(r"(?:^|\s)(?:[A-Z]\.)+$")
_TITLES = re.compile(r"(?:^|\s)(?:mr|mrs|ms|dr|prof|st|jr|sr|vs)\.$", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One broken rule, with advice the rep can act on without reading the articles."""

    code: str
    message: str


_DIGIT_JOINER = re.compile(r"(?<=\d)[-.](?=\d)")
_SPOKEN_TOKEN = re.compile(r"\S*\w\S*")
"""A run of non-spaces with something in it to say (a lone dash is not a word)."""


def count_words(text: str) -> int:
    """Words as they are read aloud: "312-555-0100" is three groups to say, not one word."""
    return len(_SPOKEN_TOKEN.findall(_DIGIT_JOINER.sub(" ", text)))


def estimate_seconds(words: int) -> int:
    """Reps judge length in seconds, which is what the listener's patience is measured in."""
    return round(words * 60 / WORDS_PER_MINUTE)


def split_sentences(text: str) -> list[str]:
    """Sentences as a listener hears them.

    "a.m." mid-sentence is followed by a lower-case word, so it never splits; titles and
    initials are followed by a capital, so they are excepted explicitly.
    """
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        head = text[start : match.start()].rstrip("\"')]")
        if _TITLES.search(head) or _INITIALS.search(head):
            continue
        sentences.append(text[start : match.start()])
        start = match.end()
    sentences.append(text[start:])
    return [s.strip() for s in sentences if re.search(r"\w", s)]


def normalise(text: str) -> str:
    """Lower-case, apostrophes removed and spaces collapsed, so phrase matching is robust."""
    text = re.sub(r"['‘’`´]", "", text.lower())
    return re.sub(r"\s+", " ", text)


def same_number(a: str, b: str) -> bool:
    """Whether two spellings are one number: "+49 30 123456", "030-123456", "(312) 555-0100".

    Dropping the national trunk zero leaves the national number, which ends the
    international one.
    """
    x, y = (re.sub(r"\D", "", n).lstrip("0") for n in (a, b))
    shorter, longer = sorted((x, y), key=len)
    return len(shorter) >= _MIN_PHONE_DIGITS and longer.endswith(shorter)


def _phone_numbers(text: str) -> list[str]:
    found = (m.group() for m in _PHONE.finditer(text))
    return [n for n in found if len(re.sub(r"\D", "", n)) >= _MIN_PHONE_DIGITS]


def _mentions(text: str, name: str) -> int:
    """How often a person is named; the given name alone counts ("as Harley said")."""
    tokens = [t for t in name.split() if not _TITLES.search(" " + t)]
    given = tokens[0] if tokens else name
    return len(re.findall(rf"(?<!\w){re.escape(given)}(?!\w)", text, re.IGNORECASE))


@dataclass(frozen=True)
class _Rules:
    max_words: int
    max_sentences: int | None
    min_phone_mentions: int
    referrer_twice: bool
    needs_time: bool
    needs_benefit: bool


_RULES: dict[str, _Rules] = {
    "voicemail": _Rules(VOICEMAIL_MAX_WORDS, MAX_SENTENCES, 2, True, True, True),
    # Seed: "Confine your message to three or four sentences, even with a receptionist."
    "screener": _Rules(VOICEMAIL_MAX_WORDS, MAX_SENTENCES, 0, False, False, False),
    # An email is read, not replayed: one number in the signature is enough.
    "email": _Rules(EMAIL_MAX_WORDS, None, 0, False, True, True),
    "wrong": _Rules(WRONG_NUMBER_MAX_WORDS, None, 1, False, False, False),
    "misdial": _Rules(WRONG_NUMBER_MAX_WORDS, None, 1, False, False, False),
}

# Openers that say the rep has nothing new: no reason for anyone to call back.
EMPTY_PHRASES: tuple[str, ...] = (
    "just checking in",
    "just wanted to check in",
    "touching base",
    "touch base",
    "following up on my voicemail",
    "following up on my message",
)


def lint(
    script: str,
    *,
    referrer: str | None = None,
    phone: str | None = None,
    benefit: str | None = None,
    kind: str = "voicemail",
) -> list[Finding]:
    """Return every rule the script breaks, in the order a rep should fix them.

    `referrer`, `phone` and `benefit` sharpen the checks when known (the bot knows them
    for its own drafts); without them the checks fall back to what free text shows.
    """
    try:
        rules = _RULES[kind]
    except KeyError:
        raise ValueError(
            f"unknown script kind {kind!r}; expected one of {sorted(_RULES)}"
        ) from None
    findings: list[Finding] = []
    words = count_words(script)
    if words > rules.max_words:
        seconds = estimate_seconds(words)
        findings.append(
            Finding(
                "too_long",
                f"{words} words is about {seconds} seconds; keep it to {rules.max_words} words "
                "— no one likes long messages from strangers, and delete is at their fingertips.",
            )
        )
    sentences = len(split_sentences(script))
    if rules.max_sentences is not None and sentences > rules.max_sentences:
        findings.append(
            Finding(
                "too_many_sentences",
                f"{sentences} sentences; confine it to three or four — a long-winded message "
                "is less likely to get a call back.",
            )
        )
    findings.extend(_phone_findings(script, phone, rules.min_phone_mentions))
    if referrer and rules.referrer_twice and _mentions(script, referrer) < 2:
        findings.append(
            Finding(
                "referrer_once",
                f'Name {referrer} more than once: open with "{referrer} suggested I call you" '
                f'and close with "as I said, {referrer} suggested we talk".',
            )
        )
    flat = normalise(script)
    for phrase in BANNED_PHRASES:
        if normalise(phrase) in flat:
            findings.append(
                Finding(
                    "blames_prospect",
                    f'Drop "{phrase}": never make them wrong for not calling back — say you '
                    "are eager to talk and tried again while you were at your desk.",
                )
            )
    for phrase in EMPTY_PHRASES:
        if normalise(phrase) in flat:
            findings.append(
                Finding(
                    "nothing_new",
                    f'Drop "{phrase}": it tells them you have nothing new. Lead with the one '
                    "fact or idea that is worth a call back.",
                )
            )
    if rules.needs_time and not (_TIME_PROPOSAL.search(script) or _THEIR_CHOICE.search(script)):
        findings.append(
            Finding(
                "no_time_proposal",
                "Propose a concrete time, e.g. \"If Thursday at 8 a.m. doesn't work, call me "
                'at ..." or "I\'m at my desk tomorrow 9 to 12", so a return call doesn\'t '
                "start another round of phone tag.",
            )
        )
    if _INTRODUCE.search(script):
        findings.append(
            Finding(
                "introduce_myself",
                '"I would like to introduce myself" is not a reason to call back; say what '
                "you can do for them in their situation.",
            )
        )
    if rules.needs_benefit and not _has_benefit(script, benefit):
        findings.append(
            Finding(
                "no_benefit",
                "Give one specific point or benefit in their terms (a fact, a number, what "
                "you can improve for them) — something worth a return call.",
            )
        )
    return findings


def _phone_findings(script: str, phone: str | None, needed: int) -> list[Finding]:
    if needed == 0:
        return []
    numbers = _phone_numbers(script)
    wanted = [phone] if phone else numbers
    mentions = max((sum(same_number(w, n) for n in numbers) for w in wanted), default=0)
    if mentions == 0:
        return [Finding("no_phone", "Say your phone number — they don't have it written down.")]
    if mentions < needed:
        return [
            Finding(
                "phone_once",
                "Give your number at the start and again at the end — if they missed it the "
                "first time, they get a second chance without replaying the message.",
            )
        ]
    return []


def _has_benefit(script: str, benefit: str | None) -> bool:
    known = normalise(benefit or "").strip()
    if known and known in normalise(script):
        return True
    without_intro = _INTRODUCE.sub("", script)
    return bool(_BENEFIT_CUES.search(without_intro))
