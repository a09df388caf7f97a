"""The erase confirmation and what it says once done: a modal that names everything that
will go, so nobody erases a person without seeing it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot import ids
from bot.blocks.common import context, section
from bot.blocks.modals import FIELD, info_modal, input_block, modal, text_input
from bot.blocks.mrkdwn import escape
from bot.rules.erasure import Erasure

CONFIRM = "erase_confirm"
"""The field where the rep types the word: the form's errors are shown under it."""
CONFIRM_WORD = "erase"

MAX_ERASED_AT_ONCE = 20
"""Records of one name an admin may erase in one form: a few blocks each, within a modal's
100 blocks."""


def build_erase_modal(erasures: Sequence[Erasure], you: str) -> dict[str, object]:
    """One or more records of a name (an admin's erase takes every rep's), each with its
    owner and what goes; the ids ride in private_metadata, checked again on submit."""
    blocks = [
        section(
            f":warning: Erase *{escape(erasures[0].name)}* and everything about them?"
            " This cannot be undone."
        )
    ]
    for erasure in erasures:
        whose = "Yours" if erasure.owner_id == you else f"<@{erasure.owner_id}>'s prospect"
        blocks.append(section(f"{whose}: {erasure.what_goes()} go for good."))
    blocks += _footnotes(erasures, before=True)
    blocks.append(
        input_block(
            CONFIRM,
            f"Type {CONFIRM_WORD} to confirm",
            text_input(20, placeholder=CONFIRM_WORD),
        )
    )
    metadata = ",".join(str(erasure.prospect_id) for erasure in erasures)
    return modal(ids.PROSPECT_ERASE_VIEW, "Erase prospect", "Erase", blocks, metadata)


def build_erased_modal(erasures: Sequence[Erasure]) -> dict[str, object]:
    lines = [
        f":wastebasket: Erased *{escape(erasure.name)}*: {erasure.what_goes()}."
        for erasure in erasures
    ]
    return info_modal("Erased", [section("\n".join(lines)), *_footnotes(erasures, before=False)])


def confirmed(state: Mapping[str, Any]) -> bool:
    """Whether the rep typed the word (any case, spaces around it allowed)."""
    typed = ((state.get("values") or {}).get(CONFIRM) or {}).get(FIELD) or {}
    return str(typed.get("value") or "").strip().casefold() == CONFIRM_WORD


def _footnotes(erasures: Sequence[Erasure], *, before: bool) -> list[dict[str, object]]:
    notes = []
    if any(erasure.asked_not_to_be_called for erasure in erasures):
        notes.append(
            context(
                "They asked not to be called: a hash of their numbers and email is kept (nothing"
                " readable), so an import, a CRM pull or /logcall can't bring them back."
                if before
                else "They stay on the do-not-call list, as a hash only."
            )
        )
    if any(erasure.in_crm for erasure in erasures):
        notes.append(context(_CRM_STAYS))
    return notes


_CRM_STAYS = (
    "What was already sent to the CRM stays there: Phone Tag does not delete it. Erase them"
    " in the CRM too if they asked to be forgotten."
)
