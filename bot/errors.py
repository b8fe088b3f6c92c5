"""The one error path: the project's errors become ephemeral messages, the rest an apology."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from commands.mrkdwn import escape
from commands.vendors.service import UnknownVendor
from commands.vendors.views import unknown_vendor_blocks
from integrations.errors import NotAllowed, OpsbotError, UsageError

log = logging.getLogger("opsbot.errors")

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again."
# Slack gives 3 s to open a modal from a trigger; a slow answer must not end in silence.
STALE_TRIGGERS = ("expired_trigger_id", "invalid_trigger_id")
STALE_TRIGGER_MESSAGE = "Slack took too long to open the form. Please run the command again."


def user_message(error: Exception) -> tuple[str, str]:
    """Return (outcome, text) for an error raised while handling a request."""
    if isinstance(error, UsageError):
        text = error.user_message
        if error.usage:
            text += f"\n```\n{error.usage}\n```"
        return "usage", text
    if isinstance(error, NotAllowed):
        return "denied", error.user_message
    if isinstance(error, OpsbotError):
        return "refused", error.user_message
    if isinstance(error, SlackApiError) and error.response.get("error") in STALE_TRIGGERS:
        return "refused", STALE_TRIGGER_MESSAGE
    return "error", APOLOGY


async def handle_error(
    error: Exception, body: dict[str, Any], context: Any, respond: AsyncRespond | None, client: Any
) -> BoltResponse | None:
    """Render `error` to the user; anything not ours is logged with its traceback."""
    outcome, text = user_message(error)
    if outcome == "error":
        request_id = context.get("request_id")
        log.error("request %s failed", request_id, exc_info=error)
        if request_id:
            # The id finds the logged traceback; the exception's own text is never shown.
            text = f"{APOLOGY} (Request id `{request_id}`.)"
    context["outcome"] = outcome
    acked = context.ack.response is not None if context.get("ack") else False
    extra = await _admin_fix(error, body, context)
    if body.get("type") == "view_submission" and not acked:
        # A modal shows errors only next to a block; a general failure closes nothing.
        await _tell_user_directly(client, body, text)
        return BoltResponse(status=200, body="")
    if not acked:
        payload = {"response_type": "ephemeral", "text": text, **extra}
        return BoltResponse(
            status=200, body=json.dumps(payload), headers={"content-type": ["application/json"]}
        )
    # The ack already answered Slack; None here would turn that answer into a 500.
    answered = context.ack.response if context.get("ack") else None
    if respond is not None and body.get("response_url"):
        try:
            await respond(text=text, response_type="ephemeral", replace_original=False, **extra)
            return answered
        except Exception:
            log.exception("could not send an error message through response_url")
    await _tell_user_directly(client, body, text)
    return answered


async def _admin_fix(error: Exception, body: dict[str, Any], context: Any) -> dict[str, Any]:
    """Give an admin a button that adds the unknown vendor their command named and re-runs it."""
    command = body.get("command")
    admins = context.get("admins")
    if not isinstance(error, UnknownVendor) or not command or admins is None:
        return {}
    if not await admins.is_admin(str(body.get("user_id") or "")):
        return {}
    return {"blocks": unknown_vendor_blocks(error, str(command), str(body.get("text") or ""))}


async def _tell_user_directly(client: Any, body: dict[str, Any], text: str) -> None:
    user = (body.get("user") or {}).get("id") or body.get("user_id")
    if not user:
        return
    try:
        await client.chat_postMessage(channel=user, text=text)
    except Exception:
        log.exception("could not tell user %s about a failure", escape(str(user)))
