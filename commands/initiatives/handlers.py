"""Slack handlers for `/initiative`: parse, call the service on a worker thread, render."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from slack_bolt.context.ack.async_ack import AsyncAck
from sqlmodel import Session

from commands.initiatives.desk import PlanningDesk
from commands.initiatives.listing import (
    LIST_TITLES,
    record_children,
    select_initiatives,
    tracker_children,
    visible_initiative,
)
from commands.initiatives.parsing import EXPIRED, KEY_USAGE, LIST_USAGE, NEW_USAGE, read_modal
from commands.initiatives.service import (
    add_child,
    assess_now,
    change_status,
    create_initiative,
    create_once,
    link_escalation,
    local_today,
    post_update,
    scoped_vendors,
)
from commands.initiatives.views import initiative_detail, initiative_list, new_initiative_modal
from commands.mrkdwn import escape_clip
from commands.permissions import Permissions, may, require
from commands.slash_text import parse_text, tokenize
from commands.subcommands import Invocation, SubcommandRouter, Verb
from commands.vendors.service import UnknownVendor, require_vendor
from integrations.errors import OpsbotError, UsageError
from storage.engine import SessionFactory, in_worker

T = TypeVar("T")


@dataclass(frozen=True)
class InitiativeDeps:
    """What `/initiative` handlers need from the runtime."""

    sessions: SessionFactory
    desk: PlanningDesk
    permissions: Permissions
    clock: Callable[[], datetime]
    background: Any


def initiative_deps(context: Mapping[str, Any]) -> InitiativeDeps:
    """Read the family's dependencies from Bolt's context."""
    return InitiativeDeps(
        sessions=context["sessions"],
        desk=context["planning_desk"],
        permissions=context["permissions"],
        clock=context["clock"],
        background=context["background"],
    )


Call = Invocation[InitiativeDeps]


async def _queued(call: Call, work: Callable[[Session], T]) -> T:
    """Run `work` in a unit of work, then wake the outbox for what it queued."""
    result = await in_worker(call.deps.sessions, work)
    call.deps.desk.outbox.wake()
    return result


async def new_verb(call: Call) -> None:
    """`/initiative new`: open the creation modal, sealed to this user and channel."""
    require(call.actor, "initiatives", "create")
    await call.ack()
    sealed = call.deps.permissions.seal({"channel_id": call.channel_id}, user_id=call.user_id)
    await call.client.views_open(
        trigger_id=call.command["trigger_id"],
        view=new_initiative_modal(private_metadata=json.dumps(sealed)),
    )


async def list_verb(call: Call) -> None:
    """`/initiative list [mine|at-risk] [vendor:SLUG]`."""
    parsed = parse_text(call.rest)
    mode = parsed.words[0].lower() if parsed.words else "open"
    now, desk = call.deps.clock(), call.deps.desk
    rows = await in_worker(
        call.deps.sessions,
        lambda session: select_initiatives(
            session=session,
            desk=desk,
            actor=call.actor,
            mode=mode,
            vendor_text=parsed.options.get("vendor"),
            now=now,
        ),
    )
    await call.ack(**initiative_list(rows, title=LIST_TITLES[mode]))


async def show(call: Call, key: str) -> None:
    """`/initiative KEY`: checked now, then progress is asked of the tracker after the ack."""
    desk, sessions = call.deps.desk, call.deps.sessions
    initiative = await in_worker(
        sessions, lambda session: visible_initiative(session=session, actor=call.actor, key=key)
    )
    await call.ack()

    async def answer(_session: Session) -> None:
        issues = await tracker_children(desk, initiative.key or "")
        detail = await in_worker(
            sessions,
            lambda session: record_children(
                session=session, initiative_id=initiative.id or 0, issues=issues
            ),
        )
        if detail is None or call.respond is None:
            return
        now = call.deps.clock()
        message = initiative_detail(
            detail.initiative,
            risk=assess_now(desk, detail.initiative, now),
            notes=detail.notes,
            links=detail.links,
            today=local_today(desk, now),
        )
        await call.respond(**message, replace_original=False)

    call.deps.background.spawn("initiative.show", answer, report=call.report)


async def key_verb(call: Call) -> None:
    """`/initiative KEY [update|status|link|child] …`."""
    key, _, tail = call.rest.partition(" ")
    verb, _, rest = tail.strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if not verb:
        return await show(call, key)
    request_key = str(call.command.get("trigger_id") or "")
    words = " ".join(tokenize(rest))

    async def queue(service: Callable[..., str], **change: Any) -> str:
        # Every change names the epic the same way; the service checks it and returns its key.
        common = {"desk": call.deps.desk, "actor": call.actor, "key": key}
        return await _queued(call, lambda s: service(session=s, **common, **change))

    if verb == "update":
        now = call.deps.clock()
        epic = await queue(post_update, text=rest, request_key=request_key, now=now)
        done = f"Progress note added to {epic}."
    elif verb == "status":
        moved = await queue(change_status, status=words, request_key=request_key)
        done = f"Moving {moved} to “{escape_clip(words, 60)}”…"
    elif verb == "link":
        epic = await queue(link_escalation, issue_key=rest)
        done = f"{escape_clip(rest.upper(), 40)} linked to {epic} as evidence."
    elif verb == "child":
        epic = await queue(add_child, summary=words, request_key=request_key)
        done = f"Adding a story under {epic}…"
    else:
        raise UsageError(f"`{escape_clip(verb, 30)}` is not something I can do.", usage=call.usage)
    await call.ack(response_type="ephemeral", text=done)


ROUTER = SubcommandRouter[InitiativeDeps](
    command="/initiative",
    summary="Track initiatives as Jira epics: progress, risk, notes, evidence and stories.",
    verbs=(
        Verb("new", (NEW_USAGE,), new_verb, ("initiatives", "create")),
        Verb("list", (LIST_USAGE,), list_verb),
    ),
    fallback=Verb("", KEY_USAGE, key_verb),
    deps=initiative_deps,
)
USAGE = ROUTER.usage
handle_initiative = ROUTER.handler


def _sealed_origin(permissions: Permissions, view: dict[str, Any], user_id: str) -> Any:
    try:
        sealed = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    return permissions.unseal(sealed, user_id=user_id) if isinstance(sealed, dict) else None


def _known_vendors(session: Session, names: list[str]) -> list[str]:
    # Vendors are named through the one registry, never created here.
    return [require_vendor(session, name).slug for name in names]


async def handle_new_submission(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    sessions: SessionFactory,
    planning_desk: PlanningDesk,
    permissions: Permissions,
) -> None:
    """Create the initiative from the modal; errors stay next to their fields.

    The channel it was opened from (its vendor scope) is the one sealed into the modal.
    """
    user_id = str(body["user"]["id"])
    data, errors = read_modal(view["state"]["values"])
    if data is None:
        await ack(response_action="errors", errors=errors)
        return
    names = data.vendors
    try:
        data.vendors = await in_worker(sessions, lambda s: _known_vendors(s, names))
    except UnknownVendor as exc:
        await ack(response_action="errors", errors={"vendors": exc.user_message[:300]})
        return
    meta = _sealed_origin(permissions, view, user_id)
    if meta is None:
        await ack(response_action="errors", errors={"title": EXPIRED})
        return
    origin = meta.get("channel_id")
    actor = await permissions.actor(sessions, user_id=user_id, channel_id=origin)
    if not may(actor, "initiatives", "create"):
        await ack(response_action="errors", errors={"title": "You cannot create initiatives."})
        return
    try:
        data.vendors = scoped_vendors(actor, data.vendors)
    except OpsbotError as exc:
        await ack(response_action="errors", errors={"vendors": exc.user_message})
        return
    dedupe_key = f"view:{view['id']}"
    await create_once(
        sessions,
        lambda s: create_initiative(
            session=s,
            desk=planning_desk,
            data=data,
            user_id=user_id,
            origin_channel_id=origin,
            dedupe_key=dedupe_key,
        ),
        dedupe_key,
    )
    planning_desk.outbox.wake()
    await ack()
