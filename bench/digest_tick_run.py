"""One digest tick in a process of its own, as `phonetag worker` runs it, so its peak memory
is its own: `python -m bench.digest_tick_run DATABASE_URL SLACK_API_URL [INDEX OF]` prints
JSON. With INDEX and OF, it is tick process INDEX of OF (`phonetag worker --processes OF`).
"""

from __future__ import annotations

import json
import sys
import time

from bench.digest_data import TICK_AT
from bot.config import Settings
from bot.services.digest_delivery import TickShare, run_digest_tick
from bot.services.slack_delivery import team_web_clients
from storage.db import make_engine, make_session_factory


def _peak_mib() -> float:
    """VmHWM: this process's own resident high-water mark. (ru_maxrss would not do: Linux
    carries the forking parent's high-water mark across exec into it.)"""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def main() -> None:
    url, api_url = sys.argv[1], sys.argv[2]
    share = TickShare(int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else None
    engine = make_engine(url)
    clients = team_web_clients(
        Settings(slack_bot_token="xoxb-bench", slack_api_url=api_url), engine
    )
    cpu_started = time.process_time()
    started_at = time.time()
    started = time.perf_counter()
    report = run_digest_tick(make_session_factory(engine), clients, TICK_AT, share=share)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "sent": len(report.sent),
                "started_at": started_at,
                "seconds": seconds,
                "build_seconds": report.build_seconds,
                "cpu_seconds": time.process_time() - cpu_started,
                "peak_mib": _peak_mib(),
                "summary": report.summary(),
            }
        )
    )


if __name__ == "__main__":
    main()
