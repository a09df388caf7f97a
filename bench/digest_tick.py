"""Digest ticks as the database grows, every rep due, Slack answering each post in 150 ms.

Each tick runs in a process of its own (as `phonetag worker` would), against PostgreSQL and
the Slack stand-in in this process; reported: the build per rep (reading and building,
posting aside), the tick's CPU per rep, the time from its start to the last digest posted,
and the tick process's peak memory.

`--processes N` runs the tick as `phonetag worker --processes N` does, in N processes at
once, each with its share. Then the build and the CPU per rep are every process's summed
(what a rep costs the box), the time runs from the first process's start to the last
process's end, and the peak memory is the largest process's, with all of them together
in brackets.

    python -m bench.digest_tick [--processes N] [REPS ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bench.digest_data import TICK_AT, load
from bot.runtime.slack_standin import SlackStandIn
from storage.db import make_engine, upgrade
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
    """The largest tick process's."""
    processes: int = 1
    peak_mib_together: float = 0.0
    """Every tick process's peaks added up."""

    @property
    def build_ms_per_rep(self) -> float:
        return self.build_seconds / max(1, self.sent) * 1000

    @property
    def cpu_ms_per_rep(self) -> float:
        return self.cpu_seconds / max(1, self.sent) * 1000


def run(sizes: list[int], processes: Sequence[int] = (1,)) -> list[TickResult]:
    """Each size is loaded once and ticked with each number of processes in turn."""
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
                for count in processes:
                    results.append(_measure(engine, url, standin, size, count))
    finally:
        engine.dispose()
        postgres.stop()
    return results


def _measure(
    engine: Engine, url: str, standin: SlackStandIn, size: int, processes: int
) -> TickResult:
    """One tick of every rep due, in `processes` processes, from no digest sent."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM deliveries"))
        counts = [
            connection.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("prospects", "call_logs")
        ]
    standin.clear()
    standin.delay("chat.postMessage", SLACK_LATENCY)
    ticks = _tick(url, standin.base_url, processes)
    result = TickResult(
        size,
        counts[0] or 0,
        counts[1] or 0,
        len([c for c in standin.calls_to("chat.postMessage") if c.answered_ok]),
        max(t["started_at"] + t["seconds"] for t in ticks) - min(t["started_at"] for t in ticks),
        sum(t["build_seconds"] for t in ticks),
        sum(t["cpu_seconds"] for t in ticks),
        max(t["peak_mib"] for t in ticks),
        processes,
        sum(t["peak_mib"] for t in ticks),
    )
    summaries = "; ".join(
        f"{t['summary']} [build {t['build_seconds']:.1f} s, peak {t['peak_mib']:.0f} MiB]"
        for t in ticks
    )
    print(row(result), f"({summaries})", flush=True)
    return result


def _tick(url: str, api_url: str, processes: int) -> list[dict[str, Any]]:
    """Each tick process's JSON; one process runs without a share, as before shares."""
    shares = [[str(index), str(processes)] for index in range(processes)] if processes > 1 else [[]]
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.digest_tick_run", url, api_url, *share],
            cwd=REPO,
            env=os.environ,
            stdout=subprocess.PIPE,
            text=True,
        )
        for share in shares
    ]
    outputs = [process.communicate()[0] for process in running]
    if any(process.returncode for process in running):
        raise RuntimeError(f"a tick process failed: {outputs}")
    return [json.loads(output.strip().splitlines()[-1]) for output in outputs]


def row(result: TickResult) -> str:
    peak = f"{result.peak_mib:.0f}"
    if result.processes > 1:
        peak += f" ({result.peak_mib_together:.0f} in {result.processes} processes)"
    return (
        f"| {result.reps:,} | {result.prospects:,} | {result.call_logs:,} | {result.sent:,} | "
        f"{result.build_ms_per_rep:.1f} | {result.cpu_ms_per_rep:.1f} | {result.seconds:.1f} | "
        f"{peak} |"
    )


HEADER = (
    "| reps | prospects | call logs | digests sent | build ms per rep | tick CPU ms per rep | "
    "tick start to last post s | peak MiB |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
)


def verdicts(results: list[TickResult]) -> list[str]:
    """Against the targets, at the largest size, for each number of processes."""
    size = max(r.reps for r in results)
    lines = []
    for largest in (r for r in results if r.reps == size):
        ran = f"{largest.processes} process" + ("es" if largest.processes > 1 else "")
        lines += [
            f"- {ran}: build per rep at {largest.reps:,} reps: "
            f"{largest.build_ms_per_rep:.1f} ms (target ≤ {BUILD_TARGET_MS:.0f}: "
            f"{_met(largest.build_ms_per_rep <= BUILD_TARGET_MS)})",
            f"- {ran}: last of {largest.sent:,} digests posted {largest.seconds:.0f} s after "
            f"the tick's start (target ≤ {LAST_POST_TARGET_S:.0f}: "
            f"{_met(largest.seconds <= LAST_POST_TARGET_S)})",
            f"- {ran}: tick peak memory {largest.peak_mib:.0f} MiB per process "
            f"(target ≤ {PEAK_TARGET_MIB:.0f}: {_met(largest.peak_mib <= PEAK_TARGET_MIB)})",
        ]
    return lines


def _met(met: bool) -> str:
    return "met" if met else "missed"


if __name__ == "__main__":
    options = argparse.ArgumentParser(prog="python -m bench.digest_tick")
    options.add_argument("reps", type=int, nargs="*", default=[100])
    options.add_argument("--processes", default="1", help="tick processes at once, or several: 1,2")
    chosen = options.parse_args()
    print(HEADER)
    run(chosen.reps, [int(n) for n in chosen.processes.split(",")])
