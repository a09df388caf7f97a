"""Digest ticks as the database grows, every rep due, Slack answering each post in 150 ms.

Each tick runs in a process of its own (as `phonetag worker` would), against PostgreSQL and
the Slack stand-in in this process; reported: the build per rep (reading and building,
posting aside), the tick's CPU per rep, the time from its start to the last digest posted,
and the tick process's peak memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from bench.digest_data import TICK_AT, load
from bot.runtime.slack_standin import SlackStandIn
from bot.storage.db import make_engine, upgrade
from tests.postgres import ThrowawayPostgres

REPO = Path(__file__).resolve().parents[1]
SLACK_LATENCY = 0.15
"""Seconds the stand-in takes to answer each post, about what Slack takes."""
BUILD_TARGET_MS = 10.0
LAST_POST_TARGET_S = 120.0
PEAK_TARGET_MIB = 300.0


@dataclass(frozen=True)
class TickResult:
    reps: int
    prospects: int
    call_logs: int
    sent: int
    seconds: float
    build_seconds: float
    cpu_seconds: float
    peak_mib: float

    @property
    def build_ms_per_rep(self) -> float:
        return self.build_seconds / max(1, self.sent) * 1000

    @property
    def cpu_ms_per_rep(self) -> float:
        return self.cpu_seconds / max(1, self.sent) * 1000


def run(sizes: list[int]) -> list[TickResult]:
    results: list[TickResult] = []
    postgres = ThrowawayPostgres()
    url = postgres.start()
    engine = make_engine(url)
    upgrade(engine)
    loaded = 0
    try:
        with SlackStandIn() as standin:
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
                standin.delay("chat.postMessage", SLACK_LATENCY)
                finished = subprocess.run(
                    [sys.executable, "-m", "bench.digest_tick_run", url, standin.base_url],
                    cwd=REPO,
                    env=os.environ,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                tick = json.loads(finished.stdout.strip().splitlines()[-1])
                result = TickResult(
                    size,
                    counts[0] or 0,
                    counts[1] or 0,
                    len([c for c in standin.calls_to("chat.postMessage") if c.answered_ok]),
                    tick["seconds"],
                    tick["build_seconds"],
                    tick["cpu_seconds"],
                    tick["peak_mib"],
                )
                print(row(result), f"({tick['summary']})", flush=True)
                results.append(result)
    finally:
        engine.dispose()
        postgres.stop()
    return results


def row(result: TickResult) -> str:
    return (
        f"| {result.reps:,} | {result.prospects:,} | {result.call_logs:,} | {result.sent:,} | "
        f"{result.build_ms_per_rep:.1f} | {result.cpu_ms_per_rep:.1f} | {result.seconds:.1f} | "
        f"{result.peak_mib:.0f} |"
    )


HEADER = (
    "| reps | prospects | call logs | digests sent | build ms per rep | tick CPU ms per rep | "
    "tick start to last post s | peak MiB |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
)


def verdicts(results: list[TickResult]) -> list[str]:
    largest = max(results, key=lambda r: r.reps)
    return [
        f"- build per rep at {largest.reps:,} reps: {largest.build_ms_per_rep:.1f} ms "
        f"(target ≤ {BUILD_TARGET_MS:.0f}: {_met(largest.build_ms_per_rep <= BUILD_TARGET_MS)})",
        f"- last of {largest.sent:,} digests posted {largest.seconds:.0f} s after the tick's start "
        f"(target ≤ {LAST_POST_TARGET_S:.0f}: {_met(largest.seconds <= LAST_POST_TARGET_S)})",
        f"- tick peak memory {largest.peak_mib:.0f} MiB "
        f"(target ≤ {PEAK_TARGET_MIB:.0f}: {_met(largest.peak_mib <= PEAK_TARGET_MIB)})",
    ]


def _met(met: bool) -> str:
    return "met" if met else "missed"


if __name__ == "__main__":
    print(HEADER)
    run([int(n) for n in sys.argv[1:]] or [100])
