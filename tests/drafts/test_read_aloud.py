"""Drafts as a reviewer reads them aloud: five voicemails, two emails, a screener and the two
stranger tracks, drafted from fixed fixtures, in full. A change to any wording shows here as
the text a rep would now say, so it can be judged by ear, not only by the rules."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.blocks.coaching import referral_blocks
from bot.drafts.scripts import (
    Draft,
    DraftKind,
    Proposal,
    draft_email,
    draft_misdial,
    draft_screener,
    draft_voicemail,
    draft_wrong_number,
    refusal,
)
from bot.rules.calls import CallLog, DeskHours, Outcome, Prospect, Rep
from bot.rules.relationship import SILENT_STAGES, Relationship, Stage, relationship
from tests.rules.test_relationship import histories

UTC = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
LONDON = ZoneInfo("Europe/London")
# Monday 30 November 2026, 8:00 in New York, where the rep sits.
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
RITA = Rep(
    user_id="U789",
    tz="America/New_York",
    name="Rita Rep",
    company="Acme Payroll",
    phone="+16175550142",
    cell="+16175550199",
    benefit="we run payroll for 200-person firms in an hour a month",
    desk_hours=DeskHours(time(9), time(12)),
    partners=("Acme Audit", "Beta Books"),
)
FACTS = [
    "our clients close payroll in one afternoon instead of three days",
    "we file every state's payroll taxes for you, with no late fees in eight years",
    "switching takes two weeks, and we move your history for you",
]
# Tomorrow 9 to 12 on Rita's clock.
DESK = (datetime(2026, 12, 1, 9, tzinfo=NEW_YORK), datetime(2026, 12, 1, 12, tzinfo=NEW_YORK))
KIM = Prospect(
    id=1,
    name="Kim Park",
    company="Lakeside Dental",
    phone="+13125550144",
    tz="America/Chicago",
    connection_note="Gatekeeper is Linda, hates cold calls",
    hook="their Q1 rollout of a second clinic",
)
OMAR = Prospect(
    id=2,
    name="Dr. Omar Haddad",
    company="Haddad Orthodontics",
    phone="+14155550177",
    email="omar@haddadortho.com",
    tz="America/Los_Angeles",
    referrer="Sam Smith",
)
ANA = Prospect(
    id=3,
    name="Ana Lima",
    company="Northwind Logistics",
    phone="+16175550111",
    tz="America/New_York",
)
EVE = Prospect(
    id=4,
    name="Eve Clarke",
    company="Clarke & Co",
    phone="+442079460958",
    tz="Europe/London",
    hook="they're opening a Boston office in March",
)


def plan(*slots: datetime) -> Proposal:
    return Proposal(now=NOW, slots=slots, desk=DESK)


def spoken(draft: Draft) -> str:
    return f"Subject: {draft.subject}\n\n{draft.text}" if draft.subject else draft.text


DRAFTS = {
    "voicemail with a talking point": lambda: draft_voicemail(
        RITA, KIM, plan(datetime(2026, 12, 3, 7, tzinfo=CHICAGO)), FACTS, set()
    ),
    "voicemail for a referral": lambda: draft_voicemail(
        RITA, OMAR, plan(datetime(2026, 12, 1, 7, tzinfo=LOS_ANGELES)), FACTS, set()
    ),
    "second voicemail, same clock": lambda: draft_voicemail(
        RITA, ANA, plan(datetime(2026, 11, 30, 12, tzinfo=NEW_YORK)), FACTS, {FACTS[0]}
    ),
    "voicemail abroad": lambda: draft_voicemail(
        RITA, EVE, plan(datetime(2026, 12, 1, 17, 30, tzinfo=LONDON)), FACTS, set()
    ),
    "voicemail a week out, desk line only": lambda: draft_voicemail(
        replace(RITA, cell=None, desk_hours=None),
        ANA,
        Proposal(now=NOW, slots=(datetime(2026, 12, 7, 7, tzinfo=NEW_YORK),)),
        FACTS,
        set(FACTS),
    ),
    "first email to a referral": lambda: draft_email(
        RITA,
        OMAR,
        plan(
            datetime(2026, 12, 1, 7, tzinfo=LOS_ANGELES),
            datetime(2026, 12, 2, 12, tzinfo=LOS_ANGELES),
        ),
        FACTS,
        set(),
    ),
    "email after a meeting": lambda: draft_email(
        RITA,
        KIM,
        plan(datetime(2026, 12, 3, 7, tzinfo=CHICAGO), datetime(2026, 12, 4, 12, tzinfo=CHICAGO)),
        FACTS,
        {FACTS[0]},
        relationship(
            KIM,
            [
                CallLog(
                    Outcome.MEETING, NOW - timedelta(days=7), follow_up_at=NOW - timedelta(days=4)
                )
            ],
            NOW,
            NEW_YORK,
        ),
    ),
    "screener": lambda: draft_screener(RITA, KIM),
    "misdial": lambda: draft_misdial(RITA, ANA),
    "wrong number": lambda: draft_wrong_number(RITA),
}

EXPECTED = {
    "voicemail with a talking point": (
        "Hi Kim, this is Rita Rep with Acme Payroll, 617-555-0142."
        " I saw your Q1 rollout of a second clinic — our clients close payroll in one"
        " afternoon instead of three days."
        " I'll try you again Thursday at 7 a.m. your time."
        " If another time suits you better, call me at 617-555-0142, or my cell after hours at"
        " 617-555-0199; I'm at my desk tomorrow from 8 to 11 a.m. your time."
    ),
    "voicemail for a referral": (
        "Sam Smith suggested I call you, Dr. Haddad — this is Rita Rep with Acme Payroll,"
        " 617-555-0142."
        " Here's why I'm calling: our clients close payroll in one afternoon instead of three"
        " days."
        " Since Sam Smith suggested we talk, I'll try you again tomorrow at 7 a.m. your time."
        " If another time suits you better, call me at 617-555-0142, or my cell after hours at"
        " 617-555-0199."
    ),
    "second voicemail, same clock": (
        "Hi Ana, this is Rita Rep with Acme Payroll, 617-555-0142."
        " Here's why I'm calling: we file every state's payroll taxes for you, with no late fees"
        " in eight years."
        " I'll try you again today at noon — three minutes, no more."
        " If another time suits you better, call me at 617-555-0142, or my cell after hours at"
        " 617-555-0199; I'm at my desk tomorrow from 9 a.m. to noon."
    ),
    "voicemail abroad": (
        "Hi Eve, this is Rita Rep with Acme Payroll, +1-617-555-0142."
        " I saw you're opening a Boston office in March — our clients close payroll in"
        " one afternoon instead of three days."
        " I'll try you again tomorrow at 5:30 p.m. your time."
        " If another time suits you better, call me at +1-617-555-0142, or my cell after hours"
        " at +1-617-555-0199."
    ),
    "voicemail a week out, desk line only": (
        "Hi Ana, this is Rita Rep with Acme Payroll, 617-555-0142."
        " Here's why I'm calling: we run payroll for 200-person firms in an hour a month."
        " I'll try you again Monday, December 7, at 7 a.m. — three minutes, no more."
        " If another time suits you better, call me at 617-555-0142."
    ),
    "first email to a referral": """\
