"""Signed Slack requests with the tests' defaults, built by `bot.offline.slack_requests`.

Each builder returns ``(body, headers)``; pass them to `to_bolt_request` for
``await app.async_dispatch(req)`` or POST them to ``/slack/events``. This module only fills
in the tests' secret, user, channel and a response URL that goes nowhere.
"""

from __future__ import annotations

from typing import Any

from bot import signing
from bot.offline import slack_requests as build
from bot.offline.slack_requests import TEAM_ID as TEAM_ID
from bot.offline.slack_requests import new_trigger_id as new_trigger_id
from bot.offline.slack_requests import sample as sample
from bot.offline.slack_requests import to_bolt_request as to_bolt_request

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
# Tests never reach the internet: a test that wants respond() posts passes
# `local_slack.response_url(...)`; this default refuses connections at once.
NO_RESPONSE_URL = "http://127.0.0.1:9/response-url-not-given"


def sign(body: str, *, signing_secret: str = SIGNING_SECRET, **options: Any) -> dict[str, str]:
    """Return Slack's request headers for `body`, signed with the tests' secret by default."""
    return signing.sign(body, signing_secret, **options)


# What a test leaves out: the admin, in #ops, on a message, with a response URL that refuses.
_DEFAULTS: dict[str, Any] = {
    "user_id": "U0ADMIN",
    "channel_id": "C0OPS",
    "message_ts": "1700000000.000100",
    "response_url": NO_RESPONSE_URL,
}


def _tests(options: dict[str, Any], *defaults: str) -> dict[str, Any]:
    """Return the builder's keyword arguments: `options` over the named tests' defaults.

    `signing_secret` (the tests' by default) becomes the builders' `secret`.
    """
    secret = options.pop("signing_secret", SIGNING_SECRET)
    return {**{name: _DEFAULTS[name] for name in defaults}, **options, "secret": secret}


def slash_command(command: str, text: str = "", **options: Any) -> tuple[str, dict[str, str]]:
    """Build a slash command, form-encoded like Slack."""
    return build.slash_command(
        command, text, **_tests(options, "user_id", "channel_id", "response_url")
    )


def block_action(action_id: str, value: str = "", **options: Any) -> tuple[str, dict[str, str]]:
    """Build a button click (block_actions) on a message, or in `view` when given."""
    return build.block_action(
        action_id,
        value,
        **_tests(options, "user_id", "channel_id", "message_ts", "response_url"),
    )


def view_submission(
    callback_id: str, values: dict[str, dict[str, dict[str, Any]]], **options: Any
) -> tuple[str, dict[str, str]]:
    """Build a modal submission; `values` is ``{block_id: {action_id: value-dict}}``."""
    return build.view_submission(callback_id, values, **_tests(options, "user_id"))


def message_shortcut(
    callback_id: str, message: dict[str, Any], **options: Any
) -> tuple[str, dict[str, str]]:
    """Build a message shortcut (``message_action``) on `message`."""
    return build.message_shortcut(
        callback_id, message, **_tests(options, "user_id", "channel_id", "response_url")
    )


def event_callback(event: dict[str, Any], **options: Any) -> tuple[str, dict[str, str]]:
    """Build an Events API delivery (JSON body) wrapping `event`."""
    return build.event_callback(event, **_tests(options))


def url_verification(
    challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", **options: Any
) -> tuple[str, dict[str, str]]:
    """Build the Events API URL verification handshake."""
    return build.url_verification(challenge, **_tests(options))
