"""One digest tick in a process of its own, as `phonetag worker` runs it, so its peak memory
is its own: `python -m bench.digest_tick_run DATABASE_URL SLACK_API_URL MODE PER_SECOND
[INDEX OF]` prints JSON. MODE is `prepare` (the preparation tick PREPARE_LEAD before TICK_AT:
every digest coming due is built and stored) or `minute` (the digest tick at TICK_AT, posts
paced to PER_SECOND in each workspace). With INDEX and OF, it is tick process INDEX of OF
(`phonetag worker --processes OF`).

Each workspace posts with a token of its own, as OAuth installs have, so the Slack stand-in
tells the workspaces apart and holds each to its own budget.
"""

from __future__ import annotations

import cProfile
import json
import os
import sys
import time
from datetime import timedelta

from slack_sdk import WebClient

from bench.digest_data import TICK_AT
from bot.config import Settings
from bot.services.digest_delivery import TickShare, run_digest_tick
from bot.services.digest_prepare import PREPARE_AHEAD, run_prepare_tick
from bot.services.slack_delivery import ClientForTeam, digest_web_client
from storage.db import make_engine, make_session_factory

PREPARE_LEAD = timedelta(minutes=4)
"""When the preparation tick runs: inside the default lead (PREPARE_AHEAD)."""


def _peak_mib() -> float:
    """VmHWM: this process's own resident high-water mark. (ru_maxrss would not do: Linux
    carries the forking parent's high-water mark across exec into it.)"""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def _clients(api_url: str) -> ClientForTeam:
    """A client per workspace, each with the workspace's own token (`xoxb-<team>-bench`)."""
    made: dict[str, WebClient] = {}

    def for_team(team_id: str) -> WebClient:
        if team_id not in made:
            made[team_id] = digest_web_client(
                Settings(slack_bot_token=f"xoxb-{team_id}-bench", slack_api_url=api_url)
            )
        return made[team_id]

    return for_team


def main() -> None:
    url, api_url, mode, per_second = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    share = TickShare(int(sys.argv[5]), int(sys.argv[6])) if len(sys.argv) > 6 else None
    factory = make_session_factory(make_engine(url))
    clients = _clients(api_url)
    cpu_started = time.process_time()
    started_at = time.time()
    started = time.perf_counter()
    if mode == "prepare":
        prepared = run_prepare_tick(
            factory, clients, TICK_AT - PREPARE_LEAD, ahead=PREPARE_AHEAD, share=share
        )
        done = {"built": prepared.built, "sent": 0, "from_prepared": 0}
        build_seconds, summary = prepared.build_seconds, prepared.summary()
    else:
        report = run_digest_tick(
            factory,
            clients,
            TICK_AT,
            share=share,
            posts_per_second=per_second,
            posts_in_flight=Settings().posts_in_flight,
        )
        done = {"built": 0, "sent": len(report.sent), "from_prepared": report.from_prepared}
        build_seconds, summary = report.build_seconds, report.summary()
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                **done,
                "started_at": started_at,
                "seconds": seconds,
                "build_seconds": build_seconds,
                "cpu_seconds": time.process_time() - cpu_started,
                "peak_mib": _peak_mib(),
                "summary": summary,
            }
        )
    )


if __name__ == "__main__":
    if os.environ.get("BENCH_PROFILE"):
        # Where the tick's time goes: BENCH_PROFILE=/tmp/digest writes /tmp/digest.MODE.prof.
        cProfile.run("main()", f"{os.environ['BENCH_PROFILE']}.{sys.argv[3]}.prof")
    else:
        main()