Subject: Sam Smith suggested we talk

Hi Dr. Haddad,

Sam Smith suggested I get in touch. I'll keep this short: our clients close payroll in one \
afternoon instead of three days.

Could we talk tomorrow at 7 a.m. or Wednesday at noon your time? If another day or time suits \
you better, just reply with it and I'll keep my line clear then — no more than three minutes, \
I promise.

Rita Rep
Acme Payroll
617-555-0142""",
    "email after a meeting": """\
Subject: Following up on Thursday's meeting

Hi Kim,

Thank you for your time on Thursday. One more thing worth knowing as you weigh it up: we file \
every state's payroll taxes for you, with no late fees in eight years.

Could we talk through the next step on Thursday at 7 a.m. or Friday at noon your time? If \
another day or time suits you better, just reply with it and I'll keep my line clear then — no \
more than three minutes, I promise.

Rita Rep
Acme Payroll
617-555-0142""",
    "screener": (
        "Hi, this is Rita Rep with Acme Payroll, calling for Kim Park."
        " I'm hoping to catch Kim — could you see if Kim has a few minutes to talk"
        " about how we run payroll for 200-person firms in an hour a month?"
        " When is the best time to reach Kim directly?"
        " And may I have Kim's email, to send a short note first?"
    ),
    "misdial": """\
