"""Block Kit pieces every form shares, so all our modals look and read back alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Input blocks are read back by block_id; every element uses the same action_id.
FIELD = "value"


def plain(text: str) -> dict[str, object]:
    return {"type": "plain_text", "text": text}


def option(text: str, value: str) -> dict[str, object]:
    return {"text": plain(text), "value": value}


def text_input(
    max_length: int,
    *,
    initial: str | None = None,
    multiline: bool = False,
    placeholder: str | None = None,
) -> dict[str, object]:
    element: dict[str, object] = {
        "type": "plain_text_input",
        "action_id": FIELD,
        "max_length": max_length,
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = plain(placeholder)
    return element


def input_block(
    block_id: str,
    label: str,
    element: dict[str, object],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, object]:
    block: dict[str, object] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def modal(
    callback_id: str,
    title: str,
    submit: str,
    blocks: list[dict[str, object]],
    private_metadata: str = "",
) -> dict[str, object]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title),
        "submit": plain(submit),
        "close": plain("Cancel"),
        "private_metadata": private_metadata,
        "blocks": blocks,
    }


def info_modal(
    title: str, blocks: list[dict[str, object]], close: str = "Done"
) -> dict[str, object]:
    """A modal with nothing to submit: confirmations and read-only settings."""
    return {"type": "modal", "title": plain(title), "close": plain(close), "blocks": blocks}


def form_error_field(view: Mapping[str, Any]) -> str | None:
    """The input a form-wide error is shown under, so Slack keeps the modal open with what the
    rep typed: their notes first (the text they would most hate to retype), else the first
    text field, else the first input of any kind. None for a view with no inputs."""
    inputs = [
        block
        for block in view.get("blocks") or []
        if isinstance(block, Mapping) and block.get("type") == "input" and block.get("block_id")
    ]

    def is_text(block: Mapping[str, Any]) -> bool:
        return (block.get("element") or {}).get("type") == "plain_text_input"

    def is_long_text(block: Mapping[str, Any]) -> bool:
        return is_text(block) and bool((block.get("element") or {}).get("multiline"))

    for fits in (is_long_text, is_text, lambda _block: True):
        for block in inputs:
            if fits(block):
                return str(block["block_id"])
    return None
