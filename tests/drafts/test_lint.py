from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.drafts.lint import (
    BANNED_PHRASES,
    Finding,
    count_words,
    estimate_seconds,
    lint,
    same_number,
    split_sentences,
)

# Built from the seed's own advice (Bill Lampton, "Getting Prospects to Return Your Phone Calls").
GOOD = (
    "Harley Smith suggested I call you, Jane — this is Bill Lampton, 312-555-0100. "
    "When you return my call, I will explain how my services can improve your company's "
    "morale and customer service. "
    "If Thursday at 8 a.m. doesn't work, call me back — I promise to take no more than "
    "three minutes. "
    "As I said earlier, our mutual friend Harley Smith prompted me to call; again, 312-555-0100."
)
REFERRER = "Harley Smith"
PHONE = "+13125550100"


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def test_good_script_lints_clean() -> None:
    assert lint(GOOD, referrer=REFERRER, phone=PHONE) == []
    assert lint(GOOD) == []


BAD: list[tuple[str, Callable[[str], str], str]] = [
    (
        "too_long",
        lambda s: s.replace(
            "customer service",
            "customer service at the same time, across every branch, shift and team you run, "
            "from the front desk to the loading dock, without adding headcount or new software",
        ),
        "too_long",
    ),
    ("too_many_sentences", lambda s: s.replace("; again", ". Again"), "too_many_sentences"),
    ("phone_once", lambda s: s.replace("; again, 312-555-0100", ""), "phone_once"),
    (
        "no_phone",
        lambda s: s.replace(", 312-555-0100.", ".").replace("; again, 312-555-0100", ""),
        "no_phone",
    ),
    (
        "referrer_once",
        lambda s: s.replace("our mutual friend Harley Smith prompted me", "I was prompted"),
        "referrer_once",
    ),
    (
        "blames_prospect",
        lambda s: s.replace("If Thursday", "I haven't heard from you, so if Thursday"),
        "blames_prospect",
    ),
    ("no_time_proposal", lambda s: s.replace("If Thursday at 8 a.m. doesn't work", "If"), None),
    (
        "introduce_myself",
        lambda s: s.replace(
            "When you return", "I would like to introduce myself. When you return"
        ).replace(". If Thursday", "; if Thursday"),
        "introduce_myself",
    ),
    (
        "no_benefit",
        lambda s: s.replace(
            "I will explain how my services can improve your company's morale and customer service",
            "we can talk about my services",
        ),
        "no_benefit",
    ),
]


@pytest.mark.parametrize(("name", "mutate", "expected"), BAD, ids=[b[0] for b in BAD])
def test_each_rule_fires_alone_on_a_minimal_bad_script(
    name: str, mutate: Callable[[str], str], expected: str | None
) -> None:
    bad = mutate(GOOD)
    assert bad != GOOD, "the mutation must change the script"
    assert codes(lint(bad, referrer=REFERRER, phone=PHONE)) == [expected or name]


def test_no_time_proposal_script_says_why() -> None:
    bad = GOOD.replace("If Thursday at 8 a.m. doesn't work", "If")
    (finding,) = lint(bad)
    assert "concrete time" in finding.message


def test_messages_give_specific_advice() -> None:
    bad = GOOD.replace("; again, 312-555-0100", "")
    (finding,) = lint(bad, phone=PHONE)
    assert "start" in finding.message
    assert "end" in finding.message
    too_long = lint(" ".join(["word"] * 80) + " tomorrow, to help you, 312-555-0100, 312-555-0100")
    assert codes(too_long) == ["too_long"]
    assert "words" in too_long[0].message
    assert "seconds" in too_long[0].message


@pytest.mark.parametrize("phrase", BANNED_PHRASES)
def test_every_banned_phrase_is_caught(phrase: str) -> None:
    script = GOOD.replace("If Thursday", f"Sorry, {phrase}, but if Thursday")
    assert "blames_prospect" in codes(lint(script))


@pytest.mark.parametrize(
    "variant",
    [
        "I haven’t heard from you",
        "I HAVEN'T HEARD FROM YOU",
        "I havent heard from you",
        "you didn’t return my call",
        "You never called back",
        "I'm still   waiting",
        "just following up on my last message",
    ],
)
def test_blaming_variants_are_caught(variant: str) -> None:
    assert "blames_prospect" in codes(lint(f"{variant}. {GOOD}"))


def test_the_seed_warning_is_flagged() -> None:
    # C.J. Hayden: rather than saying "I haven't heard from you", say you're eager to talk.
    assert "blames_prospect" in codes(lint('Rather than saying, "I haven\'t heard from you".'))


def test_introduce_myself_is_not_a_benefit() -> None:
    script = (
        "Hi Jane, this is Sam at 312-555-0100. I would like to introduce myself. "
        "I'm at my desk tomorrow 9 to 12. Again, 312-555-0100."
    )
    assert codes(lint(script)) == ["introduce_myself", "no_benefit"]


def test_seed_screener_line_lints_clean_for_a_screener() -> None:
    # Maura Schreier-Fleming: enlist the screener's help.
    line = (
        "I've been playing phone tag with John Doe. Can you see if he will speak with me for "
        "a few minutes about the benefit to him or his company?"
    )
    assert lint(line, kind="screener") == []