I'm sorry — I must have dialled the wrong number; I was trying to reach Ana Lima at Northwind \
Logistics.
Since I have you for a moment: I'm Rita Rep with Acme Payroll.
In short: we run payroll for 200-person firms in an hour a month.
How does your team handle that today?
If it's not something we do, I'm glad to point you to Acme Audit or Beta Books, who might.
In case it's ever useful, that's Rita Rep, 617-555-0142.
Thanks, and sorry again for the interruption.""",
    "wrong number": """\
I believe you have the wrong number — this is Rita Rep with Acme Payroll, and I'll only keep \
you a minute.
In short: we run payroll for 200-person firms in an hour a month.
How does your team handle that today?
If it's not something we do, I'm glad to point you to Acme Audit or Beta Books, who might.
Let me give you my name and number, since you don't have them: Rita Rep, 617-555-0142.
Thanks for your time — I'll let you get back to your day.""",
}


@pytest.mark.parametrize("name", list(DRAFTS))
def test_the_draft_reads_aloud_as_written(name: str) -> None:
    draft = DRAFTS[name]()
    assert spoken(draft) == EXPECTED[name]
    assert draft.findings == ()
    assert "Linda" not in draft.text and "cold calls" not in draft.text


# --- the matrix: every draft kind against every stage of the relationship ----------------------

KINDS = ("voicemail", "screener", "email", "misdial", "wrong", "referral ask")
_CLOCK_WITHOUT_HALF = re.compile(r"\b(?:at|to) \d{1,2}(?::\d{2})?\b(?! ?[ap]\.m\.)")


def standing_at(stage: Stage) -> Relationship:
    return relationship(KIM, histories(NOW)[stage], NOW, NEW_YORK)


