"""What erasing a person takes with them, and what someone who asked not to be called is
told when they come back: the words the confirmation, the reply and every refusal share."""

from __future__ import annotations

from dataclasses import dataclass

ASKED_NOT_TO_BE_CALLED = "this person asked not to be called"
"""What an import row, a CRM contact or a /logcall that matches a suppression is told."""


@dataclass(frozen=True)
class Erasure:
    """What erasing a prospect takes (the confirmation says it before, the reply after)."""

    prospect_id: int
    name: str
    owner_id: str
    calls: int
    notes: int
    """The private note and every call with notes."""
    talking_points: int
    drafts: int
    reminders: int
    """Their follow-up, owed return calls and reminder DMs recorded as sent."""
    crm_pushes: int
    """Calls still waiting to reach the CRM: never sent now."""
    in_crm: bool
    """Something about them is already in the CRM: that stays there."""
    asked_not_to_be_called: bool

    def what_goes(self) -> str:
        """ "3 calls, 2 notes, 1 talking point, …": every kind, zeros included, so the rep
        sees that nothing was missed."""
        counts = (
            (self.calls, "call", "calls"),
            (self.notes, "note", "notes"),
            (self.talking_points, "talking point", "talking points"),
            (self.drafts, "draft", "drafts"),
            (self.reminders, "reminder", "reminders"),
            (self.crm_pushes, "pending CRM push", "pending CRM pushes"),
        )
        return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts)