def test_seed_callback_window_counts_as_time_proposal() -> None:
    script = (
        "Hi Jane, this is Bill at 312-555-0100. I can improve your customer service. "
        "I will be in my office tomorrow morning between 9:00 and 12:00. Again, 312-555-0100."
    )
    assert lint(script) == []


@pytest.mark.parametrize(
    "when",
    ["tomorrow", "on Thursday", "June 6", "at 10 a.m", "at 10am", "at 10:30", "from 9 to 12"],
)
def test_time_proposals_are_recognised(when: str) -> None:
    script = (
        f"Hi, this is Sam, 312-555-0100. We cut costs 30%. Call me {when}. Again, 312-555-0100."
    )
    assert lint(script) == []


@pytest.mark.parametrize("not_a_time", ["in 2 to 3 minutes", "soon", "next week sometime"])
def test_vague_times_are_not_proposals(not_a_time: str) -> None:
    script = (
        f"Hi, this is Sam, 312-555-0100. We cut costs 30%. Call {not_a_time}. Again, 312-555-0100."
    )
    assert codes(lint(script)) == ["no_time_proposal"]


def test_phone_spellings_are_the_same_number() -> None:
    assert same_number("+13125550100", "312-555-0100")
    assert same_number("(312) 555-0100", "312.555.0100")
    assert same_number("+49301234567", "030-1234567")
    assert same_number("+442079460958", "020 7946 0958")
    assert not same_number("+13125550100", "+13125550199")
    assert not same_number("555-010", "+13125550100"), "too short to be a phone number"


def test_phone_kwarg_counts_that_number() -> None:
    script = GOOD.replace("; again, 312-555-0100", "; again, 312-555-0100, cell 312-555-0199")
    assert lint(script, phone=PHONE) == []
    assert codes(lint(script, phone="+13125550199")) == ["phone_once"]
    assert codes(lint(script, phone="+16175550123")) == ["no_phone"]


def test_without_phone_kwarg_some_number_must_repeat() -> None:
    script = GOOD.replace("; again, 312-555-0100", "; again, 312-555-0199")
    assert codes(lint(script)) == ["phone_once"]


def test_times_and_prices_are_not_phone_numbers() -> None:
    script = "Save $10,000 by 9:00 on June 6 at 10 a.m., 2 to 3 times, 30% faster."
    assert codes(lint(script)) == ["no_phone"]


def test_referrer_given_name_counts_as_a_mention() -> None:
    script = GOOD.replace("our mutual friend Harley Smith prompted me", "Harley prompted me")
    assert lint(script, referrer=REFERRER) == []
    assert lint(GOOD, referrer="Dr. Harley Smith") == []


def test_known_benefit_text_is_recognised_without_cue_words() -> None:
    fact = "our founder ran the Chicago Bulls' ticket office"
    script = (
        f"Hi Jane, this is Sam, 312-555-0100. Here's why I'm calling: {fact}. "
        "I'll call you tomorrow at 7 a.m. Again, that's Sam at 312-555-0100."
    )
    assert codes(lint(script)) == ["no_benefit"]
    assert lint(script, benefit=fact.upper()) == []


def test_kinds_apply_their_own_rules() -> None:
    email = (
        "Hi Jane,\n\nWe met at SaaStr. We cut no-shows 30%.\n\n"
        "Could we talk Thursday at 7 a.m.?\n\nSam\n312-555-0100"
    )
    assert lint(email, kind="email") == []
    assert codes(lint(email)) == ["too_many_sentences", "phone_once"]
    wrong = "Wrong number, sorry. What do you use today? I'm Sam, 312-555-0100. Thanks."
    assert lint(wrong, kind="wrong") == []
    assert codes(lint("Wrong number. What do you use? Thanks.", kind="wrong")) == ["no_phone"]
    long_email = "We cut costs tomorrow. " + "word " * 150
    assert codes(lint(long_email, kind="email")) == ["too_long"]
    with pytest.raises(ValueError, match="unknown script kind"):
        lint(GOOD, kind="fax")


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("If Thursday at 8 a.m. doesn't work, call me. Thanks.", 2),
        ("Call me at 8 a.m. Thanks.", 2),
        ("Dr. Lee and C.J. Hayden met in the U.S. Army. Really?", 2),
        ("Is 312-555-0100 right? Yes! Good.", 3),
        ("Visit www.tele-smart.com today. Thanks", 2),
        ("Hi Jane,\n\nGreat talk.\nSam", 3),
        ("Hi Jane,\n\ngreat talk\nsam", 2),
        ("", 0),
    ],
)
def test_sentence_splitting(text: str, sentences: int) -> None:
    assert len(split_sentences(text)) == sentences


def test_words_are_counted_as_spoken() -> None:
    assert count_words("Call 312-555-0100 — thanks") == 5
    assert count_words("+44-20-7946-0958") == 4
    assert count_words("8 a.m. at 10:30, $1,000 or 30%") == 7
    assert estimate_seconds(75) == 30
    assert estimate_seconds(150) == 60


@pytest.mark.parametrize(
    "opener",
    ["Just checking in!", "I'm touching base about the bid.", "Following up on my voicemail."],
)
def test_empty_openers_are_flagged(opener: str) -> None:
    codes = [finding.code for finding in lint(f"{opener} {GOOD}")]
    assert "nothing_new" in codes
    assert "nothing_new" not in [finding.code for finding in lint(GOOD)]
