"""Server cost per /logcall, in-process: the real WSGI app, signed requests, no HTTP.

`python -m bench.logcall_cost [--runs N] [--profile]` prints ms, SQL statements and database
round trips per request on SQLite and PostgreSQL, the plain case N times (5 by default) on a
fresh database each, and the verdict against issue 26's targets: every run at most
TARGETS_MS. With --profile, cProfile's top functions for SQLite.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from bench.http_load import CALLS_PER_PROSPECT, COMMAND_LINES
from bot.runtime.slack_standin import SlackStandIn
from storage.db import make_engine, upgrade
from tests.engines import counted
from tests.postgres import ThrowawayPostgres
from tests.slack import MONDAY_MORNING, Clock, SlackHarness

REPS = 8
RUNS = 5
TARGETS_MS = {"SQLite": 0.7, "PostgreSQL": 1.3}
"""Issue 26: in-process ms per /logcall, met only when every one of the runs is at most this."""


@dataclass(frozen=True)
class CostResult:
    database: str
    requests: int
    ms_per_request: float
    statements_per_request: float
    round_trips_per_request: float = 0.0
    """Statements plus the BEGIN and COMMIT each waited for (PostgreSQL's own, counted at
    the driver; on SQLite, where nothing travels, the COMMIT counts as one)."""


def measure(
    engine: Engine,
    database: str,
    requests: int,
    profile: bool = False,
    home_open: bool = False,
) -> CostResult:
    """With `home_open`, every rep has opened the App Home, so each call also leaves its
    Home for the redraw loop (one row in the call's transaction); the redraws themselves are
    the loop's, off the request path, and measured by `bench.home_redraw`."""
    upgrade(engine)
    with SlackStandIn() as standin:
        clock = Clock(MONDAY_MORNING)
        harness = SlackHarness(engine, standin, clock)
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
        profiler = cProfile.Profile() if profile else None
        with counted(engine) as traffic:
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
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    label = f"{database}, Home open" if home_open else database
    return CostResult(
        label,
        requests,
        1000 * seconds / requests,
        len(traffic.statements) / requests,
        traffic.round_trips / requests,
    )


def run(requests: int, profile: bool = False, runs: int = RUNS) -> list[CostResult]:
    """The plain case `runs` times on each database, a fresh one each time, then once with
    every Home open."""
    results = []
    cases = [False] * runs + [True]
    postgres = ThrowawayPostgres()
    postgres.start()
    try:
        for number, home_open in enumerate(cases):
            with tempfile.TemporaryDirectory() as tmp:
                engine = make_engine(f"sqlite:///{tmp}/cost.db")
                first = profile and number == 0
                results.append(measure(engine, "SQLite", requests, first, home_open))
                engine.dispose()
            engine = make_engine(postgres.create_database(f"cost{number}"))
            results.append(measure(engine, "PostgreSQL", requests, home_open=home_open))
            engine.dispose()
    finally:
        postgres.stop()
    return results


def verdicts(results: list[CostResult]) -> list[str]:
    """Each database's plain runs against TARGETS_MS: met when every run is at most it."""
    lines = []
    for database, target in TARGETS_MS.items():
        runs = [r.ms_per_request for r in results if r.database == database]
        if not runs:
            continue
        met = "met" if max(runs) <= target else "missed"
        each = ", ".join(f"{ms:.2f}" for ms in runs)
        lines.append(f"- {database}: {each} ms in {len(runs)} runs; every run ≤ {target} ms: {met}")
    return lines


HEADER = (
    "| database | requests | ms per request | SQL statements per request "
    "| round trips per request |\n"
    "| --- | --- | --- | --- | --- |"
)


def row(result: CostResult) -> str:
    return (
        f"| {result.database} | {result.requests} | {result.ms_per_request:.2f} "
        f"| {result.statements_per_request:.1f} | {result.round_trips_per_request:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.logcall_cost")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    results = run(args.requests, args.profile, args.runs)
    print(HEADER)
    for result in results:
        print(row(result))
    print()
    print("\n".join(verdicts(results)))


if __name__ == "__main__":
    main()
