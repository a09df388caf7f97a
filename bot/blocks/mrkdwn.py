"""Slack mrkdwn escaping: user text must never ping a channel or forge a link."""

from __future__ import annotations

from bot.rules.phones import speakable_phone

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


def plain(text: str) -> str:
    """Undo escaping for surfaces that show text as typed (the console)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def phone_link(e164: str, listener_phone: str | None = None) -> str:
    """A number the rep taps to dial on Slack's mobile app, shown as they would say it:
    `<tel:+13125550100|312-555-0100>`. Every number the bot writes goes through here.

    The link target is E.164, so the dialler gets the country code whatever the display.
    """
    try:
        shown = speakable_phone(e164, listener_phone)
    except ValueError:
        return escape(e164)
    return f"<tel:{e164}|{shown}>"