def matrix_draft(kind: str, standing: Relationship) -> Draft | str | None:
    """The draft of `kind`, the one line refusing it, or None for no referral ask."""
    if kind == "referral ask":
        blocks = referral_blocks(standing, KIM)
        return blocks[0]["text"]["text"] if blocks else None  # type: ignore[index,return-value]
    draft_kind = DraftKind(kind)
    if (instead := refusal(draft_kind, standing)) is not None:
        return instead
    proposal = plan(
        datetime(2026, 12, 3, 7, tzinfo=CHICAGO), datetime(2026, 12, 4, 12, tzinfo=CHICAGO)
    )
    match draft_kind:
        case DraftKind.VOICEMAIL:
            return draft_voicemail(RITA, KIM, proposal, FACTS, set(), standing)
        case DraftKind.SCREENER:
            return draft_screener(RITA, KIM, standing)
        case DraftKind.EMAIL:
            return draft_email(RITA, KIM, proposal, FACTS, set(), standing)
        case DraftKind.MISDIAL:
            return draft_misdial(RITA, KIM)
    return draft_wrong_number(RITA)


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("kind", KINDS)
def test_what_each_draft_may_and_must_say_where_things_stand(kind: str, stage: Stage) -> None:
    standing = standing_at(stage)
    made = matrix_draft(kind, standing)
    if kind == "referral ask":
        talked = stage in (Stage.TALKED, Stage.MEETING_AHEAD, Stage.MEETING_HELD, Stage.WON)
        assert (made is not None) == talked
        return
    silent = stage in SILENT_STAGES and kind in ("voicemail", "screener", "email")
    silent |= stage in SILENT_STAGES - {Stage.WRONG_NUMBER} and kind == "misdial"
    if silent:
        # One line saying what to do instead, no script, no number to dial.
        assert isinstance(made, str) and "\n" not in made and "555" not in made
        if stage is Stage.WRONG_NUMBER:
            assert "find the right one" in made
        return
    assert isinstance(made, Draft)
    said = spoken(made)
    assert made.findings == ()
    assert "Linda" not in said and "cold calls" not in said
    assert not _CLOCK_WITHOUT_HALF.search(said), said
    if kind in ("misdial", "wrong"):
        return
    # Nothing the history does not hold.
    if stage is not Stage.MEETING_HELD:
        assert "for your time" not in said
    if standing.talked_on is None:
        assert "mentioned" not in said.lower()
        if kind != "screener" and stage in (Stage.NEW, Stage.ATTEMPTING, Stage.RESTING):
            assert "I saw your Q1 rollout" in said
    if not standing.phone_tag:
        assert "phone tag" not in said
    if stage is not Stage.OWED_RETURN_CALL:
        assert "your call" not in said and "Kim's call" not in said
    must = {
        (Stage.OWED_RETURN_CALL, "voicemail"): "I'm returning your call from earlier today",
        (Stage.OWED_RETURN_CALL, "screener"): "I'm returning Kim's call from earlier today",
        (Stage.OWED_RETURN_CALL, "email"): "Sorry I missed your call earlier today.",
        (Stage.TALKED, "voicemail"): "Following up on our conversation yesterday:",
        (Stage.TALKED, "screener"): "following up on my conversation with Kim yesterday",
        (Stage.TALKED, "email"): "Thanks for taking my call yesterday.",
        (Stage.PROMISED_CALLBACK, "voicemail"): "Following up on our conversation yesterday:",
        (Stage.MEETING_HELD, "voicemail"): "Thank you again for your time yesterday",
        (Stage.MEETING_HELD, "email"): "Thank you for your time yesterday.",
        (Stage.MEETING_AHEAD, "voicemail"): "I'm looking forward to our meeting Thursday at 7 a.m.",
        (Stage.MEETING_AHEAD, "email"): "I'm looking forward to our meeting Thursday at 7 a.m.",
        (Stage.MEETING_AHEAD, "screener"): "calling ahead of my meeting with Kim",
        (Stage.ATTEMPTING, "screener"): "I've been playing phone tag with Kim",
        (Stage.ATTEMPTING, "email"): "I saw your Q1 rollout",
        (Stage.RESTING, "email"): "Which day and time suit you for a short call?",
        (Stage.NEW, "voicemail"): "I saw your Q1 rollout of a second clinic —",
        (Stage.NEW, "screener"): "I'm hoping to catch Kim",
    }
    if (stage, kind) in must:
        assert must[stage, kind] in said, said
    if stage is Stage.MEETING_AHEAD:
        # The meeting is the next touch: no other time is proposed, nothing thanked for.
        assert "try you again" not in said and "Thank" not in said
    if stage is Stage.RESTING and kind == "email":
        assert "Could we talk" not in said


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.builds(
            CallLog,
            outcome=st.sampled_from(list(Outcome)),
            at=st.integers(1, 60 * 24 * 30).map(lambda m: NOW - timedelta(minutes=m)),
            notes=st.just(""),
            follow_up_at=st.one_of(
                st.none(),
                st.integers(-60 * 24 * 10, 60 * 24 * 10).map(lambda m: NOW + timedelta(minutes=m)),
            ),
        ),
        max_size=8,
    )
)
def test_no_draft_names_a_past_event_the_history_does_not_contain(history: list[CallLog]) -> None:
    standing = relationship(KIM, history, NOW, NEW_YORK)
    outcomes = {log.outcome for log in history}
    for kind in ("voicemail", "screener", "email"):
        made = matrix_draft(kind, standing)
        if not isinstance(made, Draft):
            assert standing.silent
            continue
        said = spoken(made)
        if "returning" in said or "missed your call" in said:
            assert Outcome.INBOUND in outcomes
        if "conversation" in said or "taking my call" in said or "mentioned" in said:
            assert outcomes & {
                Outcome.CONNECTED,
                Outcome.MEETING,
                Outcome.CALLBACK,
                Outcome.WON,
                Outcome.NOT_INTERESTED,
            }
        if "for your time" in said:
            assert any(
                log.outcome is Outcome.MEETING and log.follow_up_at and log.follow_up_at <= NOW
                for log in history
            )
        if "phone tag" in said:
            assert (
                sum(
                    o in (Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.GATEKEEPER)
                    for o in (log.outcome for log in history)
                )
                >= 2
            )
