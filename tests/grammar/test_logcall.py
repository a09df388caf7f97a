import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.grammar.logcall import (
    OUTCOME_ALIASES,
    USAGE,
    DealValueError,
    GrammarError,
    LogCallRequest,
    parse_deal_value,
    parse_logcall,
    tokenize,
)
from bot.grammar.slack_text import decode
from bot.rules.calls import Outcome


def req(name: str, outcome: Outcome, **fields: object) -> LogCallRequest:
    return LogCallRequest(prospect_name=name, outcome=outcome, **fields)  # type: ignore[arg-type]


CONTRACT_EXAMPLE = (
    '/logcall Jane Doe vm phone:+1 312 555 0100 value:$12k next:"thu 8am" left msg about the bid'
)
CONTRACT_PARSED = req(
    "Jane Doe",
    Outcome.VOICEMAIL,
    phone="+13125550100",
    deal_value=12000,
    deal_currency="USD",
    next_text="thu 8am",
    notes="left msg about the bid",
)

VALID: list[tuple[str, LogCallRequest]] = [
    (CONTRACT_EXAMPLE, CONTRACT_PARSED),
    (CONTRACT_EXAMPLE.removeprefix("/logcall "), CONTRACT_PARSED),
    # Every outcome, by its canonical word.
    (
        "Bob Smith connected talked budget, wants a demo",
        req("Bob Smith", Outcome.CONNECTED, notes="talked budget, wants a demo"),
    ),
    ("Maria Garcia noanswer", req("Maria Garcia", Outcome.NO_ANSWER)),
    (
        "Tom Lee gatekeeper spoke to Linda at the front desk",
        req("Tom Lee", Outcome.GATEKEEPER, notes="spoke to Linda at the front desk"),
    ),
    (
        "Ann Roe wrong number disconnected",
        req("Ann Roe", Outcome.WRONG, notes="number disconnected"),
    ),
    (
        'Raj Patel callback next:"today 2pm" said call after lunch',
        req("Raj Patel", Outcome.CALLBACK, next_text="today 2pm", notes="said call after lunch"),
    ),
    ("Lisa Wong inbound returned my vm", req("Lisa Wong", Outcome.INBOUND, notes="returned my vm")),
    (
        'Carlos Diaz meeting next:"next tue 10am" demo booked',
        req("Carlos Diaz", Outcome.MEETING, next_text="next tue 10am", notes="demo booked"),
    ),
    (
        "Kim Park email sent pricing deck email:kim@parkco.com",
        req("Kim Park", Outcome.EMAIL, email="kim@parkco.com", notes="sent pricing deck"),
    ),
    (
        "Omar Ali notinterested using a competitor",
        req("Omar Ali", Outcome.NOT_INTERESTED, notes="using a competitor"),
    ),
    (
        "Greta Hansen won value:$48,000 signed today",
        req(
            "Greta Hansen", Outcome.WON, deal_value=48000, deal_currency="USD", notes="signed today"
        ),
    ),
    (
        "Pete Moss lost went with a cheaper vendor",
        req("Pete Moss", Outcome.LOST, notes="went with a cheaper vendor"),
    ),
    (
        "Dan Brown dnc asked to be removed",
        req("Dan Brown", Outcome.DNC, notes="asked to be removed"),
    ),
    # Aliases, any case.
    ("Jane Doe voicemail", req("Jane Doe", Outcome.VOICEMAIL)),
    ("Jane Doe LM left message", req("Jane Doe", Outcome.VOICEMAIL, notes="left message")),
    ("Jane Doe VM", req("Jane Doe", Outcome.VOICEMAIL)),
    ("Jane Doe no-answer", req("Jane Doe", Outcome.NO_ANSWER)),
    ("Jane Doe NA rang out", req("Jane Doe", Outcome.NO_ANSWER, notes="rang out")),
    (
        "Jane Doe gk assistant screens calls",
        req("Jane Doe", Outcome.GATEKEEPER, notes="assistant screens calls"),
    ),
    ("Jane Doe HCB after 3", req("Jane Doe", Outcome.CALLBACK, notes="after 3")),
    ("Jane Doe scb", req("Jane Doe", Outcome.CALLBACK)),
    (
        "Jane Doe meet lunch on thursday",
        req("Jane Doe", Outcome.MEETING, notes="lunch on thursday"),
    ),
    ("Jane Doe not-interested", req("Jane Doe", Outcome.NOT_INTERESTED)),
    ("Jane Doe ni", req("Jane Doe", Outcome.NOT_INTERESTED)),
    ("Jane Doe do-not-call", req("Jane Doe", Outcome.DNC)),
    # "in" is not an outcome word.
    ("Mary In vm", req("Mary In", Outcome.VOICEMAIL)),
    # Quoting, straight and smart; apostrophes are letters.
    ('"Victor vm Mann" vm', req("Victor vm Mann", Outcome.VOICEMAIL)),
    ('"Won Kim" connected', req("Won Kim", Outcome.CONNECTED)),
    ("'Dana Na' noanswer", req("Dana Na", Outcome.NO_ANSWER)),
    ("“Lee Callback” vm", req("Lee Callback", Outcome.VOICEMAIL)),
    (
        "Jane Doe vm next:“thu 8am” left msg",
        req("Jane Doe", Outcome.VOICEMAIL, next_text="thu 8am", notes="left msg"),
    ),
    (
        "Sam Lee connected next:\u2018tue 2pm\u2019",
        req("Sam Lee", Outcome.CONNECTED, next_text="tue 2pm"),
    ),
    (
        "Jane Doe callback next:'thu 8am' wants pricing",
        req("Jane Doe", Outcome.CALLBACK, next_text="thu 8am", notes="wants pricing"),
    ),
    (
        "Pat O'Brien na didn't pick up, he's out",
        req("Pat O'Brien", Outcome.NO_ANSWER, notes="didn't pick up, he's out"),
    ),
    ("Pat O\u2019Brien vm", req("Pat O'Brien", Outcome.VOICEMAIL)),
    # Options: before the outcome, any key case, phones over several tokens.
    ("Jane Doe phone:312-555-0100 vm", req("Jane Doe", Outcome.VOICEMAIL, phone="+13125550100")),
    (
        "Jane Doe vm phone:(312) 555-0100 cell:+1 213 555 0142",
        req("Jane Doe", Outcome.VOICEMAIL, phone="+13125550100", cell="+12135550142"),
    ),
    ("Jane Doe vm cell:312.555.0199", req("Jane Doe", Outcome.VOICEMAIL, cell="+13125550199")),
    (
        "Jane Doe vm PHONE:+44 20 7946 0958 TZ:Europe/London",
        req("Jane Doe", Outcome.VOICEMAIL, phone="+442079460958", tz="Europe/London"),
    ),
    (
        "Jane Doe vm phone:312-555-0100 2 kids at home",
        req("Jane Doe", Outcome.VOICEMAIL, phone="+13125550100", notes="2 kids at home"),
    ),
    (
        "Jane Doe vm email:Jane.Doe@Acme.COM",
        req("Jane Doe", Outcome.VOICEMAIL, email="jane.doe@acme.com"),
    ),
    (
        "Jane Doe vm email:<mailto:jane@acme.com|jane@acme.com>",
        req("Jane Doe", Outcome.VOICEMAIL, email="jane@acme.com"),
    ),
    (
        'Jane Doe vm company:"Acme Corp" ref:"Bob Smith"',
        req("Jane Doe", Outcome.VOICEMAIL, company="Acme Corp", referrer="Bob Smith"),
    ),
    ("Jane Doe vm tz:america/chicago", req("Jane Doe", Outcome.VOICEMAIL, tz="America/Chicago")),
    ("Jane Doe vm tz:ET", req("Jane Doe", Outcome.VOICEMAIL, tz="America/New_York")),
    ("Jane Doe vm tz:mt", req("Jane Doe", Outcome.VOICEMAIL, tz="America/Denver")),
    ("Jane Doe vm tz:PT", req("Jane Doe", Outcome.VOICEMAIL, tz="America/Los_Angeles")),
    ("Jane Doe vm next:tomorrow", req("Jane Doe", Outcome.VOICEMAIL, next_text="tomorrow")),
    ("Jane Doe won value:12000", req("Jane Doe", Outcome.WON, deal_value=12000)),
    (
        "Jane Doe won value:$1.5m",
        req("Jane Doe", Outcome.WON, deal_value=1_500_000, deal_currency="USD"),
    ),
    ("Jane Doe won value:15K", req("Jane Doe", Outcome.WON, deal_value=15000)),
    ("Jane Doe won value:$800", req("Jane Doe", Outcome.WON, deal_value=800, deal_currency="USD")),
    ("Jane Doe won value:$12.50", req("Jane Doe", Outcome.WON, deal_value=13, deal_currency="USD")),
    # Notes keep unknown keys, URLs, later outcome words, # and backslashes.
    (
        "Jane Doe vm re: the bid https://acme.com/bid",
        req("Jane Doe", Outcome.VOICEMAIL, notes="re: the bid https://acme.com/bid"),
    ),
    ("Jane Doe vm then email later", req("Jane Doe", Outcome.VOICEMAIL, notes="then email later")),
    (
        "Jane Doe vm call #2 see C:\\bids",
        req("Jane Doe", Outcome.VOICEMAIL, notes="call #2 see C:\\bids"),
    ),
    ("Jane, vm", req("Jane", Outcome.VOICEMAIL)),
    # A name may begin with an outcome word: the outcome is the first one after a name.
    ("Inbound Ivan inbound", req("Inbound Ivan", Outcome.INBOUND)),
    ("Won Kim vm", req("Won Kim", Outcome.VOICEMAIL)),
    (
        "Kim Park vm value:£20k",
        req("Kim Park", Outcome.VOICEMAIL, deal_value=20_000, deal_currency="GBP"),
    ),
    (
        "Kim Park vm value:€15k",
        req("Kim Park", Outcome.VOICEMAIL, deal_value=15_000, deal_currency="EUR"),
    ),
    (
        "Kim Park vm value:CHF5k",
        req("Kim Park", Outcome.VOICEMAIL, deal_value=5_000, deal_currency="CHF"),
    ),
    (
        'Kim Park vm "value:20,000 gbp"',
        req("Kim Park", Outcome.VOICEMAIL, deal_value=20_000, deal_currency="GBP"),
    ),
    (
        'Kim Park vm at:"yesterday 5pm" left msg',
        req("Kim Park", Outcome.VOICEMAIL, at_text="yesterday 5pm", notes="left msg"),
    ),
    (
        "Kim Park gatekeeper Linda says she's out until Wednesday",
        req(
            "Kim Park",
            Outcome.GATEKEEPER,
            back_text="wednesday",
            notes="Linda says she's out until Wednesday",
        ),
    ),
    (
        "Kim Park vm she's out until Wednesday",
        req("Kim Park", Outcome.VOICEMAIL, notes="she's out until Wednesday"),
    ),
    (
        "Kim Park gatekeeper back:wednesday Linda says she's out",
        req("Kim Park", Outcome.GATEKEEPER, back_text="wednesday", notes="Linda says she's out"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), VALID)
def test_valid_lines(text: str, expected: LogCallRequest) -> None:
    """Lines as Slack sends them, decoded as the command decodes them."""
    assert parse_logcall(decode(text)) == expected


def test_valid_table_covers_every_outcome() -> None:
    assert len(VALID) >= 40
    assert {expected.outcome for _, expected in VALID} == set(Outcome)


MALFORMED: list[tuple[str, list[str]]] = [
    ("Jane Doe left msg", ["“Jane Doe left msg”", "connected, vm, noanswer"]),
    ("vm left msg", ["“vm”", "name"]),
    ("phone:312-555-0100 vm", ["“vm”"]),
    ("vm", ["“vm”", "name", '"Kim Won" vm']),
    ("Jane vm back:wed next:thu", ["back:", "next:", "not both"]),
    ("Jane vm value:£$5", ["“value:£$5”"]),
    ('Jane vm "value:5k xyz"', ["“xyz”", "not a currency"]),
    ("Jane vm phone:", ["“phone:”"]),
    ("Jane vm next:", ["“next:”"]),
    ('Jane vm company:""', ["“company:”"]),
    ("Jane vm phone:555", ["“555”", "not a phone number"]),
    ("Jane vm cell:123 555 0100", ["“123 555 0100”"]),
    (
        "Jane vm phone:312-555-0100 phone:213-555-0142",
        ["“phone:312-555-0100”", "“phone:213-555-0142”", "twice"],
    ),
    ("Jane vm tz:ct TZ:et", ["“tz:ct”", "“TZ:et”"]),
    ("Jane vm email:jane", ["“email:jane”"]),
    ("Jane vm email:jane@acme", ["“email:jane@acme”"]),
    ("Jane vm value:lots", ["“value:lots”"]),
    ("Jane vm value:-500", ["“value:-500”", "negative"]),
    ("Jane vm value:$-5k", ["“value:$-5k”", "negative"]),
    ("Jane vm value:12k5", ["“value:12k5”"]),
    ("Jane vm tz:Mars/Olympus", ["“tz:Mars/Olympus”"]),
    ('Jane vm next:"thu 8am', ['“Jane vm next:"thu 8am”', "unmatched quote"]),
    ("“Jane Doe vm", ["“Jane Doe vm”", "unmatched quote"]),
    ("X" * 121 + " vm", [f"“{'X' * 40}…”", "120"]),
    ("Jane vm " + "blah " * 500, [f"“{'blah ' * 8}…”", "2000"]),
]


@pytest.mark.parametrize(("text", "fragments"), MALFORMED)
def test_malformed_lines(text: str, fragments: list[str]) -> None:
    with pytest.raises(GrammarError) as info:
        parse_logcall(text)
    for fragment in fragments:
        assert fragment in info.value.message
    assert str(info.value) == info.value.message


@pytest.mark.parametrize("text", ["", "   ", "/logcall", '""'])
def test_empty_text_asks_for_a_call(text: str) -> None:
    with pytest.raises(GrammarError) as info:
        parse_logcall(text)
    assert info.value.message.startswith("Tell me who you called")


def test_name_of_exactly_120_characters_is_accepted() -> None:
    assert parse_logcall("X" * 120 + " vm").prospect_name == "X" * 120


def test_aliases() -> None:
    assert "in" not in OUTCOME_ALIASES
    assert all(OUTCOME_ALIASES[outcome.value] is outcome for outcome in Outcome)
    assert OUTCOME_ALIASES["lm"] is Outcome.VOICEMAIL
    assert OUTCOME_ALIASES["do-not-call"] is Outcome.DNC


def test_usage_lists_every_outcome_and_option() -> None:
    for outcome in Outcome:
        assert outcome.value in USAGE
    for key in ("phone:", "cell:", "email:", "company:", "value:", "ref:", "tz:", "next:"):
        assert key in USAGE
    assert CONTRACT_EXAMPLE in USAGE


def _shell_words(text: str) -> list[str] | None:
    """What a shell lexer with double quotes only and no escapes makes of `text`."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split, lexer.quotes, lexer.escape, lexer.commenters = True, '"', "", ""
    try:
        return [word for word in lexer if word]
    except ValueError:
        return None


@given(st.text(alphabet='ab "\t\n\r\x0b\u00a0#\\:', max_size=16))
def test_words_split_as_a_shell_splits_them(text: str) -> None:
    try:
        words: list[str] | None = tokenize(text)
    except GrammarError:
        words = None
    assert words == _shell_words(text)


@pytest.mark.parametrize(
    ("raw", "whole"),
    [
        ("$12.50", 13),  # a half rounds up (banker's rounding would give 12)
        ("2.5", 3),
        ("$0.5", 1),
        ("$12.49", 12),
        ("$0.49", 0),
        ("1000000000000", 1_000_000_000_000),  # exactly the limit
        ("$1,000,000m", 1_000_000_000_000),
    ],
)
def test_deal_values_at_their_edges(raw: str, whole: int) -> None:
    assert parse_deal_value(raw) == whole


@pytest.mark.parametrize("raw", ["1000000000001", "$1,000,000.001m", "$1000000000000.5"])
def test_a_deal_value_one_past_the_limit_is_refused(raw: str) -> None:
    with pytest.raises(DealValueError) as refused:
        parse_deal_value(raw)
    assert refused.value.problem == "is more than 1,000,000,000,000"
