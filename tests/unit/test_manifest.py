"""slack-manifest.yml stays honest: every registered command and shortcut is declared there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import OpsbotApp
from tests.conftest import Dispatch
from tests.support.slack_requests import message_shortcut

MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yml"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    """Load the manifest as Slack would read it."""
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_every_registered_command_is_declared_with_escaping(
    app: OpsbotApp, manifest: dict[str, Any]
) -> None:
    declared = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    registered = [family.command for family in app.catalog.families]
    assert "/opsbot" in registered
    missing = [command for command in registered if command not in declared]
    assert missing == [], f"commands missing from slack-manifest.yml: {missing}"
    for command in registered:
        entry = declared[command]
        assert entry["should_escape"] is True, command
        assert entry["url"].endswith("/slack/events"), command
        assert entry["description"].strip(), command


def test_requests_reach_slack_events(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert settings["socket_mode_enabled"] is False


def test_event_subscriptions_have_their_scopes(manifest: dict[str, Any]) -> None:
    # Slack refuses a manifest whose bot events lack the scope that grants them.
    needs = {
        "reaction_added": "reactions:read",
        "message.channels": "channels:history",
        "app_mention": "app_mentions:read",
    }
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        assert needs.get(event, "commands") in scopes, event


async def test_every_declared_shortcut_has_a_handler(
    dispatch: Dispatch, manifest: dict[str, Any]
) -> None:
    # Bolt answers 404 to a shortcut no listener matches (raise_error_for_unhandled_request off).
    shortcuts = manifest["features"]["shortcuts"]
    assert {s["type"] for s in shortcuts} == {"message"}
    for shortcut in shortcuts:
        message = {"ts": "1700000000.000100", "user": "U0ADMIN", "text": "checkout is down"}
        response = await dispatch(message_shortcut(shortcut["callback_id"], message))
        assert response.status != 404, f"no handler for shortcut {shortcut['callback_id']}"


def test_surfaces_are_declared(manifest: dict[str, Any]) -> None:
    # App Home (commands/home) and link previews (commands/links) need these to be delivered.
    features = manifest["features"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["unfurl_domains"] and len(features["unfurl_domains"]) <= 5
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_home_opened", "link_shared", "app_mention"} <= events
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {
        "links:read",
        "links:write",
        "app_mentions:read",
        "im:write",
        "channels:manage",
    } <= scopes


def test_every_subscribed_surface_event_has_a_listener(app: OpsbotApp) -> None:
    handlers = {listener.ack_function.__name__ for listener in app._async_listeners}
    assert {"home_opened", "link_shared", "app_mention"} <= handlers
