from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.drafts.lint import BANNED_PHRASES, count_words, lint, normalise, split_sentences
from bot.drafts.scripts import (
    NO_NAME,
    NO_PHONE,
    Draft,
    DraftKind,
    draft_email,
    draft_screener,
    draft_voicemail,
    draft_wrong_number,
)
from bot.rules.calls import CallWindow, Prospect, Rep

UTC = ZoneInfo("UTC")
CHICAGO = ZoneInfo("America/Chicago")
# Monday 10 June 2024, 10 a.m. in Chicago.
NOW = datetime(2024, 6, 10, 15, 0, tzinfo=UTC)
THURSDAY_7AM = CallWindow(
    start=datetime(2024, 6, 13, 7, 0, tzinfo=CHICAGO),
    end=datetime(2024, 6, 13, 8, 0, tzinfo=CHICAGO),
    label="before the assistant arrives",
    tz="America/Chicago",
)
REP = Rep(
    user_id="U1",
    tz="America/New_York",
    name="Sam Lee",
    company="Acme Dialer",
    phone="+13125550100",
    cell="+13125550199",
    benefit="we help sales teams book 20% more meetings",
)
PROSPECT = Prospect(
    id=1,
    name="Jane Doe",
    company="Globex",
    phone="+16175550123",
    tz="America/Chicago",
    referrer="Harley Smith",
    connection_note="We met at the Dallas sales summit",
)
FACTS = [
    "we cut no-show rates 30% for clinics like yours",
    "our dialer routes callbacks to the right rep",
    "clients get back 5 hours a week per rep",
]


def window_at(start: datetime, hours: int = 1) -> CallWindow:
    return CallWindow(start, start + timedelta(hours=hours), "off hours", str(start.tzinfo))


def voicemail(
    rep: Rep = REP,
    prospect: Prospect = PROSPECT,
    window: CallWindow = THURSDAY_7AM,
    now: datetime = NOW,
    facts: list[str] = FACTS,
    used: frozenset[str] = frozenset(),
) -> Draft:
    return draft_voicemail(rep, prospect, window, now, facts, used)


def assert_no_banned_phrase(text: str) -> None:
    flat = normalise(text)
    assert not [p for p in BANNED_PHRASES if normalise(p) in flat]


# --- voicemail -------------------------------------------------------------------------


def test_voicemail_is_about_thirty_seconds_in_three_or_four_sentences() -> None:
    draft = voicemail()
    assert draft.kind is DraftKind.VOICEMAIL
    assert draft.subject is None
    assert draft.words == count_words(draft.text) <= 75
    assert draft.seconds == round(draft.words * 0.4) <= 30
    assert 3 <= len(split_sentences(draft.text)) <= 4
    assert draft.findings == ()


def test_name_and_number_at_the_start_and_again_at_the_end() -> None:
    sentences = split_sentences(voicemail().text)
    assert "Sam Lee" in sentences[0]
    assert "312-555-0100" in sentences[0]
    assert "Sam Lee, 312-555-0100" in sentences[-1]
    assert len(sentences) == 4
    assert voicemail().text.count("312-555-0100") == 2


def test_referrer_opens_and_closes() -> None:
    sentences = split_sentences(voicemail().text)
    assert sentences[0].startswith("Harley Smith suggested I call you, Jane")
    assert "Harley Smith" in sentences[-1]


def test_without_referrer_it_greets_the_prospect() -> None:
    draft = voicemail(prospect=replace(PROSPECT, referrer=None))
    assert draft.text.startswith("Hi Jane, this is Sam Lee with Acme Dialer, 312-555-0100.")
    assert "suggested" not in draft.text
    assert draft.findings == ()


def test_uses_the_first_fact_not_yet_used() -> None:
    draft = voicemail(used=frozenset({FACTS[0]}))
    assert draft.fact_used == FACTS[1]
    assert FACTS[1] in draft.text
    assert FACTS[0] not in draft.text


def test_successive_voicemails_are_a_series_of_commercials() -> None:
    used: set[str] = set()
    for _ in FACTS:
        draft = voicemail(used=frozenset(used))
        assert draft.fact_used not in used
        assert draft.fact_used in draft.text
        used.add(draft.fact_used)
    assert used == set(FACTS)


def test_when_every_fact_is_used_it_falls_back_to_the_benefit_line() -> None:
    draft = voicemail(used=frozenset(FACTS))
    assert draft.fact_used is None
    assert REP.benefit in draft.text
    assert draft.findings == ()


def test_without_facts_or_benefit_it_still_gives_a_reason_to_call() -> None:
    draft = voicemail(rep=replace(REP, benefit=None), facts=[])
    assert draft.fact_used is None
    assert "introduce myself" not in draft.text
    assert "Globex" in draft.text
    assert lint(draft.text, referrer="Harley Smith", phone=REP.phone) == []


