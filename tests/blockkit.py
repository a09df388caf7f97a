"""Block Kit checks every built payload must pass: slack_sdk's models plus Slack's limits."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100
SECTION_CHARS = 3000


def assert_valid_blocks(blocks: Sequence[dict[str, object]], limit: int = MESSAGE_BLOCKS) -> None:
    assert len(blocks) <= limit, f"{len(blocks)} blocks exceed Slack's limit of {limit}"
    for raw in blocks:
        block = Block.parse(raw)  # type: ignore[arg-type]
        assert block is not None, f"unknown block type in {raw}"
        block.validate_json()
        if raw["type"] == "section" and "text" in raw:
            assert len(raw["text"]["text"]) <= SECTION_CHARS  # type: ignore[index]


def assert_valid_message(payload: dict[str, object]) -> None:
    assert payload.get("text"), "messages need fallback text for notifications"
    assert_valid_blocks(payload.get("blocks", []))  # type: ignore[arg-type]


def assert_valid_view(view: dict[str, object]) -> None:
    View(**view).validate_json()  # type: ignore[arg-type]
    assert_valid_blocks(view.get("blocks", []), SURFACE_BLOCKS)  # type: ignore[arg-type]
