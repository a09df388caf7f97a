"""Slash-command text as the rep typed it, from the escaped form Slack sends.

Slack sends `&`, `<` and `>` as `&amp;`, `&lt;` and `&gt;`, and turns what it recognises into
angle-bracket links: `<mailto:a@b.com|a@b.com>`, `<tel:+13125550100|312 555 0100>`,
`<https://acme.com|acme.com>`, `<@U123|sam>`, `<#C123|general>`, `<!here>`. Stored as sent,
`/logcall Tom &amp; Jerry vm` would make a second "Tom & Jerry", and every reply would escape
the `&amp;` again. So each command decodes its text once, where it comes in; replies still
escape on the way out.

One pass over the text: a literal `&lt;@U1&gt;` the rep typed decodes to `<@U1>` and is not
read again as a mention.
"""

from __future__ import annotations

import re

_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_ESCAPED = re.compile(r"<(?P<link>[^<>]*)>|&(?P<entity>amp|lt|gt);")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_CHANNEL_MENTION = re.compile(r"<#[CG][A-Z0-9]+(?:\|[^<>]*)?>")
_SPECIAL_MENTIONS = {"here", "channel", "everyone"}


def decode(text: str, *, keep_channel_mentions: bool = False) -> str:
    """The text the rep typed. `keep_channel_mentions` leaves `<#C123|sales>` whole for a
    command whose argument is a channel, read by its id (names change and repeat)."""

    def replace(match: re.Match[str]) -> str:
        entity = match["entity"]
        if entity is not None:
            return _ENTITIES[entity]
        if keep_channel_mentions and _CHANNEL_MENTION.fullmatch(match[0]):
            return match[0]
        return _link_text(match["link"])

    return _ESCAPED.sub(replace, text)


def _link_text(link: str) -> str:
    """What Slack shows for one `<…>`: its label when it has one, else the target itself."""
    target, bar, label = link.partition("|")
    target, label = _unescape(target), _unescape(label)
    if target.startswith("@"):
        return label or target
    if target.startswith("#"):
        return f"#{label}" if label else target
    if target.startswith("!"):
        # <!here>, <!subteam^S1|@sales>, <!date^1700000000^{date}|Nov 14>
        keyword = target[1:].partition("^")[0]
        return label or (f"@{keyword}" if keyword in _SPECIAL_MENTIONS else target)
    if bar and label:
        return label
    for scheme in ("mailto:", "tel:"):
        if target.startswith(scheme):
            return target.removeprefix(scheme)
    return target


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda match: _ENTITIES[match[1]], text)
