"""Slack mrkdwn escaping: user text must never ping a channel or forge a link."""

from __future__ import annotations

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


def plain(text: str) -> str:
    """Undo escaping for surfaces that show text as typed (the console)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