def test_connection_note_is_mentioned() -> None:
    assert "We met at the Dallas sales summit" in voicemail().text


def test_cell_is_offered_for_after_hours_return_calls() -> None:
    draft = voicemail(prospect=replace(PROSPECT, connection_note=None))
    assert "or my cell after hours, 312-555-0199" in draft.text
    assert draft.findings == ()


def test_cell_is_not_offered_twice_when_it_is_the_only_number() -> None:
    draft = voicemail(
        rep=replace(REP, phone=None), prospect=replace(PROSPECT, connection_note=None)
    )
    assert "after hours" not in draft.text
    assert draft.text.count("312-555-0199") == 2
    same = voicemail(rep=replace(REP, cell="+1 (312) 555-0100"))
    assert "after hours" not in same.text


def test_promises_brevity() -> None:
    assert "no more than three minutes" in voicemail().text


def test_never_asks_to_introduce_or_blames() -> None:
    text = voicemail().text
    assert "introduce" not in text
    assert_no_banned_phrase(text)


def test_number_is_spoken_internationally_across_borders() -> None:
    draft = voicemail(prospect=replace(PROSPECT, phone="+442079460958"))
    assert "+1-312-555-0100" in draft.text
    assert draft.findings == ()


def test_without_any_number_the_rep_is_told_to_set_one() -> None:
    with pytest.raises(ValueError, match="profile phone"):
        voicemail(rep=replace(REP, phone=None, cell=None))
    assert "profile phone" in NO_PHONE


def test_without_a_name_the_rep_is_told_to_set_one() -> None:
    with pytest.raises(ValueError, match="profile name"):
        voicemail(rep=replace(REP, name=" "))
    assert "profile name" in NO_NAME


def test_long_facts_and_notes_are_shortened_at_word_boundaries() -> None:
    fact = (
        "In 2023, our platform, which integrates with Salesforce and HubSpot, cut no-show "
        "rates by 30% for more than two hundred clinics across the Midwest and the South, "
        "saving each front desk hours every week. Clients love it."
    )
    note = (
        "We met at the Dallas sales summit last spring, where you spoke about inside sales "
        "teams and their phone habits, and I still quote your line about voicemail"
    )
    draft = voicemail(prospect=replace(PROSPECT, connection_note=note), facts=[fact])
    assert draft.findings == ()
    assert draft.fact_used == fact
    assert "In 2023, our platform cut no-show rates by 30%" in draft.text
    assert "which integrates" not in draft.text
    assert "We met at the Dallas sales summit last spring" in draft.text
    assert "..." not in draft.text
    assert "…" not in draft.text


# --- the proposal -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "now", "expected"),
    [
        (datetime(2024, 6, 13, 7, 0, tzinfo=CHICAGO), NOW, "Thursday at 7 a.m."),
        # The same instant given in UTC still reads in the prospect's wall-clock time.
        (datetime(2024, 6, 13, 12, 0, tzinfo=UTC), NOW, "Thursday at 7 a.m."),
        (datetime(2024, 6, 11, 7, 0, tzinfo=CHICAGO), NOW, "tomorrow at 7 a.m."),
        (datetime(2024, 6, 10, 17, 30, tzinfo=CHICAGO), NOW, "today at 5:30 p.m."),
        (datetime(2024, 6, 12, 12, 0, tzinfo=CHICAGO), NOW, "Wednesday at 12 p.m."),
        (datetime(2024, 6, 20, 7, 0, tzinfo=CHICAGO), NOW, "Thursday, June 20, at 7 a.m."),
        # 10 p.m. Monday in Chicago is already Tuesday in UTC: "tomorrow" is the prospect's.
        (
            datetime(2024, 6, 11, 7, 0, tzinfo=CHICAGO),
            datetime(2024, 6, 11, 3, 0, tzinfo=UTC),
            "tomorrow at 7 a.m.",
        ),
        # A window that is already open: the next quarter hour.
        (
            datetime(2024, 6, 10, 9, 0, tzinfo=CHICAGO),
            NOW + timedelta(minutes=7),
            "today at 10:15 a.m.",
        ),
    ],
)
def test_proposal_is_in_the_prospects_time_zone(
    start: datetime, now: datetime, expected: str
) -> None:
    window = CallWindow(start, start + timedelta(hours=2), "off hours", "America/Chicago")
    draft = voicemail(window=window, now=now)
    assert f"If {expected} doesn't work, call me back" in draft.text
    assert draft.findings == ()


def test_an_expired_window_is_rejected() -> None:
    with pytest.raises(ValueError, match="window"):
        voicemail(now=THURSDAY_7AM.end)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="time zones"):
        voicemail(now=NOW.replace(tzinfo=None))


