"""Slack handlers for `/suggest`, its card's buttons and the "Edit story" modal."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.context.respond.async_respond import AsyncRespond
from sqlmodel import Session

from commands.checkins.digest_build import digest_window
from commands.digest import DigestSource
from commands.initiatives.desk import PlanningDesk
from commands.mrkdwn import escape, escape_clip
from commands.permissions import Actor, Permissions, require
from commands.slash_text import parse_count, parse_text
from commands.suggestions.service import (
    StoryEdit,
    apply_edit,
    check_score,
    evidence_for,
    promote,
    ranked,
    record_suggestion,
    require_suggestion,
    set_score,
    upvote,
)
from commands.suggestions.views import (
    edit_modal,
    proposal,
    proposal_entry,
    suggestion_card,
    suggestion_list,
)
from integrations.errors import OpsbotError, UsageError
from storage.suggestions import Suggestion
from storage.text import clean_text

USAGE = (
    "/suggest TEXT",
    "/suggest list [top|new|mine]",
    "/suggest promote ID [to:INIT-KEY]",
    "/suggest proposal [N]",
)
MAX_PROPOSAL = 20
_NUMBER = re.compile(r"^\d+(\.\d+)?$")


async def handle_suggest(
    ack: Any,
    command: dict[str, Any],
    client: Any,
    db: Session,
    planning_desk: PlanningDesk,
    background: Any,
    digest_sources: Sequence[DigestSource],
    settings: Any,
    respond: AsyncRespond,
    clock: Callable[[], datetime],
    permissions: Permissions,
) -> None:
    """Dispatch `/suggest …`: record, list, promote or propose (in the channel's scope)."""
    text = clean_text(command.get("text", "")).strip()
    parsed = parse_text(text)
    usage = "\n".join(USAGE)
    head = parsed.words[0].lower() if parsed.words else ""
    user_id, channel_id = command["user_id"], command.get("channel_id")
    if not text or head == "help":
        await ack(response_type="ephemeral", text=f"```\n{usage}\n```")
        return
    actor = await permissions.actor(db, user_id=user_id, channel_id=channel_id)
    scope = actor.scope
    if head == "list" and len(parsed.words) <= 2:
        mode = parsed.words[1].lower() if len(parsed.words) > 1 else "top"
        if mode not in ("top", "new", "mine"):
            raise UsageError(f"`{escape_clip(mode, 20)}` is not a list.", usage=usage)
        rows = ranked(session=db, mode=mode, user_id=user_id, scope=scope)
        titles = {"top": "Top suggestions", "new": "Newest suggestions", "mine": "Your suggestions"}
        await ack(**suggestion_list(rows, title=titles[mode]))
        return
    if head == "promote" and len(parsed.words) == 2:
        suggestion = require_suggestion(db, parsed.words[1], actor=actor, verb="promote")
        promote(
            session=db,
            desk=planning_desk,
            suggestion=suggestion,
            initiative_key=parsed.options.get("to"),
            actor=actor,
        )
        where = f" under {escape(parsed.options['to'].upper())}" if "to" in parsed.options else ""
        await ack(response_type="ephemeral", text=f"Filing suggestion #{suggestion.id}{where}…")
        return
    if head == "proposal" and len(parsed.words) <= 2:
        count = parsed.words[1] if len(parsed.words) > 1 else "5"
        wanted = parse_count(count, "N", 1, MAX_PROPOSAL, usage=usage)
        rows = ranked(session=db, mode="top", user_id=user_id, scope=scope)[:wanted]
        if not rows:
            raise UsageError("There are no open suggestions to propose.", usage=usage)
        now = clock()
        # In a vendor channel the proposal's KPIs are that vendor's, never the whole team's.
        vendor_slug = scope.vendor.slug if scope.vendor is not None else None
        window = digest_window(vendor_slug=vendor_slug, now=now, timezone=settings.opsbot_timezone)
        kpi = [s for s in digest_sources if s.key == "kpi"]
        section = kpi[0].section(session=db, window=window) if kpi else None
        kpi_lines = list(section.lines[:10]) if section is not None else []
        entries = [proposal_entry(s, evidence_for(db, s)) for s in rows]
        today = now.astimezone(ZoneInfo(settings.opsbot_timezone)).date()
        message, document = proposal(entries, kpi_lines=kpi_lines, today=today)
        await ack(**message)

        async def upload(_session: Session) -> None:
            await client.files_upload_v2(
                channel=channel_id,
                content=document,
                filename=f"proposal-{today.isoformat()}.md",
                title=f"Improvement proposal {today.isoformat()}",
            )

        async def report(message_text: str) -> None:
            await respond(text=message_text, response_type="ephemeral", replace_original=False)

        background.spawn("suggest.proposal.upload", upload, report=report)
        return
    require(actor, "suggestions", "file")
    suggestion = record_suggestion(
        session=db,
        text=text,
        author_id=user_id,
        channel_id=channel_id,
        dedupe_key=f"cmd:{command.get('trigger_id')}",
    )
    await ack(response_type="in_channel", **suggestion_card(suggestion))


async def _suggestion_from_action(
    db: Session, body: dict[str, Any], permissions: Permissions, verb: str
) -> tuple[Actor, Suggestion, str]:
    """Return who clicked, from where, and the stored suggestion they may `verb`."""
    value = str(
        body["actions"][0].get("value")
        or body["actions"][0].get("selected_option", {}).get("value")
        or ""
    )
    ident, _, rest = value.partition(":")
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    actor = await permissions.actor(db, user_id=str(body["user"]["id"]), channel_id=channel_id)
    return actor, require_suggestion(db, ident, actor=actor, verb=verb), rest


async def handle_upvote(
    ack: Any, body: dict[str, Any], db: Session, respond: AsyncRespond, permissions: Permissions
) -> None:
    """Count one vote per person and refresh the card."""
    await ack()
    _, suggestion, _ = await _suggestion_from_action(db, body, permissions, "vote")
    counted = upvote(session=db, suggestion=suggestion, user_id=body["user"]["id"])
    db.commit()
    await respond(replace_original=True, **suggestion_card(suggestion))
    if not counted:
        await respond(
            text="You have already voted for this one.",
            response_type="ephemeral",
            replace_original=False,
        )


async def handle_score_menu(
    ack: Any, body: dict[str, Any], db: Session, respond: AsyncRespond, permissions: Permissions
) -> None:
    """Set impact or confidence from the card's menus."""
    await ack()
    _, suggestion, raw = await _suggestion_from_action(db, body, permissions, "score")
    field = str(body["actions"][0]["action_id"]).removeprefix("suggest_")
    set_score(session=db, suggestion=suggestion, field=field, value=float(raw))
    db.commit()
    await respond(replace_original=True, **suggestion_card(suggestion))


async def handle_edit_button(
    ack: Any, body: dict[str, Any], client: Any, db: Session, permissions: Permissions
) -> None:
    """Open the "Edit story" modal (its author and admins only)."""
    await ack()
    actor, suggestion, _ = await _suggestion_from_action(db, body, permissions, "edit")
    container = body.get("container") or {}
    metadata = json.dumps(
        permissions.seal(
            {
                "id": suggestion.id,
                "channel": actor.channel_id,
                "ts": container.get("message_ts"),
            },
            user_id=actor.user_id,
        )
    )
    await client.views_open(
        trigger_id=body["trigger_id"], view=edit_modal(suggestion, private_metadata=metadata)
    )


def _read_number(values: dict[str, Any], block: str, errors: dict[str, str]) -> float | None:
    raw = str(((values.get(block) or {}).get("value") or {}).get("value") or "").strip()
    if not raw:
        return None
    if not _NUMBER.match(raw):
        errors[block] = "A number, please."
        return None
    return float(raw)


async def handle_edit_submission(
    ack: Any,
    body: dict[str, Any],
    view: dict[str, Any],
    db: Session,
    client: Any,
    permissions: Permissions,
) -> None:
    """Save the edited story and score; errors stay next to their fields.

    The suggestion and channel are those sealed when the modal was opened; the rights are
    checked again against the stored suggestion.
    """
    values = view["state"]["values"]

    def text(block: str) -> str:
        return str(((values.get(block) or {}).get("value") or {}).get("value") or "")

    errors: dict[str, str] = {}
    numbers = {
        k: _read_number(values, k, errors) for k in ("reach", "impact", "confidence", "effort")
    }
    errors.update(check_score(**numbers))
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    user_id = str(body["user"]["id"])
    try:
        sealed = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        sealed = None
    meta = permissions.unseal(sealed, user_id=user_id) if isinstance(sealed, dict) else None
    try:
        if meta is None:
            raise UsageError("This form has expired; open it again from the suggestion.")
        actor = await permissions.actor(db, user_id=user_id, channel_id=meta.get("channel"))
        suggestion = require_suggestion(db, str(meta.get("id", "")), actor=actor, verb="edit")
    except OpsbotError as exc:
        await ack(response_action="errors", errors={"role": exc.user_message})
        return
    edit = StoryEdit(
        role=text("role"),
        capability=text("capability"),
        benefit=text("benefit"),
        criteria=text("criteria").splitlines(),
        **numbers,
    )
    apply_edit(session=db, suggestion=suggestion, edit=edit)
    db.commit()
    await ack()
    if meta.get("channel") and meta.get("ts"):
        await client.chat_update(
            channel=meta["channel"], ts=meta["ts"], **suggestion_card(suggestion)
        )
