"""Socket Mode: the same app, reached over a WebSocket opened with the app-level token."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy.engine import Engine

from bot.offline.slack import LocalSlack
from bot.settings import Settings
from bot.socket_mode import run_socket_mode
from tests.support.slack_requests import sample


async def test_slash_command_over_socket_mode(
    settings: Settings, engine: Engine, local_slack: LocalSlack
) -> None:
    socket_settings = settings.model_copy(update={"slack_app_token": "xapp-1-A0LOCAL-1-secret"})
    socket_settings = Settings.model_validate(socket_settings.model_dump())
    stop = asyncio.Event()
    task = asyncio.create_task(run_socket_mode(socket_settings, stop=stop))
    try:
        payload = sample("slash_command")
        payload.update(command="/opsbot", text="help", user_id="U0ADMIN", channel_id="C0OPS")
        envelope_id = await asyncio.to_thread(
            local_slack.socket_mode_send, "slash_commands", payload
        )
        ack = await asyncio.to_thread(local_slack.socket_mode.wait_ack, envelope_id)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=60)
    answer = ack["payload"]
    assert "/opsbot help COMMAND" in json.dumps(answer)
    assert local_slack.calls_to("apps.connections.open")
