"""The one slash-command front: `slash_request` and the subcommand router resolve the asker alike.

A router is declared here as a family would declare one; it is driven with the runtime's own
context items (what Bolt hands every listener), so the actor comes from the stored channel
binding and the admin list, as in production.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.runtime import Runtime
from commands.permissions import Actor
from commands.subcommands import (
    Invocation,
    SlashRequest,
    SubcommandRouter,
    Verb,
    slash_request,
    team_today,
)
from integrations.errors import UsageError
from storage.engine import unit_of_work
from storage.vendors import upsert_vendor

NOW = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # already 1 December in Berlin


def _router(seen: list[Invocation[str]]) -> SubcommandRouter[str]:
    async def record(call: Invocation[str]) -> None:
        seen.append(call)
        await call.ack(text=f"{call.verb}: {call.rest}")

    return SubcommandRouter(
        command="/probe",
        summary="A family declared for this test.",
        verbs=(
            Verb("echo", ("/probe echo TEXT",), record),
            Verb("wipe", ("/probe wipe",), record, permission=("rules", "manage")),
        ),
        deps=lambda context: str(context["clock"]().date()),
    )


def _command(text: str, *, user_id: str = "U0MEMBER", channel_id: str = "C0ACME") -> dict[str, Any]:
    return {"command": "/probe", "text": text, "user_id": user_id, "channel_id": channel_id}


def _who(actor: Actor) -> tuple[str, bool, str | None, str | None]:
    vendor = actor.scope.vendor
    return actor.user_id, actor.is_admin, actor.channel_id, vendor.slug if vendor else None


@pytest.fixture
def bound(runtime: Runtime) -> Runtime:
    runtime.clock = lambda: NOW
    with unit_of_work(runtime.sessions) as session:
        upsert_vendor(session, slug="acme", name="Acme BPO", channel_id="C0ACME")
    return runtime


async def _ask(router: SubcommandRouter[str], runtime: Runtime, text: str) -> str:
    """Dispatch `/probe TEXT` and return the acknowledgement's body."""
    ack = AsyncAck()  # type: ignore[no-untyped-call]
    await router.dispatch(
        ack=ack,
        command=_command(text),
        client=runtime.slack,
        context=runtime.context_items(),
        respond=None,
    )
    assert ack.response is not None
    return str(ack.response.body)


async def test_the_router_and_slash_request_resolve_the_same_asker(bound: Runtime) -> None:
    seen: list[Invocation[str]] = []
    answer = await _ask(_router(seen), bound, "ECHO  hello\x07 there")
    (call,) = seen
    assert (call.verb, call.rest, call.text) == ("echo", "hello there", "ECHO  hello there")
    assert call.deps == "2026-11-30"
    assert answer == "echo: hello there"
    asked = await slash_request(
        _command("ECHO  hello there"),
        sessions=bound.sessions,
        permissions=bound.permissions,
        clock=bound.clock,
        timezone="Europe/Berlin",
    )
    assert isinstance(asked, SlashRequest)
    assert _who(asked.actor) == _who(call.actor) == ("U0MEMBER", False, "C0ACME", "acme")
    assert asked.user_id == call.user_id == "U0MEMBER"
    assert (asked.now, asked.today) == (NOW, date(2026, 12, 1))
    assert team_today(bound.clock, "Europe/Berlin") == asked.today


async def test_usage_marks_admin_verbs_and_an_unknown_verb_is_named(bound: Runtime) -> None:
    router = _router([])
    usage = "```\n/probe echo TEXT\n/probe wipe   (admins)\n```"
    for text in ("", "help"):
        assert json.loads(await _ask(router, bound, text)) == {
            "response_type": "ephemeral",
            "text": usage,
        }
    assert router.family().admin_only == ("wipe",)
    with pytest.raises(UsageError) as refused:
        await _ask(router, bound, "dance")
    assert "`/probe dance` is not a command I know." in refused.value.user_message
