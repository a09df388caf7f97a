"""Digest ticks as the database grows: seconds per tick and per rep, every rep due."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text

from bench.digest_data import TICK_AT, load
from bot.config import Settings
from bot.runtime.slack_standin import SlackStandIn
from bot.services.digest_delivery import run_digest_tick, team_web_clients
from bot.storage.db import make_engine, make_session_factory, upgrade
from tests.postgres import ThrowawayPostgres

SLACK_SECONDS_PER_MESSAGE = 1.0


@dataclass(frozen=True)
class TickResult:
    reps: int
    prospects: int
    call_logs: int
    sent: int
    seconds: float

    @property
    def ms_per_rep(self) -> float:
        return self.seconds / self.sent * 1000


def run(sizes: list[int]) -> list[TickResult]:
    results: list[TickResult] = []
    postgres = ThrowawayPostgres()
    url = postgres.start()
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    loaded = 0
    try:
        with SlackStandIn() as standin:
            clients = team_web_clients(
                Settings(slack_bot_token="xoxb-bench", slack_api_url=standin.base_url), engine
            )
            for size in sizes:
                load(url, size - loaded, TICK_AT)
                loaded = size
                with engine.begin() as connection:
                    connection.execute(text("DELETE FROM deliveries"))
                    counts = [
                        connection.scalar(text(f"SELECT count(*) FROM {table}"))
                        for table in ("prospects", "call_logs")
                    ]
                standin.clear()
                started = time.perf_counter()
                report = run_digest_tick(factory, clients, TICK_AT)
                elapsed = time.perf_counter() - started
                sent = len(standin.calls_to("chat.postMessage"))
                result = TickResult(size, counts[0] or 0, counts[1] or 0, sent, elapsed)
                print(row(result), f"({report.summary()})", flush=True)
                results.append(result)
    finally:
        engine.dispose()
        postgres.stop()
    return results


def row(result: TickResult) -> str:
    return (
        f"| {result.reps:,} | {result.prospects:,} | {result.call_logs:,} | {result.sent:,} | "
        f"{result.seconds:.1f} | {result.ms_per_rep:.1f} | "
        f"{result.ms_per_rep / (SLACK_SECONDS_PER_MESSAGE * 1000):.1%} |"
    )


HEADER = (
    "| reps | prospects | call logs | digests sent | tick s | ms per rep | "
    "build vs 1 msg/s |\n| --- | --- | --- | --- | --- | --- | --- |"
)
