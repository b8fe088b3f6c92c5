"""`/action` handlers: parse, call the service on a worker thread, answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from commands.actions.parsing import ADD_USAGE, DONE_USAGE, LIST_USAGE
from commands.actions.service import (
    NewActionItem,
    add_action_item,
    complete_action_item,
    list_action_items,
)
from commands.actions.views import (
    render_action_list,
    render_added,
    render_closed_for_owner,
    render_done,
)
from commands.mrkdwn import escape_clip
from commands.slash_text import parse_mention, parse_text
from commands.subcommands import Clock, Invocation, SubcommandRouter, Verb, team_today
from integrations.errors import UsageError
from integrations.slack_directory import SlackDirectory
from storage.engine import SessionFactory, in_worker


@dataclass(frozen=True)
class ActionDeps:
    """What `/action` handlers need from the runtime."""

    sessions: SessionFactory
    directory: SlackDirectory
    clock: Clock
    timezone: str
    background: Any


def action_deps(context: Mapping[str, Any]) -> ActionDeps:
    """Read the family's dependencies from Bolt's context."""
    return ActionDeps(
        sessions=context["sessions"],
        directory=context["directory"],
        clock=context["clock"],
        timezone=context["team_config"].timezone,
        background=context["background"],
    )


Call = Invocation[ActionDeps]


async def add_verb(call: Call) -> None:
    """`/action add @owner due:DAY TEXT [vendor: | esc: | init:]`."""
    parsed = parse_text(call.rest)
    if not parsed.words:
        raise UsageError("Name the owner, e.g. `@maria`.", usage=call.usage)
    owner_id = await _owner(parsed.words[0], call.deps.directory, call.usage)
    if "due" not in parsed.options:
        raise UsageError("Give a due day with `due:`.", usage=call.usage)
    request = NewActionItem(
        owner_id=owner_id,
        text=" ".join(parsed.words[1:]),
        due_text=parsed.options["due"],
        today=team_today(call.deps.clock, call.deps.timezone),
        vendor_text=parsed.options.get("vendor"),
        escalation_key=parsed.options.get("esc"),
        initiative_key=parsed.options.get("init"),
    )
    item = await in_worker(
        call.deps.sessions,
        lambda session: add_action_item(session=session, actor=call.actor, request=request),
    )
    await call.ack(**render_added(item))


async def list_verb(call: Call) -> None:
    """`/action list [mine | overdue | vendor:NAME]`."""
    parsed = parse_text(call.rest)
    today = team_today(call.deps.clock, call.deps.timezone)
    title, items = await in_worker(
        call.deps.sessions,
        lambda session: list_action_items(
            session=session,
            actor=call.actor,
            today=today,
            mode=parsed.words[0].lower() if parsed.words else None,
            vendor_text=parsed.options.get("vendor"),
        ),
    )
    await call.ack(**render_action_list(items, today=today, title=title))


async def done_verb(call: Call) -> None:
    """`/action done ID`; the owner is told when someone else closed their item."""
    parsed = parse_text(call.rest)
    if not parsed.words:
        raise UsageError("Give the item's number.", usage=call.usage)
    now = call.deps.clock()
    item = await in_worker(
        call.deps.sessions,
        lambda session: complete_action_item(
            session=session, actor=call.actor, action_id_text=parsed.words[0], now=now
        ),
    )
    await call.ack(**render_done(item))
    if item.owner_id != call.user_id:
        notice = render_closed_for_owner(item, closed_by=call.user_id)

        async def tell_owner(_session: Session) -> None:
            await call.client.chat_postMessage(channel=item.owner_id, **notice)

        call.deps.background.spawn("action.done.notice", tell_owner, report=call.report)


async def _owner(token: str, directory: SlackDirectory, usage: str) -> str:
    mention = parse_mention(token)
    if mention is None or mention.kind != "user":
        raise UsageError(
            f"`{escape_clip(token, 40)}` is not a person; mention them like @maria.", usage=usage
        )
    if mention.id:
        return mention.id
    return await directory.find_user(mention.name or "")


ROUTER = SubcommandRouter[ActionDeps](
    command="/action",
    summary="Action items: owner, due day, reminders, and a line in the vendor digest.",
    verbs=(
        Verb(
            "add",
            (ADD_USAGE,),
            add_verb,
            ("actions", "add"),
        ),
        Verb("list", (LIST_USAGE,), list_verb),
        Verb("done", (DONE_USAGE,), done_verb, ("actions", "done")),
    ),
    deps=action_deps,
    default="list",
)
ACTION_USAGE = ROUTER.usage_text
handle_action = ROUTER.handler
