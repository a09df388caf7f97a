"""The /prospect line, table-driven: what each subcommand reads, and what each error quotes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.grammar.logcall import GrammarError
from bot.grammar.prospect import (
    AddProspect,
    DeleteProspect,
    EditProspect,
    ListProspects,
    ShowHelp,
    ShowProspect,
    SnoozeProspect,
    parse_prospect,
)
from bot.rules.prospects import (
    Duplicate,
    DuplicateIndex,
    KnownProspect,
    ListFilter,
    MatchedOn,
    describe_duplicate,
    snooze_end,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ShowHelp()),
        ("help", ShowHelp()),
        ("add Jane Doe", AddProspect("Jane Doe")),
        (
            "add Jane Doe phone:+1 312 555 0100 cell:(303) 555-0142 email:Jane@Acme.com"
            ' company:"Acme Corp" value:$12k ref:"Bob Smith" tz:ct note:"met at the expo"',
            AddProspect(
                name="Jane Doe",
                phone="+13125550100",
                cell="+13035550142",
                email="jane@acme.com",
                company="Acme Corp",
                deal_value=12000,
                referrer="Bob Smith",
                tz="America/Chicago",
                note="met at the expo",
                deal_currency="USD",
            ),
        ),
        ('add "O\'Brien, Pat" phone:312-555-0100', AddProspect("O'Brien, Pat", "+13125550100")),
        (
            'add Kim Park note:"Gatekeeper is Linda" hook:"their Q1 rollout" value:£20k',
            AddProspect(
                "Kim Park",
                note="Gatekeeper is Linda",
                hook="their Q1 rollout",
                deal_value=20_000,
                deal_currency="GBP",
            ),
        ),
        ("ADD jane", AddProspect("jane")),
        ("edit Jane Doe", EditProspect("Jane Doe")),
        ('show "Jane  Doe"', ShowProspect("Jane  Doe")),
        ("delete Jane Doe", DeleteProspect("Jane Doe")),
        ("remove Jane Doe", DeleteProspect("Jane Doe")),
        ("list", ListProspects(ListFilter.ACTIVE)),
        ("list due", ListProspects(ListFilter.DUE)),
        ("list OWED", ListProspects(ListFilter.OWED)),
        ("list laid-off", ListProspects(ListFilter.LAID_OFF)),
        ("list laidoff", ListProspects(ListFilter.LAID_OFF)),
        ("list dnc", ListProspects(ListFilter.DNC)),
        ("list all", ListProspects(ListFilter.ALL)),
        ("snooze Jane Doe 1d", SnoozeProspect("Jane Doe", days=1)),
        ("snooze Jane Doe 2w", SnoozeProspect("Jane Doe", days=14)),
        ("snooze Jane Doe 3 days", SnoozeProspect("Jane Doe", days=3)),
        ("snooze Jane Doe 1 week", SnoozeProspect("Jane Doe", days=7)),
        ('snooze Jane Doe until "thu 8am"', SnoozeProspect("Jane Doe", until_text="thu 8am")),
        ("snooze Jane Doe until dec 1", SnoozeProspect("Jane Doe", until_text="dec 1")),
        ("snooze Jane Doe off", SnoozeProspect("Jane Doe", off=True)),
    ],
)
def test_reads(text: str, expected: object) -> None:
    assert parse_prospect(text) == expected


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("frobnicate Jane", "“frobnicate”"),
        ("add", "Put the prospect's name after add"),
        ("add phone:312-555-0100", "Put the prospect's name after add"),
        ("add Jane phone:12", "“12”"),
        ("add Jane email:jane@", "“email:jane@”"),
        ("add Jane value:lots", "“value:lots”"),
        ("add Jane value:-5", "is negative"),
        ("add Jane tz:Mars/Base", "“tz:Mars/Base”"),
        ("add Jane phone:312-555-0100 phone:312-555-0199", "phone: twice"),
        ("add Jane phone:", "“phone:”"),
        ("add Jane phone:312-555-0100 likes golf", "“likes”"),
        ('add Jane next:"thu 8am"', "I don't know the option “next:thu 8am”"),
        ('add Jane note:"unclosed', "unmatched quote"),
        ("add " + "x" * 121, "longer than 120"),
        ("show", "Put the prospect's name after show"),
        ("list someday", "“someday”"),
        ("snooze Jane", "“Jane”"),
        ("snooze Jane 0d", "“0d”"),
        ("snooze Jane 500w", "“500w”"),
        ("snooze Jane until", "Until when?"),
        ("snooze 1w", "Put the prospect's name after snooze"),
    ],
)
def test_errors_quote_what_was_wrong(text: str, quoted: str) -> None:
    with pytest.raises(GrammarError) as raised:
        parse_prospect(text)
    assert quoted in raised.value.message


def test_duplicates_are_found_by_phone_or_cell_then_email_then_name() -> None:
    jane = KnownProspect(7, "Jane Doe", "jane doe", "+13125550100", "+13035550142", "j@acme.com")
    index = DuplicateIndex([jane])

    def find(**given: object) -> Duplicate | None:
        fields = {"id": None, "name": "Someone", "name_key": "someone"} | given
        return index.find(KnownProspect(**fields))  # type: ignore[arg-type]

    assert find(phone="+13035550142") == Duplicate(jane, MatchedOn.PHONE, "phone")
    assert find(cell="+13125550100") == Duplicate(jane, MatchedOn.PHONE, "cell")
    assert find(email="J@ACME.com") == Duplicate(jane, MatchedOn.EMAIL, "email")
    assert find(name="JANE doe", name_key="jane doe") == Duplicate(jane, MatchedOn.NAME, "name")
    assert find(phone="+13125550199", email="other@acme.com") is None
    # The prospect being edited is no duplicate of itself.
    assert index.find(jane, ignore_id=7) is None
    message = describe_duplicate(Duplicate(jane, MatchedOn.PHONE, "phone"))
    assert message == "You already have Jane Doe (312-555-0100): same phone."
    earlier_row = KnownProspect(None, "Ann Lee", "ann lee", email="ann@x.io", row=12)
    assert describe_duplicate(Duplicate(earlier_row, MatchedOn.EMAIL, "email")) == (
        "Same email as row 12 (Ann Lee (ann@x.io))."
    )


@pytest.mark.parametrize(
    ("now", "days", "expected"),
    [
        # 4 pm in Chicago: a day's snooze ends at midnight, before tomorrow's digest.
        (datetime(2026, 11, 23, 22, 0, tzinfo=UTC), 1, datetime(2026, 11, 24, 6, 0, tzinfo=UTC)),
        (datetime(2026, 11, 23, 22, 0, tzinfo=UTC), 7, datetime(2026, 11, 30, 6, 0, tzinfo=UTC)),
        # Across the spring-forward change midnight is an hour closer in UTC.
        (datetime(2026, 3, 7, 18, 0, tzinfo=UTC), 2, datetime(2026, 3, 9, 5, 0, tzinfo=UTC)),
    ],
)
def test_snooze_ends_at_the_start_of_the_reps_day(
    now: datetime, days: int, expected: datetime
) -> None:
    assert snooze_end(days, now, ZoneInfo("America/Chicago")) == expected
