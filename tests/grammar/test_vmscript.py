import pytest

from bot.drafts.scripts import DraftKind
from bot.grammar.logcall import GrammarError
from bot.grammar.slack_text import decode
from bot.grammar.vmscript import (
    MAX_FACT_CHARS,
    USAGE,
    AddFact,
    CheckScript,
    DraftRequest,
    ListFacts,
    ProfileRequest,
    RemoveFact,
    ShowHelp,
    VmscriptRequest,
    parse_vmscript,
)

VOICEMAIL = DraftKind.VOICEMAIL

VALID: list[tuple[str, VmscriptRequest]] = [
    ("Jane Doe", DraftRequest("Jane Doe", VOICEMAIL, kind_given=False)),
    ("  jane   doe  ", DraftRequest("jane doe", VOICEMAIL, kind_given=False)),
    ("Jane Doe voicemail", DraftRequest("Jane Doe", VOICEMAIL, kind_given=True)),
    ("Jane Doe VM", DraftRequest("Jane Doe", VOICEMAIL, kind_given=True)),
    ("Jane Doe screener", DraftRequest("Jane Doe", DraftKind.SCREENER, kind_given=True)),
    ("Jane Doe gatekeeper", DraftRequest("Jane Doe", DraftKind.SCREENER, kind_given=True)),
    ("Jane Doe email", DraftRequest("Jane Doe", DraftKind.EMAIL, kind_given=True)),
    ("Jane Doe E-mail", DraftRequest("Jane Doe", DraftKind.EMAIL, kind_given=True)),
    ("wrong", DraftRequest(None, DraftKind.WRONG, kind_given=True)),
    ("misdial", DraftRequest(None, DraftKind.MISDIAL, kind_given=True)),
    ("Kim Park misdial", DraftRequest("Kim Park", DraftKind.MISDIAL, kind_given=True)),
    (
        'profile hours:"9-12" partners:"Acme Audit, Beta Books"',
        ProfileRequest(desk_hours="09:00-12:00", partners="Acme Audit, Beta Books"),
    ),
    ("profile hours:2pm-5pm", ProfileRequest(desk_hours="14:00-17:00")),
    ("Alan Brooks wrong", DraftRequest("Alan Brooks", DraftKind.WRONG, kind_given=True)),
    ("Dr. Mary O'Brien", DraftRequest("Dr. Mary O'Brien", VOICEMAIL, kind_given=False)),
    # A name that starts with a subcommand word or holds a kind word is quoted.
    ('"Check Smith"', DraftRequest("Check Smith", VOICEMAIL, kind_given=False)),
    ("“Wrong Way” Corrigan email", DraftRequest("Wrong Way Corrigan", DraftKind.EMAIL, True)),
    ("", ShowHelp()),
    ("Help", ShowHelp()),
    ("profile", ProfileRequest()),
    (
        'profile phone:+1 312 555 0100 cell:(312) 555-0199 email:Sam@Acme.io company:"Acme'
        ' Dialer" benefit:"we help teams book 20% more meetings" name:"Sam Lee"',
        ProfileRequest(
            name="Sam Lee",
            company="Acme Dialer",
            phone="+13125550100",
            cell="+13125550199",
            email="sam@acme.io",
            benefit="we help teams book 20% more meetings",
        ),
    ),
    ("PROFILE Phone:312.555.0100", ProfileRequest(phone="+13125550100")),
    ("profile email:<mailto:sam@acme.io|sam@acme.io>", ProfileRequest(email="sam@acme.io")),
    ('facts add "we cut no-shows 30%"', AddFact("we cut no-shows 30%")),
    ("facts add we cut O'Brien's costs", AddFact("we cut O'Brien's costs")),
    ("facts", ListFacts()),
    ("facts LIST", ListFacts()),
    ("facts remove 3", RemoveFact(3)),
    ("check Hi Jane,  it's Sam.", CheckScript("Hi Jane,  it's Sam.")),
]


@pytest.mark.parametrize(("text", "expected"), VALID)
def test_valid_lines(text: str, expected: VmscriptRequest) -> None:
    """Lines as Slack sends them, decoded as the command decodes them."""
    assert parse_vmscript(decode(text)) == expected


def test_profile_changes_are_only_the_given_fields() -> None:
    assert ProfileRequest().changes() == {}
    assert ProfileRequest(cell="+13125550199").changes() == {"cell": "+13125550199"}


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("screener", ["prospect's name", "/vmscript Jane Doe screener"]),
        ("Jane email Doe", ["“email”", "isn't last", '"Jane email Doe"']),
        ('Jane "Doe', ["unmatched quote", 'Jane "Doe']),
        ("J" * 121, ["longer than 120"]),
        ("profile jane", ["“jane”", "phone:"]),
        ("profile phone:", ["“phone:” has no value"]),
        ("profile phone:555", ["“555”", "area code"]),
        ("profile cell:+1 312 555 01", ["cell:", "“+1 312 555 01”"]),
        ("profile email:sam@", ["“email:sam@”"]),
        ("profile phone:312-555-0100 phone:312-555-0199", ["phone: twice"]),
        ("profile name:" + "x" * 201, ["longer than 200"]),
        ("profile benefit:" + "x" * 201, ["longer than 200"]),
        ("profile hours:mornings", ["“mornings” is not a span of desk hours", "9-12"]),
        ('profile hours:9-12 hours:"2-5"', ["hours: twice"]),
        ("facts add", ["Say the fact"]),
        ("facts add " + "x" * (MAX_FACT_CHARS + 1), ["longer than 200"]),
        ("facts remove", ["“nothing”"]),
        ("facts remove -1", ["“-1”"]),
        ("facts remove 0", ["“0”"]),
        ("facts remove 2 3", ["“2 3”"]),
        ("facts list all", ["“all”"]),
        ("facts forget 2", ["“facts forget”"]),
        ("check", ["Paste the script"]),
        ("check " + "x" * 3001, ["longer than 3000"]),
    ],
)
def test_malformed_lines_quote_what_was_not_understood(text: str, fragments: list[str]) -> None:
    with pytest.raises(GrammarError) as info:
        parse_vmscript(text)
    for fragment in fragments:
        assert fragment in info.value.message


def test_usage_names_every_kind_and_subcommand() -> None:
    for word in [*(kind.value for kind in DraftKind), "profile", "facts add", "remove", "check"]:
        assert word in USAGE
