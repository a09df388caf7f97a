"""What the cadence reads of a prospect's calls, without every call.

A rep's busiest prospects have hundreds of calls, and the morning digest weighs thousands of
prospects at once. Every rule asks about one of two things: the latest call of some kind
("has a dial answered the inbound call?", "was the email sent after the last dial?"), or the
calls since the prospect last talked to the rep (voicemails and dials count only from then).
So a summary keeps exactly those, and the database can hand it over directly.

The latest calls asked about never lie before the latest dial: every question looking back
for an inbound call, a promise, a touch or a dial stops at the first dial it meets. Only the
email is asked about by time ("sent since the voicemail that hit the cap?"), so the latest
email is kept wherever it lies.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.rules.calls import CONVERSATIONS, OUTBOUND_DIALS, CallLog, Outcome


@dataclass(frozen=True)
class CallSummary:
    """The latest call of each outcome since the latest dial and every call since the last
    conversation, both in the order the calls happened (by time, then the order they were
    logged)."""

    latest: tuple[CallLog, ...] = ()
    """The latest dial, and the latest call of each outcome after it; and the latest email."""
    since_talk: tuple[CallLog, ...] = ()
    """Every call after the latest conversation (all calls, when there was none)."""

    @classmethod
    def of(cls, history: Iterable[CallLog]) -> CallSummary:
        """The summary of calls in any order; calls at the same moment keep their order."""
        logs = sorted(history, key=lambda log: log.at)
        talked = dialed = -1
        for index, log in enumerate(logs):
            if log.outcome in CONVERSATIONS:
                talked = index
            if log.outcome in OUTBOUND_DIALS:
                dialed = index
        latest: dict[Outcome, CallLog] = {}
        for index, log in enumerate(logs):
            if index >= dialed or log.outcome is Outcome.EMAIL:
                # Re-inserted, so the dict keeps each outcome's latest call in time order.
                latest.pop(log.outcome, None)
                latest[log.outcome] = log
        return cls(tuple(latest.values()), tuple(logs[talked + 1 :]))

    @property
    def calls(self) -> tuple[CallLog, ...]:
        """The kept calls in the order they happened: the latest calls up to the last
        conversation, then every call since (a suffix, so nothing needs sorting). A rule
        asking "the latest X before Y" reads the same answer here as in every call.

        Latest calls since the conversation are in that suffix and end `latest`, in the
        same order: matched from the back, they are left off `latest`.
        """
        before = len(self.latest)
        for log in reversed(self.since_talk):
            if before and self.latest[before - 1] is log:
                before -= 1
        return self.latest[:before] + self.since_talk

    @property
    def last(self) -> CallLog | None:
        return self.latest[-1] if self.latest else None

    def last_of(self, outcomes: Collection[Outcome]) -> CallLog | None:
        """The latest call with one of `outcomes`."""
        for log in reversed(self.latest):
            if log.outcome in outcomes:
                return log
        return None

    @property
    def dials_since_talk(self) -> int:
        return sum(1 for log in self.since_talk if log.outcome in OUTBOUND_DIALS)

    @property
    def voicemails_since_talk(self) -> list[datetime]:
        return [log.at for log in self.since_talk if log.outcome is Outcome.VOICEMAIL]
