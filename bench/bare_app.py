"""The baseline: a Bolt app that acks a slash command with a fixed string, nothing else.

Served by the same WSGI server as `phonetag serve`, so the difference is our own work.
"""

from __future__ import annotations

import os

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import serve

from bot.config import SERVE_THREADS


def main() -> None:
    app = App(
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,
    )

    @app.command("/logcall")
    def fixed(ack: Ack) -> None:
        ack("Logged.")

    port = int(os.environ["PORT"])
    serve(SlackRequestHandler(app), host="127.0.0.1", port=port, threads=SERVE_THREADS)


if __name__ == "__main__":
    main()
