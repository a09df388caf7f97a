"""What the cadence reads of a prospect's calls, without every call.

A rep's busiest prospects have hundreds of calls, and the morning digest weighs thousands of
prospects at once. Every rule asks about one of two things: the latest call of some kind
("has a dial answered the inbound call?", "was the email sent after the last dial?"), or the
calls since the prospect last talked to the rep (voicemails and dials count only from then).
So a summary keeps exactly those, and the database can hand it over directly.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.rules.calls import CONVERSATIONS, OUTBOUND_DIALS, CallLog, Outcome


@dataclass(frozen=True)
class CallSummary:
    """The latest call of each outcome and every call since the last conversation, both in
    the order the calls happened (by time, then the order they were logged)."""

    latest: tuple[CallLog, ...] = ()
    """One call per outcome that occurs: the latest of that outcome."""
    since_talk: tuple[CallLog, ...] = ()
    """Every call after the latest conversation (all calls, when there was none)."""

    @classmethod
    def of(cls, history: Iterable[CallLog]) -> CallSummary:
        """The summary of calls in any order; calls at the same moment keep their order."""
        logs = sorted(history, key=lambda log: log.at)
        latest: dict[Outcome, CallLog] = {}
        talked = -1
        for index, log in enumerate(logs):
            # Re-inserted, so the dict keeps each outcome's latest call in time order.
            latest.pop(log.outcome, None)
            latest[log.outcome] = log
            if log.outcome in CONVERSATIONS:
                talked = index
        return cls(tuple(latest.values()), tuple(logs[talked + 1 :]))

    @property
    def calls(self) -> tuple[CallLog, ...]:
        """The kept calls in the order they happened: the latest of each outcome up to the
        last conversation, then every call since (a suffix, so nothing needs sorting). A
        rule asking "the latest X before Y" reads the same answer here as in every call.

        The latest calls of outcomes that recur since the conversation are in that suffix,
        and being the latest, they end `latest`: one per outcome since is left off its end.
        """
        since = len({log.outcome for log in self.since_talk})
        return self.latest[: len(self.latest) - since] + self.since_talk

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