# --- screener ---------------------------------------------------------------------------


def test_screener_names_the_referrer_and_asks_for_help() -> None:
    draft = draft_screener(REP, PROSPECT, THURSDAY_7AM, NOW)
    assert draft.kind is DraftKind.SCREENER
    assert "Harley Smith asked me to call Jane Doe" in draft.text
    assert "Could you help me reach Jane" in draft.text
    assert "When is Jane usually in" in draft.text
    assert "Thursday at 7 a.m." in draft.text
    assert "Is Jane still in the same role at Globex?" in draft.text.replace("And is", "Is")
    assert len(split_sentences(draft.text)) <= 4
    assert draft.findings == ()


def test_screener_without_referrer_or_company() -> None:
    prospect = replace(PROSPECT, name="Dr. Jane Doe", referrer=None, company=None)
    draft = draft_screener(REP, prospect, THURSDAY_7AM, NOW)
    assert "calling for Dr. Jane Doe." in draft.text
    assert "Is Dr. Doe still in the same role?" in draft.text.replace("And is", "Is")
    assert draft.findings == ()


# --- email ------------------------------------------------------------------------------


def test_email_has_a_subject_and_names_the_same_point() -> None:
    draft = draft_email(REP, PROSPECT, THURSDAY_7AM, NOW, FACTS, {FACTS[0]})
    assert draft.kind is DraftKind.EMAIL
    assert draft.fact_used == FACTS[1]
    assert draft.subject == "Our dialer routes callbacks to the right rep"
    assert FACTS[1] in draft.text
    assert "Harley Smith suggested I get in touch." in draft.text
    assert "We met at the Dallas sales summit." in draft.text
    assert "Could we talk Thursday at 7 a.m.?" in draft.text
    assert "reply" in draft.text
    assert draft.text.rstrip().endswith("312-555-0100")
    assert draft.findings == ()


def test_email_subject_is_short() -> None:
    fact = "we cut no-show rates by 30% for more than two hundred clinics like yours"
    draft = draft_email(REP, PROSPECT, THURSDAY_7AM, NOW, [fact], set())
    assert draft.subject == "We cut no-show rates by 30%"
    assert fact in draft.text


def test_email_needs_no_phone() -> None:
    rep = replace(REP, phone=None, cell=None, company=None)
    draft = draft_email(rep, PROSPECT, THURSDAY_7AM, NOW, FACTS, set())
    assert draft.text.endswith("Sam Lee")
    assert draft.findings == ()


# --- wrong number ----------------------------------------------------------------------


def test_wrong_number_track_is_brief_with_one_open_question() -> None:
    draft = draft_wrong_number(REP)
    assert draft.kind is DraftKind.WRONG
    assert draft.seconds < 120
    questions = [s for s in split_sentences(draft.text) if s.endswith("?")]
    assert len(questions) == 1
    assert draft.text.count("?") == 1
    assert questions[0].split()[0] in {"How", "What", "Which", "Why"}
    assert "partner" in draft.text
    assert "Sam Lee, 312-555-0100" in draft.text
    assert draft.text.splitlines()[-1].startswith("Thanks")
    assert draft.findings == ()


def test_wrong_number_question_comes_from_the_reps_business() -> None:
    with_benefit = draft_wrong_number(REP)
    assert REP.benefit in with_benefit.text
    without = draft_wrong_number(replace(REP, benefit=None))
    assert "What are you working on these days that Acme Dialer might help with?" in without.text
    with pytest.raises(ValueError, match="profile phone"):
        draft_wrong_number(replace(REP, phone=None, cell=None))


# --- every generated draft lints clean --------------------------------------------------

FIRST = ["Jane", "Ana", "Raj", "Mary Kate", "José", "Siobhán", "Kwame", "Li", "O'Neil"]
LAST = ["Doe", "Smith", "García-López", "Nguyen", "van der Berg", "O'Brien", "Okafor"]
TITLES = ["", "Dr. ", "Ms. ", "Mr. "]
COMPANIES = ["Globex", "Acme Co.", "Initech LLC", "Stark Industries", "Wayne & Sons", "U.S. Steel"]
NOTES = [
    "We met at the Dallas sales summit",
    "I interned at your company during university",
    "you spoke at SaaStr about call cadences, and I still quote your line on voicemail",
    "we're both members of the Chicago Sales Association",
]
PHONES = [
    "+13125550100",
    "+16175550123",
    "+14155550132",
    "+442079460958",
    "+49301234567",
    "+61291234567",
    "+919876543210",
]
ZONES = ["America/Chicago", "America/New_York", "America/Los_Angeles", "Europe/London"]
ZONES += ["Europe/Berlin", "Asia/Kolkata", "Australia/Sydney", "Asia/Kathmandu"]
WORDS = [
    "we",
    "cut",
    "no-show",
    "rates",
    "30%",
    "for",
    "clinics",
    "like",
    "yours",
    "our",
    "dialer",
    "routes",
    "callbacks",
    "to",
    "the",
    "right",
    "rep",
    "clients",
    "get",
    "back",
    "5",
    "hours",
    "a",
    "week",
    "per",
    "team",
    "across",
    "the",
    "Midwest",
    "and",
    "South",
    "$2,000",
    "saved",
    "every",
    "month",
    "without",
    "new",
    "software",
    "HubSpot",
    "Salesforce",
    "front",
    "desk",
    "calls",
    "booked",
    "faster",
]


