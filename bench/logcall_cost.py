"""Server CPU per /logcall, in-process: the real WSGI app, signed requests, no HTTP.

`python -m bench.logcall_cost [--profile]` prints ms per request and SQL statements per
request on SQLite and PostgreSQL; with --profile, cProfile's top functions for SQLite.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, event

from bench.http_load import CALLS_PER_PROSPECT, COMMAND_LINES
from bot.runtime.slack_standin import SlackStandIn
from storage.db import make_engine, upgrade
from tests.postgres import ThrowawayPostgres
from tests.slack import MONDAY_MORNING, Clock, SlackHarness

REPS = 8


@dataclass(frozen=True)
class CostResult:
    database: str
    requests: int
    ms_per_request: float
    statements_per_request: float


def measure(
    engine: Engine,
    database: str,
    requests: int,
    profile: bool = False,
    home_open: bool = False,
    worker: bool = False,
) -> CostResult:
    """With `home_open`, every rep has opened the App Home, and each call's redraw is done
    inline (in production it runs behind the ack, on its own thread) and counted. With
    `worker` too, `serve` leaves the redraws to `phonetag worker` (PHONETAG_WORKER=separate):
    what is counted is what `serve` still does, the worker's redraws are not."""
    upgrade(engine)
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    with SlackStandIn() as standin:
        clock = Clock(MONDAY_MORNING)
        harness = SlackHarness(engine, standin, clock, separate_worker=worker)
        for rep in range(REPS):
            harness.command("/digest", "pause", user=f"U{rep}")
            if home_open:
                harness.event({"type": "app_home_opened", "user": f"U{rep}", "tab": "home"})
        lines = [
            COMMAND_LINES[n // REPS % len(COMMAND_LINES)].format(
                name=f"Prospect {n // REPS // CALLS_PER_PROSPECT}", n=n // REPS
            )
            for n in range(requests)
        ]
        # Untimed: the first calls create prospects and warm the caches.
        for n, line in enumerate(lines[: REPS * 4]):
            harness.command("/logcall", line, user=f"U{n % REPS}")
        # Untimed too: building and signing the requests is Slack's work, not the server's.
        signed = [
            harness.signed_command("/logcall", line, user=f"U{n % REPS}")
            for n, line in enumerate(lines)
        ]
        event.listen(engine, "before_cursor_execute", count)
        profiler = cProfile.Profile() if profile else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        for body, headers in signed:
            clock.now += timedelta(seconds=1)
            reply = harness.post(body, headers)
            if reply.status != 200 or "went wrong" in reply.body:
                raise RuntimeError(f"/logcall failed in the bench: {reply.body[:200]}")
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - start
        event.remove(engine, "before_cursor_execute", count)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    label = f"{database}, Home open" if home_open else database
    label = f"{label}, worker" if worker else label
    return CostResult(label, requests, 1000 * seconds / requests, statements / requests)


def run(requests: int, profile: bool = False) -> list[CostResult]:
    results = []
    for home_open, worker in ((False, False), (True, False), (True, True)):
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/cost.db")
            results.append(measure(engine, "SQLite", requests, profile, home_open, worker))
            engine.dispose()
        postgres = ThrowawayPostgres()
        try:
            engine = make_engine(postgres.start())
            results.append(
                measure(engine, "PostgreSQL", requests, home_open=home_open, worker=worker)
            )
            engine.dispose()
        finally:
            postgres.stop()
    return results


HEADER = (
    "| database | requests | ms per request | SQL statements per request |\n"
    "| --- | --- | --- | --- |"
)


def row(result: CostResult) -> str:
    return (
        f"| {result.database} | {result.requests} | {result.ms_per_request:.2f} "
        f"| {result.statements_per_request:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.logcall_cost")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    results = run(args.requests, args.profile)
    print(HEADER)
    for result in results:
        print(row(result))


if __name__ == "__main__":
    main()
