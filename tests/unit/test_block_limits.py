"""Each Block Kit limit the local Slack enforces: at the limit it passes, one over it fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot import block_limits as limits
from bot.block_limits import ack_answer, message_answer, view_answer

Payload = dict[str, Any]


def _plain(text: str) -> Payload:
    return {"type": "plain_text", "text": text}


def _section(text: str) -> Payload:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _message(*blocks: Payload, text: str = "fallback") -> Payload:
    return {"text": text, "blocks": list(blocks)}


def _modal(*blocks: Payload) -> Payload:
    return {"type": "modal", "title": _plain("Limits"), "blocks": list(blocks)}


def _button(label: str, action_id: str = "go") -> Payload:
    return {"type": "button", "action_id": action_id, "text": _plain(label), "value": "1"}


def _select(text: str = "a", value: str = "a") -> Payload:
    option = {"text": _plain(text), "value": value}
    select = {"type": "static_select", "action_id": "pick", "options": [option]}
    return {"type": "section", "text": {"type": "mrkdwn", "text": "pick"}, "accessory": select}


# (name, build(size), limit): build returns a message payload whose measured size is `size`.
LIMITS: list[tuple[str, Callable[[int], Payload], int]] = [
    ("blocks per message", lambda n: _message(*[{"type": "divider"}] * n), limits.MESSAGE_BLOCKS),
    ("section text", lambda n: _message(_section("x" * n)), limits.SECTION_TEXT),
    (
        "fields per section",
        lambda n: _message({"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * n}),
        limits.SECTION_FIELDS,
    ),
    (
        "field text",
        lambda n: _message({"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * n}]}),
        limits.FIELD_TEXT,
    ),
    (
        "header text",
        lambda n: _message({"type": "header", "text": _plain("h" * n)}),
        limits.HEADER_TEXT,
    ),
    (
        "button text",
        lambda n: _message({"type": "actions", "elements": [_button("b" * n)]}),
        limits.BUTTON_TEXT,
    ),
    ("option text", lambda n: _message(_select(text="o" * n)), limits.OPTION_TEXT),
    ("option value", lambda n: _message(_select(value="v" * n)), limits.OPTION_VALUE),
    ("message text", lambda n: {"text": "t" * n}, limits.MESSAGE_TEXT),
]


@pytest.mark.parametrize(("name", "build", "limit"), LIMITS, ids=[n for n, _, _ in LIMITS])
def test_a_message_at_the_limit_passes_and_one_over_is_refused(
    name: str, build: Callable[[int], Payload], limit: int
) -> None:
    assert message_answer(build(limit)) is None
    refused = message_answer(build(limit + 1))
    assert refused is not None
    assert refused["ok"] is False
    assert refused["error"] in ("invalid_blocks", "msg_too_long")


def test_an_over_long_section_is_refused_with_slacks_pointer_and_messages() -> None:
    refused = message_answer(_message({"type": "divider"}, _section("x" * 3001)))
    assert refused is not None
    assert refused["error"] == "invalid_blocks"
    expected = "must be less than 3001 characters [json-pointer:/blocks/1/text/text]"
    assert expected in refused["errors"]
    assert f"[ERROR] {expected}" in refused["response_metadata"]["messages"]


def test_a_modal_holds_100_blocks_and_not_101() -> None:
    assert view_answer(_modal(*[{"type": "divider"}] * limits.VIEW_BLOCKS)) is None
    refused = view_answer(_modal(*[{"type": "divider"}] * (limits.VIEW_BLOCKS + 1)))
    assert refused is not None
    assert refused["error"] == "invalid_arguments"
    assert any("/view/blocks" in m for m in refused["response_metadata"]["messages"])


def test_a_home_tab_is_checked_like_a_modal() -> None:
    home = {"type": "home", "blocks": [_section("x" * 3001)]}
    refused = view_answer(home)
    assert refused is not None
    assert any("/view/blocks/0/text/text" in m for m in refused["response_metadata"]["messages"])


def test_a_view_breaking_the_sdk_rules_is_refused() -> None:
    refused = view_answer({**_modal(_section("ok")), "title": _plain("t" * 25)})
    assert refused is not None
    assert any("title" in m for m in refused["response_metadata"]["messages"])


def test_action_ids_must_be_unique_within_a_block() -> None:
    unique = {"type": "actions", "elements": [_button("a", "one"), _button("b", "two")]}
    assert message_answer(_message(unique)) is None
    twice = {"type": "actions", "elements": [_button("a", "one"), _button("b", "one")]}
    refused = message_answer(_message(twice))
    assert refused is not None
    assert any("action_id" in e for e in refused["errors"])


def test_block_ids_must_be_unique_within_a_message() -> None:
    first, second = {**_section("a"), "block_id": "b1"}, {**_section("b"), "block_id": "b2"}
    assert message_answer(_message(first, second)) is None
    refused = message_answer(_message(first, {**second, "block_id": "b1"}))
    assert refused is not None
    assert any("block_id" in e for e in refused["errors"])


def test_block_ids_must_be_unique_within_a_view() -> None:
    block = {**_section("a"), "block_id": "same"}
    refused = view_answer(_modal(block, dict(block)))
    assert refused is not None


@pytest.mark.parametrize("fallback", ["", "   ", None])
def test_blocks_need_a_top_level_text_fallback(fallback: str | None) -> None:
    payload: Payload = {"blocks": [_section("hello")]}
    if fallback is not None:
        payload["text"] = fallback
    refused = message_answer(payload)
    assert refused is not None
    assert any("[json-pointer:/text]" in e for e in refused["errors"])


def test_the_sdk_refuses_what_it_knows_is_malformed() -> None:
    refused = message_answer(_message({"type": "no_such_block"}))
    assert refused is not None
    missing_text = message_answer(_message({"type": "header"}))
    assert missing_text is not None


def test_attachment_blocks_are_checked_too() -> None:
    attachment = {"color": "#ff0000", "blocks": [_section("x" * 3001)]}
    refused = message_answer({"text": "t", "attachments": [attachment]})
    assert refused is not None
    assert refused["error"] == "invalid_attachments"


def test_ack_bodies_are_checked_as_messages_or_views() -> None:
    assert ack_answer('{"text": "fine"}') is None
    assert ack_answer('{"response_action": "errors", "errors": {"a": "b"}}') is None
    assert ack_answer('{"blocks": [{"type": "divider"}]}') is not None
    pushed = '{"response_action": "push", "view": {"type": "modal", "blocks": []}}'
    assert ack_answer(pushed) is not None  # a modal needs a title
    assert ack_answer("") is None
