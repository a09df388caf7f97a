"""What to do after a call that was not a plain dial: Block Kit for the logged-call reply.

A gatekeeper gets the seed's tactics (call when the assistant is away; in a voice-mail
system, press 0 for the receptionist) and the screener script to use next time. A
conversation, a booked meeting or a win is the moment to ask for an introduction: prospects
return calls from people they know, and the warmest way in is a customer who says you'll
call. Pure functions returning blocks.
"""

from __future__ import annotations

from bot import ids
from bot.blocks.common import button, context, section
from bot.blocks.mrkdwn import escape
from bot.blocks.scripts import quoted
from bot.drafts.scripts import Draft, address
from bot.rules.calls import Outcome, Prospect
from bot.rules.relationship import Relationship, Stage

REFERRAL_MOMENTS = frozenset({Stage.WON, Stage.MEETING_AHEAD, Stage.MEETING_HELD, Stage.TALKED})
"""Where things stand when the reply suggests asking for an introduction: only someone the
rep has talked to can be asked for one."""


def gatekeeper_blocks(
    prospect: Prospect, screener: Draft | None, missing: str | None
) -> list[dict[str, object]]:
    """The tactics, then the screener script (or how to get one: `missing` says what the
    profile lacks)."""
    first = escape(address(prospect.name))
    tactics = (
        ":shield: *Past the gatekeeper:* call before 8:30 or after 5:30 their time, or over"
        " lunch, when the assistant is away and "
        f"{first} picks up. If you reach a voice-mail system instead, press 0 (or 0#) for the"
        f" receptionist and ask whether {first} is in today and still in the same role."
    )
    blocks = [section(tactics)]
    if screener is not None:
        blocks.append(section(":bust_in_silhouette: *When the screener answers, say:*"))
        blocks.append(section(quoted(screener.text)))
    elif missing:
        blocks.append(
            context(f"For a screener script, {escape(missing)} — or type /vmscript profile.")
        )
    return blocks


def introduction_ask(outcome: Outcome, prospect: Prospect) -> str:
    """The one-line ask, worded for the moment (plain text)."""
    if outcome is Outcome.WON:
        where = f", at {prospect.company} or at another firm," if prospect.company else " elsewhere"
        return f"Who do you know{where} who'd want the same? Would you let them know I'll call?"
    team = f" at {prospect.company}" if prospect.company else " on your team"
    return (
        f"Is there anyone else{team}, or a peer at another firm, who should hear about this?"
        " Would you mind telling them I'll call?"
    )


def referral_blocks(standing: Relationship, prospect: Prospect) -> list[dict[str, object]]:
    """A one-line ask for an introduction, worded for the moment."""
    if standing.stage not in REFERRAL_MOMENTS:
        return []
    won = standing.stage is Stage.WON
    ask = escape(introduction_ask(Outcome.WON if won else Outcome.CONNECTED, prospect))
    lead = "Ask for an introduction"
    if won:
        lead += " while they're pleased"
    return [
        section(f":handshake: *{lead}:* “{ask}”"),
        context("A referral you name first (“Sam Smith suggested I call”) gets calls returned."),
    ]


def introduction_buttons(standing: Relationship, prospect: Prospect) -> list[dict[str, object]]:
    """The button that notes the ask was made (the weekly picture counts them)."""
    if standing.stage not in REFERRAL_MOMENTS or prospect.id is None:
        return []
    return [button("I asked for an introduction", ids.LOGCALL_ASKED_INTRO, str(prospect.id))]
