"""Reading a click: the id it carries, and the one answer to an id the clicker may not use.

Anyone can replay a payload with another workspace's or another rep's id in it, so the id
is only a lookup key: every listener loads the prospect again scoped to the clicker.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot.blocks.common import build_warning
from bot.blocks.payload_ids import read_row_id

NOT_YOURS = (
    "You can't act on that prospect: it isn't one of yours in this workspace. Nothing was changed."
)


def clicked_id(body: dict[str, Any]) -> int | None:
    """The id in the clicked button's value; None for anything that is not one."""
    return read_row_id(body["actions"][0].get("value"))


def say(respond: Respond, reply: dict[str, object], *, replace: bool = False) -> None:
    """Answer the clicker only; by default below the message, which stays as it was."""
    respond(
        text=str(reply["text"]),
        blocks=reply["blocks"],  # type: ignore[arg-type]
        response_type="ephemeral",
        replace_original=replace,
    )


def refuse(respond: Respond, problem: str = NOT_YOURS) -> None:
    say(respond, build_warning(problem))
