"""Text we agree to store: no control characters, no broken characters.

PostgreSQL refuses a NUL byte that SQLite takes, and neither encodes half a surrogate pair
(JSON can carry one as `\\ud800`), so such text would be saved on one database and fail with
"something went wrong" on the other. The other control characters are invisible in Slack and
in a spreadsheet: a name holding one looks like a name without it, and never matches. So every
grammar, form and import row refuses them up front, saying which character and where, and
nothing is written.

Tabs and line breaks are what they look like and stay.
"""

from __future__ import annotations

import re

# C0 controls except tab, line feed and carriage return; DEL and the C1 controls; lone
# surrogates.
_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SHOWN_AROUND = 20


def unstorable_text(text: str, what: str) -> str | None:
    """Why `text` (called `what` in the message, e.g. "The name") can't be stored, or None.

    The message names the character by its code and quotes the text before it, with the
    character itself shown as a visible mark, so the rep can find and retype it.
    """
    found = _REFUSED.search(text)
    if found is None:
        return None
    at = found.start()
    character = found[0]
    kind = "a broken character" if "\ud800" <= character <= "\udfff" else "a control character"
    before = _REFUSED.sub("\N{REPLACEMENT CHARACTER}", text[max(0, at - _SHOWN_AROUND) : at])
    where = f"after “{'…' if at > _SHOWN_AROUND else ''}{before}”" if before else "at the start"
    return (
        f"{what} has {kind} (U+{ord(character):04X}) {where}, which I can't save. Retype that part."
    )


# Bidi marks, embeddings, overrides and isolates, and the zero-width characters that join
# nothing: U+202E shows "Jane Doe" as "eoD enaJ" and U+200B splits a name no search matches.
# U+200C and U+200D stay: Persian and Indic names and emoji sequences need them.
_HIDDEN_IN_NAMES = re.compile(
    "[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def hidden_in_name(name: str, what: str = "The name") -> str | None:
    """Why `name` can't be a name (an invisible character that changes how it shows or
    matches), or None. Names only: notes may quote anything that is storable."""
    found = _HIDDEN_IN_NAMES.search(name)
    if found is None:
        return None
    before = _HIDDEN_IN_NAMES.sub("", name[: found.start()])[-_SHOWN_AROUND:]
    where = f"after “{before}”" if before else "at the start"
    return (
        f"{what} has an invisible formatting character (U+{ord(found[0]):04X}) {where}: it"
        " would show or sort differently from how it reads. Retype the name."
    )
