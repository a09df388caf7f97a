"""The floor: a Bolt app whose /logcall handler inserts one row and commits, nothing else.

The fair yardstick for `phonetag serve`: the same WSGI server, the same database (SQLite
with the same settings, or PostgreSQL), one write per command. What `serve` spends beyond
it is our own work: parsing, finding the prospect, the cadence, the reply.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert
from waitress import serve

from bot.config import SERVE_THREADS
from storage.db import make_engine

METADATA = MetaData()
FLOOR_CALLS = Table(
    "bench_floor_calls",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("team_id", String(32)),
    Column("user_id", String(32)),
    Column("text", String(400)),
    Column("at", DateTime(timezone=True)),
)


def main() -> None:
    engine = make_engine(os.environ["DATABASE_URL"])
    METADATA.create_all(engine)
    app = App(
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,
    )

    @app.command("/logcall")
    def one_insert(ack: Ack, command: dict[str, str]) -> None:
        with engine.begin() as connection:
            connection.execute(
                insert(FLOOR_CALLS).values(
                    team_id=command["team_id"],
                    user_id=command["user_id"],
                    text=command.get("text", "")[:400],
                    at=datetime.now(UTC),
                )
            )
        ack("Logged.")

    @app.command("/digest")
    def settings(ack: Ack) -> None:
        ack("Saved.")

    port = int(os.environ["PORT"])
    serve(SlackRequestHandler(app), host="127.0.0.1", port=port, threads=SERVE_THREADS)


if __name__ == "__main__":
    main()