def clause(min_words: int, max_words: int) -> st.SearchStrategy[str]:
    words = st.lists(st.sampled_from(WORDS), min_size=min_words, max_size=max_words)
    punctuation = st.sampled_from(["", ".", "!", ", really.", ". Clients love it."])
    return st.builds(lambda w, p: " ".join(w) + p, words, punctuation)


def full_name() -> st.SearchStrategy[str]:
    return st.builds(
        lambda t, f, last: f"{t}{f} {last}",
        st.sampled_from(TITLES),
        st.sampled_from(FIRST),
        st.sampled_from(LAST),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Rep, Prospect, CallWindow, datetime, list[str], set[str]]:
    phone = draw(st.none() | st.sampled_from(PHONES))
    cell = draw(st.sampled_from(PHONES) if phone is None else st.none() | st.sampled_from(PHONES))
    rep = Rep(
        user_id="U1",
        tz="UTC",
        name=draw(
            st.builds(lambda f, last: f"{f} {last}", st.sampled_from(FIRST), st.sampled_from(LAST))
        ),
        company=draw(st.none() | st.sampled_from(COMPANIES)),
        phone=phone,
        cell=cell,
        benefit=draw(st.none() | clause(3, 20)),
    )
    prospect = Prospect(
        id=1,
        name=draw(full_name()),
        company=draw(st.none() | st.sampled_from(COMPANIES)),
        phone=draw(st.none() | st.sampled_from(PHONES)),
        referrer=draw(st.none() | full_name()),
        connection_note=draw(st.none() | st.sampled_from(NOTES) | clause(4, 30)),
    )
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    now = draw(st.datetimes(datetime(2024, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC)))
    local_now = now.astimezone(zone)
    day = local_now.date() + timedelta(days=draw(st.integers(0, 13)))
    start = datetime(
        day.year,
        day.month,
        day.day,
        draw(st.integers(6, 19)),
        draw(st.sampled_from([0, 15, 30, 45])),
        tzinfo=zone,
    )
    end = max(start, now) + timedelta(hours=draw(st.integers(1, 3)))
    window = CallWindow(start, end, "off hours", str(zone))
    facts = draw(st.lists(clause(1, 40), max_size=4, unique=True))
    used = set(draw(st.sets(st.sampled_from(facts)))) if facts else set()
    return rep, prospect, window, now, facts, used


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_generated_voicemail_lints_clean(
    scenario: tuple[Rep, Prospect, CallWindow, datetime, list[str], set[str]],
) -> None:
    rep, prospect, window, now, facts, used = scenario
    draft = draft_voicemail(rep, prospect, window, now, facts, used)
    assert draft.findings == ()
    assert draft.words <= 75
    assert 3 <= len(split_sentences(draft.text)) <= 4
    # A rep's fact needs no cue words ("help", "30%"): the draft passes it to lint as the
    # benefit, so an independent re-lint checks every other rule.
    relint = lint(draft.text, referrer=prospect.referrer, phone=rep.phone or rep.cell)
    assert [f.code for f in relint if f.code != "no_benefit"] == []
    assert "no more than three minutes" in draft.text
    if prospect.referrer:
        assert draft.text.startswith(prospect.referrer)
    if prospect.connection_note:
        opening = " ".join(prospect.connection_note.split()[:3]).rstrip(".!,")
        assert opening.lower() in draft.text.lower()
    if draft.fact_used is not None:
        assert draft.fact_used in facts
        assert draft.fact_used not in used
    assert_no_banned_phrase(draft.text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_generated_email_screener_and_wrong_number_track_lints_clean(
    scenario: tuple[Rep, Prospect, CallWindow, datetime, list[str], set[str]],
) -> None:
    rep, prospect, window, now, facts, used = scenario
    email = draft_email(rep, prospect, window, now, facts, used)
    screener = draft_screener(rep, prospect, window, now)
    wrong = draft_wrong_number(rep)
    assert email.findings == ()
    assert email.subject
    assert screener.findings == ()
    assert wrong.findings == ()
    for draft in (email, screener, wrong):
        assert_no_banned_phrase(draft.text + " " + (draft.subject or ""))
