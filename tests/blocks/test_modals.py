"""Where a form-wide error is shown: under the field the rep would most hate to retype."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.home import build_digest_settings_modal
from bot.blocks.logcall import (
    FOLLOW_UP,
    NOTES,
    SNOOZE_UNTIL,
    build_follow_up_modal,
    build_logcall_modal,
    build_snooze_modal,
)
from bot.blocks.modals import form_error_field
from bot.blocks.prospect import build_edit_modal
from bot.blocks.scripts import build_profile_modal, build_save_caller_modal
from bot.rules.calls import Prospect, Rep

JANE = Prospect(id=7, name="Jane Doe")


@pytest.mark.parametrize(
    ("view", "field"),
    [
        (build_logcall_modal(ZoneInfo("America/Chicago")), NOTES),
        (build_edit_modal(7, JANE), "note"),
        (build_save_caller_modal("Jane Doe"), "notes"),
        (build_profile_modal(Rep(user_id="U1", tz="America/Chicago")), "name"),
        (build_follow_up_modal(JANE), FOLLOW_UP),
        (build_snooze_modal(JANE, date(2026, 11, 23)), SNOOZE_UNTIL),
    ],
)
def test_every_form_has_a_field_for_an_error_that_is_nobodys_fault(
    view: dict[str, object], field: str
) -> None:
    assert form_error_field(view) == field


def test_a_view_without_inputs_has_no_field() -> None:
    assert form_error_field(build_digest_settings_modal([])) is None
    assert form_error_field({}) is None
