"""With OPSBOT_ADMINS empty the bot says so, once at start and in refusals, with the fix."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from integrations.errors import NotAllowed
from tests.conftest import Dispatch
from tests.support import slack_requests as sr


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"opsbot_admins": ""}


async def test_refusal_says_nobody_is_admin_and_how_to_set_it(
    dispatch: Dispatch, runtime: Runtime
) -> None:
    response = await dispatch(sr.slash_command("/opsbot", "vendor add acme"))
    text = json.loads(response.body)["text"]
    assert "Only opsbot admins can add vendors." in text
    assert "No opsbot admins are configured yet: set `OPSBOT_ADMINS`" in text


async def test_start_warns_once(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="opsbot.authz")
    runtime = build_runtime(settings)
    await runtime.start()
    try:
        for _ in range(2):
            with pytest.raises(NotAllowed, match="OPSBOT_ADMINS"):
                await runtime.admins.require_admin("U0X", action="add vendors")
    finally:
        await runtime.aclose()
    warnings = [r for r in caplog.records if "OPSBOT_ADMINS" in r.getMessage()]
    assert len(warnings) == 1
