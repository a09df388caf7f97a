"""The erase confirmation and what it says once done: a modal that names everything that
will go, so nobody erases a person without seeing it."""

from __future__ import annotations

from bot import ids
from bot.blocks.common import context, section
from bot.blocks.modals import info_modal, modal
from bot.blocks.mrkdwn import escape
from bot.rules.erasure import Erasure


def build_erase_modal(erasure: Erasure, owner_is_you: bool) -> dict[str, object]:
    name = escape(erasure.name)
    whose = "" if owner_is_you else f" (<@{erasure.owner_id}>'s prospect)"
    blocks = [
        section(
            f":warning: Erase *{name}*{whose} and everything about them? This cannot be undone."
        ),
        section(f"Goes for good: {erasure.what_goes()}."),
    ]
    if erasure.asked_not_to_be_called:
        blocks.append(
            context(
                "They asked not to be called: a hash of their numbers and email is kept (nothing"
                " readable), so an import, a CRM pull or /logcall can't bring them back."
            )
        )
    if erasure.in_crm:
        blocks.append(context(_CRM_STAYS))
    return modal(
        ids.PROSPECT_ERASE_VIEW, "Erase prospect", "Erase", blocks, str(erasure.prospect_id)
    )


def build_erased_modal(erasure: Erasure) -> dict[str, object]:
    text = f":wastebasket: Erased *{escape(erasure.name)}*: {erasure.what_goes()}."
    blocks = [section(text)]
    if erasure.asked_not_to_be_called:
        blocks.append(context("They stay on the do-not-call list, as a hash only."))
    if erasure.in_crm:
        blocks.append(context(_CRM_STAYS))
    return info_modal("Erased", blocks)


def build_erase_refused(problem: str) -> dict[str, object]:
    return info_modal("Not erased", [section(escape(problem))])


_CRM_STAYS = (
    "What was already sent to the CRM stays there: Phone Tag does not delete it. Erase them"
    " in the CRM too if they asked to be forgotten."
)
