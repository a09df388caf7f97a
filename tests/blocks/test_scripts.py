from bot.blocks.scripts import (
    build_facts_reply,
    build_profile_modal,
    build_profile_reply,
    build_save_caller_modal,
    read_caller_form,
    read_profile_form,
)
from bot.grammar.vmscript import MAX_FACT_CHARS, MAX_FACTS
from bot.rules.calls import Rep
from bot.rules.proposals import read_desk_hours, split_partners
from tests.blockkit import SECTION_CHARS, assert_valid_message, assert_valid_view

REP = Rep(user_id="U1", tz="America/Chicago", name="Sam Lee", phone="+13125550100")


def form(**values: str | None) -> dict[str, object]:
    return {"values": {key: {"value": {"value": value}} for key, value in values.items()}}


def test_the_longest_fact_list_fits_one_section_uncut() -> None:
    facts = [f"{n:02d}" + "x" * (MAX_FACT_CHARS - 2) for n in range(MAX_FACTS)]
    reply = build_facts_reply(facts, "Added fact 12.")
    assert_valid_message(reply)
    listed = reply["blocks"][1]["text"]["text"]  # type: ignore[index]
    assert len(listed) <= SECTION_CHARS
    assert facts[-1] in listed


def test_modals_are_valid_and_prefilled() -> None:
    profile = build_profile_modal(REP)
    caller = build_save_caller_modal("Alan Brooks")
    for view in (profile, caller, build_save_caller_modal(None)):
        assert_valid_view(view)
    assert profile["blocks"][0]["element"]["initial_value"] == "Sam Lee"  # type: ignore[index]
    assert "initial_value" not in profile["blocks"][3]["element"]  # type: ignore[index]
    assert caller["blocks"][0]["element"]["initial_value"] == "Alan Brooks"  # type: ignore[index]


def test_profile_reply_calls_out_a_missing_number() -> None:
    reply = build_profile_reply(Rep(user_id="U1", tz="UTC", name="Sam Lee"))
    assert_valid_message(reply)
    assert "Drafts need your name and a phone number" in str(reply)


def test_profile_form_normalises_and_clears() -> None:
    reading = read_profile_form(
        form(name="  Sam   Lee ", phone="(312) 555-0100", cell=None, email="Sam@Acme.IO")
    )
    assert reading.errors == {}
    assert reading.values == {
        "name": "Sam Lee",
        "company": None,
        "phone": "+13125550100",
        "cell": None,
        "email": "sam@acme.io",
        "benefit": None,
        "desk_hours": None,
        "partners": None,
        "working_day": None,
    }


def test_profile_form_reads_desk_hours_and_partners() -> None:
    reading = read_profile_form(form(name="Sam", desk_hours="2pm-5pm", partners="Acme Audit"))
    assert reading.errors == {}
    assert (reading.values["desk_hours"], reading.values["partners"]) == (
        "14:00-17:00",
        "Acme Audit",
    )
    wrong = read_profile_form(form(name="Sam", desk_hours="mornings"))
    assert "“mornings” is not a span of desk hours" in wrong.errors["desk_hours"]
    shown = str(build_profile_reply(read_rep(reading.values)))
    assert "14–17" in shown and "Acme Audit" in shown


def read_rep(values: dict[str, str | None]) -> Rep:
    return Rep(
        user_id="U1",
        tz="UTC",
        name=str(values["name"]),
        desk_hours=read_desk_hours(values["desk_hours"]),
        partners=split_partners(values["partners"]),
    )


def test_forms_reject_what_slack_would_not_have_sent() -> None:
    assert read_profile_form(form(name="x" * 201)).errors == {"name": "Keep it to 200 characters."}
    reading = read_caller_form(form(name="Alan", notes="line one\nline two  "))
    assert reading.errors == {}
    assert reading.values["notes"] == "line one\nline two"
