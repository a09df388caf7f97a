"""What listeners need beyond Slack's own arguments, built once by the runtime.

It lives below the handlers so they can import it without importing the app factory.
"""

from __future__ import annotations

import functools
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from threading import Lock, Thread
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.services.crm.connections import AdapterFactory, default_adapters, env_credentials
from bot.services.crm.http import CrmHttp
from bot.services.file_download import DownloadPolicy
from storage.insights import EvidenceCache
from storage.privacy import suppression_key

logger = logging.getLogger("phonetag")

Job = Callable[[], None]
# Learned windows weigh months of dials; the App Home may show ones this old.
EVIDENCE_REUSE = timedelta(minutes=15)
HOME_SETTLE_SECONDS = 1.0
"""How long a Home redraw waits after the change that asked for it, so a rep's burst of calls
ends in one redraw (measured: one client hammering with the Home open went from 66 to 215
req/s). The rep reads the reply in the channel first; a second is less than the trip to the
Home tab."""


class PublishedHomes:
    """The App Home this process last published for each rep: a digest of the view and the
    hash Slack gave it.

    Slack sends the view it shows with every `app_home_opened`; when that is still ours and
    ours has not changed, publishing it again would only spend a Slack call (views.publish
    is rate limited per workspace) and its JSON both ways. Comparing Slack's hash, not just
    our digest, keeps this right with several processes: another one's publish changes the
    hash. A digest and a hash per rep who opened the Home: about 150 bytes each.
    """

    def __init__(self) -> None:
        self._lock = Lock()
        self._last: dict[tuple[str, str], tuple[str, str]] = {}

    def shown(self, rep: tuple[str, str], digest: str, slack_hash: str | None) -> bool:
        """Whether Slack shows `slack_hash` and that is the view of `digest` we published."""
        with self._lock:
            return slack_hash is not None and self._last.get(rep) == (digest, slack_hash)

    def unchanged(self, rep: tuple[str, str], digest: str) -> bool:
        """Whether `digest` is the view this process last published for the rep: a redraw
        that would publish the same view again is skipped. Another process may have
        published since (gunicorn's workers, `serve` beside a worker); then Slack's hash has
        changed, and the rep's next opening of the Home publishes ours again."""
        with self._lock:
            last = self._last.get(rep)
            return last is not None and last[0] == digest

    def published(self, rep: tuple[str, str], digest: str, slack_hash: str | None) -> None:
        with self._lock:
            if slack_hash is None:
                self._last.pop(rep, None)
            else:
                self._last[rep] = (digest, slack_hash)


class PerWorkspace(Protocol):
    def __call__(self, team_id: str, job: Job) -> object: ...


@dataclass(frozen=True)
class Services:
    """What listeners need beyond Slack's own arguments, handed over through Bolt's context.

    `imports` runs CSV imports shared in the DM, which take seconds and so get a queue per workspace
    (`/prospect sync` pulls there too); `downloads` says where and how much of a shared file
    they may fetch.
    """

    session_factory: sessionmaker[Session]
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    imports: PerWorkspace = field(default_factory=lambda: workspace_queues())
    downloads: DownloadPolicy = field(default_factory=DownloadPolicy)
    evidence: EvidenceCache = field(default_factory=lambda: EvidenceCache(EVIDENCE_REUSE))
    homes: PublishedHomes = field(default_factory=PublishedHomes)
    settings: Settings = field(default_factory=Settings)
    crm_adapters: AdapterFactory | None = None
    """How CRM adapters are built; None builds them from `settings` (tests pass their own)."""
    crm_http: CrmHttp = field(default_factory=CrmHttp)
    """How the CRMs' token endpoints are reached; tests trust their TLS stand-in here."""

    @property
    def adapters(self) -> AdapterFactory:
        return self.crm_adapters or default_adapters(self.settings, self.crm_http)

    @functools.cached_property
    def suppression_key(self) -> bytes:
        """What suppressions of people who asked not to be called are hashed with."""
        return suppression_key(self.settings.secret_key)

    @property
    def crm_from_env(self) -> bool:
        """Whether the environment names a CRM, which then serves every workspace."""
        return env_credentials(self.settings) is not None


def _run_logged(job: Job) -> None:
    try:
        job()
    except Exception:
        # Background work's app.error: nobody waits on a reply, so log it loudly.
        logger.exception("background work after the ack failed")


def workspace_queues() -> PerWorkspace:
    """Runs each workspace's jobs in order, on a thread of its own while it has any.

    An import holds its thread for as long as Slack takes to hand over the file and the
    database to take the rows (a minute at worst, see `DownloadPolicy`), so one shared queue
    let one workspace's big file hold up every other workspace's. A rep's second file waits
    behind their first, which keeps the two from racing over the same duplicates.
    """
    queues: dict[str, deque[Job]] = {}
    lock = Lock()

    def drain(team_id: str) -> None:
        while True:
            with lock:
                queue = queues[team_id]
                if not queue:
                    del queues[team_id]
                    return
                job = queue.popleft()
            _run_logged(job)

    def submit(team_id: str, job: Job) -> None:
        with lock:
            queue = queues.get(team_id)
            if queue is not None:
                queue.append(job)
                return
            queues[team_id] = deque([job])
        Thread(target=drain, args=(team_id,), name=f"imports-{team_id}", daemon=True).start()

    return submit
