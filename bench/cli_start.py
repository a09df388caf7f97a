"""`python -m bench.cli_start`: how long `phonetag --help` and `--version` take, start to exit.

The goal is under 0.5 s on the machine it runs on: help is what a newcomer types first, and a
CLI that pauses seconds before printing usage reads as broken. Not a test: numbers depend on
the machine, so they are reported, never asserted. With `--imports` it also prints the ten
slowest imports of `--help` from `python -X importtime`, to find what crept back in.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

GOAL_SECONDS = 0.5
RUNS = 10
COMMANDS = (["--help"], ["--version"], ["serve", "--help"])


def timed(arguments: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", *arguments], check=True, capture_output=True, text=True
    )
    return time.perf_counter() - started


def slowest_imports(count: int = 10) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) of `--help`'s imports, slowest first."""
    traced = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", "--help"],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    rows = []
    for line in traced.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, module = (
            part.strip() for part in line.removeprefix("import time:").split("|")
        )
        rows.append((int(cumulative), module.strip()))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="runs of each command")
    parser.add_argument("--imports", action="store_true", help="also list the slowest imports")
    args = parser.parse_args()
    timed(["--help"])  # the first run warms the OS's file cache and Python's bytecode
    for arguments in COMMANDS:
        runs = sorted(timed(arguments) for _ in range(args.runs))
        median, worst = statistics.median(runs), runs[-1]
        verdict = "within" if median < GOAL_SECONDS else "OVER"
        print(
            f"phonetag {' '.join(arguments):<14} median {median:.3f} s, worst {worst:.3f} s "
            f"({verdict} the {GOAL_SECONDS} s goal, {args.runs} runs)"
        )
    if args.imports:
        for microseconds, module in slowest_imports():
            print(f"  {microseconds / 1000:7.1f} ms  {module}")


if __name__ == "__main__":
    main()
