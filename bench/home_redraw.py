"""CPU and SQL statements per App Home redraw, as the redraw loop draws them.

`python -m bench.home_redraw [--profile]` prints, on SQLite and PostgreSQL, the redraw
loop's CPU time per Home (the loop's own thread: the Slack stand-in's threads are not
counted) and its statements per Home, for reps who each logged one call since their last
redraw; with --profile, cProfile's top functions for SQLite (CPU time).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine, event

from bench.http_load import CALLS_PER_PROSPECT, COMMAND_LINES
from bot.runtime.slack_standin import SlackStandIn
from handlers.home import redraw_waiting_homes
from storage.db import make_engine, upgrade
from tests.postgres import ThrowawayPostgres
from tests.slack import BOT_TOKEN, MONDAY_MORNING, Clock, SlackHarness

REPS = 50
HISTORY = 100
"""Calls each rep has logged before the measured rounds: 20 prospects of 5 calls."""


@dataclass(frozen=True)
class RedrawResult:
    database: str
    redraws: int
    cpu_ms_per_redraw: float
    statements_per_redraw: float


def measure(engine: Engine, database: str, rounds: int, profile: bool = False) -> RedrawResult:
    upgrade(engine)
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    with SlackStandIn() as standin:
        clock = Clock(MONDAY_MORNING)
        # Calls leave their Homes in their own transactions, as with a worker configured.
        harness = SlackHarness(engine, standin, clock, separate_worker=True)
        client = WebClient(token=BOT_TOKEN, base_url=standin.base_url)

        def redraw() -> int:
            services = replace(harness.services, clock=clock)
            return redraw_waiting_homes(services, lambda _team: client)

        users = [f"U{rep}" for rep in range(REPS)]
        for user in users:
            harness.command("/digest", "pause", user=user)
            harness.event({"type": "app_home_opened", "user": user, "tab": "home"})
        calls = iter(range(10**9))

        def log_one_each() -> None:
            for user in users:
                n = next(calls)
                line = COMMAND_LINES[n % len(COMMAND_LINES)]
                prospect = f"Prospect {n // len(users) // CALLS_PER_PROSPECT}"
                harness.command("/logcall", line.format(name=prospect, n=n % 10000), user=user)

        for _ in range(HISTORY):
            log_one_each()
        redraw()  # untimed: the first redraw of each Home fills the caches
        drawn = 0
        cpu = 0.0
        # CPU of this thread, as measured, rather than wall time with the stand-in's in it.
        profiler = cProfile.Profile(time.thread_time) if profile else None
        for _ in range(rounds):
            log_one_each()
            clock.now += timedelta(seconds=2)
            event.listen(engine, "before_cursor_execute", count)
            if profiler:
                profiler.enable()
            started = time.thread_time()
            drawn += redraw()
            cpu += time.thread_time() - started
            if profiler:
                profiler.disable()
            event.remove(engine, "before_cursor_execute", count)
        published = len(standin.calls_to("views.publish"))
    if published < drawn:
        raise RuntimeError(f"{drawn} Homes taken but {published} published")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    return RedrawResult(database, drawn, 1000 * cpu / drawn, statements / drawn)


def run(rounds: int, profile: bool = False) -> list[RedrawResult]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/redraw.db")
        results.append(measure(engine, "SQLite", rounds, profile))
        engine.dispose()
    postgres = ThrowawayPostgres()
    try:
        engine = make_engine(postgres.start())
        results.append(measure(engine, "PostgreSQL", rounds))
        engine.dispose()
    finally:
        postgres.stop()
    return results


HEADER = (
    "| database | Homes redrawn | CPU ms per redraw | SQL statements per redraw |\n"
    "| --- | --- | --- | --- |"
)


def row(result: RedrawResult) -> str:
    return (
        f"| {result.database} | {result.redraws} | {result.cpu_ms_per_redraw:.2f} | "
        f"{result.statements_per_redraw:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.home_redraw")
    parser.add_argument("--rounds", type=int, default=10, help="redraws of every Home")
    parser.add_argument("--profile", action="store_true", help="cProfile the SQLite run")
    args = parser.parse_args()
    print(HEADER)
    for result in run(args.rounds, args.profile):
        print(row(result), flush=True)


if __name__ == "__main__":
    main()
