"""Slack handlers for `/initiative`: ack, parse, call the service, render."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from sqlmodel import Session

from commands.initiatives.desk import PlanningDesk
from commands.initiatives.service import (
    InitiativeInput,
    add_child,
    assess_now,
    change_status,
    create_initiative,
    link_escalation,
    local_today,
    post_update,
    refresh_progress,
    require_initiative,
    scoped_vendors,
    select_initiatives,
)
from commands.initiatives.views import initiative_detail, initiative_list, new_initiative_modal
from commands.mrkdwn import escape_clip
from commands.permissions import Permissions, may, require
from commands.slash_text import parse_text, tokenize
from commands.vendors.service import UnknownVendor, require_vendor
from integrations.errors import OpsbotError, UsageError
from storage.initiatives import initiative_by_key, links_for, notes_for
from storage.text import clean_text
from storage.types import utcnow

USAGE = (
    "/initiative new",
    "/initiative list [mine|at-risk] [vendor:SLUG]",
    "/initiative KEY",
    "/initiative KEY update TEXT",
    '/initiative KEY status "In Progress"',
    "/initiative KEY link ESC-123",
    '/initiative KEY child "summary"',
)
EXPIRED = "This form has expired; open it again with /initiative new."
_KEY_REST = re.compile(r"^\s*(?P<key>\S+)\s*(?P<verb>\S*)\s*(?P<rest>.*)$", re.DOTALL)


def _now(clock: Any) -> Any:
    return clock() if clock is not None else utcnow()


async def handle_initiative(
    ack: Any,
    command: dict[str, Any],
    client: Any,
    db: Session,
    planning_desk: PlanningDesk,
    background: Any,
    respond: AsyncRespond,
    context: Any,
    permissions: Permissions,
) -> None:
    """Dispatch `/initiative …` to its subcommand."""
    text = clean_text(command.get("text", "")).strip()
    words = tokenize(text)
    usage = "\n".join(USAGE)
    if not words or words[0].lower() == "help":
        await ack(response_type="ephemeral", text=f"```\n{usage}\n```")
        return
    head = words[0].lower()
    user_id, channel_id = command["user_id"], command.get("channel_id")
    clock = context.get("clock")
    actor = await permissions.actor(db, user_id=user_id, channel_id=channel_id)
    if head == "new":
        require(actor, "initiatives", "create")
        await ack()
        metadata = json.dumps(permissions.seal({"channel_id": channel_id}, user_id=user_id))
        await client.views_open(
            trigger_id=command["trigger_id"], view=new_initiative_modal(private_metadata=metadata)
        )
        return
    if head == "list":
        parsed = parse_text(text)
        mode = parsed.words[1].lower() if len(parsed.words) > 1 else "open"
        if mode not in ("open", "mine", "at-risk"):
            raise UsageError(f"`{escape_clip(mode, 30)}` is not a list.", usage=usage)
        scope = actor.scope
        vendor = parsed.options.get("vendor")
        if vendor is not None:
            vendor = scope.restrict([require_vendor(db, vendor).slug])[0]

        def allowed(slugs: list[str]) -> bool:
            return scope.vendor is None or scope.vendor.slug.lower() in slugs

        rows = select_initiatives(
            session=db,
            desk=planning_desk,
            mode=mode,
            user_id=user_id,
            vendor=vendor,
            allowed=allowed,
            now=_now(clock),
        )
        title = {"open": "Open initiatives", "mine": "Your initiatives", "at-risk": "At risk"}
        await ack(**initiative_list(rows, title=title[mode]))
        return
    match = _KEY_REST.match(text)
    assert match is not None
    verb, rest = match["verb"].lower(), match["rest"].strip()
    policy_verb = {"": "view"}.get(verb, verb)
    if policy_verb not in ("view", "update", "status", "link", "child"):
        policy_verb = "view"  # an unknown verb is answered with the usage, once visible
    initiative = require_initiative(db, match["key"], actor=actor, verb=policy_verb)
    request_key = str(command.get("trigger_id") or "")
    if verb == "":
        await ack()

        async def show(session: Session) -> None:
            # Checked in the request; the job only re-reads the row in its own session.
            row = initiative_by_key(session, initiative.key or "")
            if row is None:
                return
            await refresh_progress(session=session, desk=planning_desk, initiative=row)
            now = _now(clock)
            risk = assess_now(planning_desk, row, now)
            await respond(
                **initiative_detail(
                    row,
                    risk=risk,
                    notes=notes_for(session, row.id or 0),
                    links=links_for(session, row.id or 0),
                    today=local_today(planning_desk, now),
                ),
                replace_original=False,
            )

        background.spawn("initiative.show", show, report=_reporter(respond))
        return
    if verb == "update":
        post_update(
            session=db,
            desk=planning_desk,
            initiative=initiative,
            text=match["rest"].strip(),
            author_id=user_id,
            request_key=request_key,
            now=_now(clock),
        )
        done = f"Progress note added to {initiative.key}."
    elif verb == "status":
        status = " ".join(tokenize(rest))
        change_status(
            session=db,
            desk=planning_desk,
            initiative=initiative,
            status=status,
            request_key=request_key,
        )
        done = f"Moving {initiative.key} to “{escape_clip(status, 60)}”…"
    elif verb == "link":
        link_escalation(
            session=db,
            desk=planning_desk,
            initiative=initiative,
            issue_key=rest,
            user_id=user_id,
            actor=actor,
        )
        done = f"{escape_clip(rest.upper(), 40)} linked to {initiative.key} as evidence."
    elif verb == "child":
        summary = " ".join(tokenize(rest))
        add_child(
            session=db,
            desk=planning_desk,
            initiative=initiative,
            summary=summary,
            user_id=user_id,
            request_key=request_key,
        )
        done = f"Adding a story under {initiative.key}…"
    else:
        raise UsageError(f"`{escape_clip(verb, 30)}` is not something I can do.", usage=usage)
    await ack(response_type="ephemeral", text=done)


def _reporter(respond: AsyncRespond) -> Any:
    async def report(message: str) -> None:
        await respond(text=message, response_type="ephemeral", replace_original=False)

    return report


def read_modal(values: dict[str, Any]) -> tuple[InitiativeInput | None, dict[str, str]]:
    """Read the modal's state; return the input or per-block errors."""

    def value(block: str) -> Any:
        return (values.get(block) or {}).get("value") or {}

    title = str(value("title").get("value") or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Give the initiative a title."
    raw_date = value("target").get("selected_date")
    target: date | None = None
    if raw_date:
        try:
            target = date.fromisoformat(str(raw_date))
        except ValueError:
            errors["target"] = "Pick a date."
    if errors:
        return None, errors
    stakeholders = [str(o["value"]) for o in value("stakeholders").get("selected_options") or []]
    vendors_text = str(value("vendors").get("value") or "")
    return (
        InitiativeInput(
            title=title[:255],
            goal=str(value("goal").get("value") or "").strip(),
            owner_id=value("owner").get("selected_user"),
            stakeholders=stakeholders,
            target_date=target,
            vendors=[v.strip().lower() for v in vendors_text.split(",") if v.strip()],
        ),
        {},
    )


async def handle_new_submission(
    ack: Any,
    body: dict[str, Any],
    view: dict[str, Any],
    db: Session,
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
    try:  # vendors are named through the one registry, never created here
        data.vendors = [require_vendor(db, v).slug for v in data.vendors]
    except UnknownVendor as exc:
        await ack(response_action="errors", errors={"vendors": exc.user_message[:300]})
        return
    try:
        sealed = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        sealed = None
    meta = permissions.unseal(sealed, user_id=user_id) if isinstance(sealed, dict) else None
    if meta is None:
        await ack(response_action="errors", errors={"title": EXPIRED})
        return
    origin = meta.get("channel_id")
    actor = await permissions.actor(db, user_id=user_id, channel_id=origin)
    if not may(actor, "initiatives", "create"):
        await ack(response_action="errors", errors={"title": "You cannot create initiatives."})
        return
    try:
        data.vendors = scoped_vendors(actor, data.vendors)
    except OpsbotError as exc:
        await ack(response_action="errors", errors={"vendors": exc.user_message})
        return
    create_initiative(
        session=db,
        desk=planning_desk,
        data=data,
        user_id=user_id,
        origin_channel_id=origin,
        dedupe_key=f"view:{view['id']}",
    )
    await ack()
