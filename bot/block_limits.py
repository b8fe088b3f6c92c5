"""Block Kit validation for the local Slack: slack_sdk's models plus the limits they leave out.

Slack refuses an invalid message with ``{"ok": false, "error": "invalid_blocks", "errors":
[...]}`` (each error ends in ``[json-pointer:/blocks/0/text/text]``, and the same lines come
again under ``response_metadata.messages`` prefixed ``[ERROR]``), an invalid view with
``invalid_arguments`` and the messages only, and a message text over 40,000 characters with
``msg_too_long``. The local Slack answers the same, so every test proves every payload valid.
Limits: https://docs.slack.dev/reference/block-kit/blocks (per block type) and
https://docs.slack.dev/reference/methods/chat.postMessage.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
OPTION_TEXT = 75
OPTION_VALUE = 150
MESSAGE_TEXT = 40_000

_OPTION_LISTS = ("options", "initial_options")
_BUTTON_CONTAINERS = ("elements", "accessory", "element")


def _too_long(limit: int, pointer: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _too_many(limit: int, pointer: str) -> str:
    return f"no more than {limit} items allowed [json-pointer:{pointer}]"


def _text_of(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("text") or "")
    return str(value or "")


def _options(element: Mapping[str, Any], pointer: str) -> Iterator[tuple[Any, str]]:
    for key in _OPTION_LISTS:
        for i, option in enumerate(element.get(key) or []):
            yield option, f"{pointer}/{key}/{i}"
    if isinstance(element.get("initial_option"), Mapping):
        yield element["initial_option"], f"{pointer}/initial_option"
    for g, group in enumerate(element.get("option_groups") or []):
        for i, option in enumerate(group.get("options") or [] if isinstance(group, dict) else []):
            yield option, f"{pointer}/option_groups/{g}/options/{i}"


def _element_errors(element: Any, pointer: str) -> Iterator[str]:
    if not isinstance(element, Mapping):
        return
    if element.get("type") == "button" and len(_text_of(element.get("text"))) > BUTTON_TEXT:
        yield _too_long(BUTTON_TEXT, f"{pointer}/text/text")
    for option, at in _options(element, pointer):
        if not isinstance(option, Mapping):
            continue
        if len(_text_of(option.get("text"))) > OPTION_TEXT:
            yield _too_long(OPTION_TEXT, f"{at}/text/text")
        if len(str(option.get("value") or "")) > OPTION_VALUE:
            yield _too_long(OPTION_VALUE, f"{at}/value")


def _block_limits(block: Mapping[str, Any], pointer: str) -> Iterator[str]:
    kind = block.get("type")
    if kind == "section":
        if len(_text_of(block.get("text"))) > SECTION_TEXT:
            yield _too_long(SECTION_TEXT, f"{pointer}/text/text")
        fields = block.get("fields") or []
        if len(fields) > SECTION_FIELDS:
            yield _too_many(SECTION_FIELDS, f"{pointer}/fields")
        for i, item in enumerate(fields):
            if len(_text_of(item)) > FIELD_TEXT:
                yield _too_long(FIELD_TEXT, f"{pointer}/fields/{i}/text")
    if kind == "header" and len(_text_of(block.get("text"))) > HEADER_TEXT:
        yield _too_long(HEADER_TEXT, f"{pointer}/text/text")
    for key in _BUTTON_CONTAINERS:
        value = block.get(key)
        if isinstance(value, list):
            seen: set[str] = set()
            for i, element in enumerate(value):
                yield from _element_errors(element, f"{pointer}/{key}/{i}")
                action_id = element.get("action_id") if isinstance(element, Mapping) else None
                if action_id is None:
                    continue
                if action_id in seen:
                    yield f"action_id must be unique in a block [json-pointer:{pointer}/{key}/{i}]"
                seen.add(str(action_id))
        else:
            yield from _element_errors(value, f"{pointer}/{key}")


def _sdk_errors(block: Any, pointer: str) -> Iterator[str]:
    try:
        parsed = Block.parse(dict(block)) if isinstance(block, Mapping) else None
        if parsed is None:
            yield f"unknown or malformed block [json-pointer:{pointer}]"
            return
        parsed.validate_json()
        parsed.to_dict()  # validates nested elements and text objects too
    except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as exc:
        yield f"{exc} [json-pointer:{pointer}]"


def blocks_errors(blocks: Any, pointer: str, *, limit: int) -> list[str]:
    """Return Slack-style errors for a list of blocks (`pointer` is where the list sits)."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(_too_many(limit, pointer))
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        at = f"{pointer}/{i}"
        errors.extend(_sdk_errors(block, at))
        if not isinstance(block, Mapping):
            continue
        errors.extend(_block_limits(block, at))
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen:
                errors.append(f"block_id must be unique [json-pointer:{at}/block_id]")
            seen.add(str(block_id))
    return errors


def message_answer(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return Slack's error answer for an invalid message payload, or None when it is valid."""
    text = payload.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT:
        return {"ok": False, "error": "msg_too_long"}
    errors: list[str] = []
    blocks = payload.get("blocks")
    if blocks:
        errors.extend(blocks_errors(blocks, "/blocks", limit=MESSAGE_BLOCKS))
        if not (isinstance(text, str) and text.strip()):
            # Real Slack only warns (missing_text_or_fallback_or_attachments); we refuse, so a
            # payload without a notification and screen-reader fallback never passes a test.
            errors.append("a top-level text fallback is required with blocks [json-pointer:/text]")
    if errors:
        return _answer("invalid_blocks", errors, with_errors=True)
    attachment_errors: list[str] = []
    for i, attachment in enumerate(payload.get("attachments") or []):
        if isinstance(attachment, Mapping) and attachment.get("blocks"):
            at = f"/attachments/{i}/blocks"
            attachment_errors.extend(blocks_errors(attachment["blocks"], at, limit=MESSAGE_BLOCKS))
    if attachment_errors:
        return _answer("invalid_attachments", attachment_errors, with_errors=False)
    return None


def view_answer(view: Any) -> dict[str, Any] | None:
    """Return Slack's error answer for an invalid view (modal or home), or None."""
    if not isinstance(view, Mapping):
        return _answer("invalid_arguments", ["must be an object [json-pointer:/view]"])
    errors: list[str] = []
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, ValueError) as exc:
        errors.append(f"{exc} [json-pointer:/view]")
    errors.extend(blocks_errors(view.get("blocks") or [], "/view/blocks", limit=VIEW_BLOCKS))
    return _answer("invalid_arguments", errors) if errors else None


def _answer(error: str, errors: list[str], *, with_errors: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error": error}
    if with_errors:
        body["errors"] = errors
    body["response_metadata"] = {"messages": [f"[ERROR] {e}" for e in errors]}
    return body


def ack_answer(body: str | None) -> dict[str, Any] | None:
    """Return Slack's error answer when a request's ack body (a message or a view) is invalid."""
    if not body or not body.lstrip().startswith("{"):
        return None
    try:
        reply = json.loads(body)
    except ValueError:
        return None
    if not isinstance(reply, dict):
        return None
    action = reply.get("response_action")
    if action in ("update", "push"):
        return view_answer(reply.get("view"))
    if action is not None:
        return None  # "errors" and "clear" carry no Block Kit
    return message_answer(reply)
