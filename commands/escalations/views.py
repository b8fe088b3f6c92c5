"""Block Kit for escalations: the filing modal, the channel message, lists and small modals."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from commands.escalations.model import SEVERITIES, PolicyAreas
from commands.mrkdwn import clip, escape, escape_clip
from storage.escalations import FILING, FILING_FAILED, Escalation
from storage.types import utcnow

Blocks = list[dict[str, Any]]
SEV_ICON = {1: "🔴", 2: "🟠", 3: "🟡", 4: "🔵"}


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(value: str, label: str, description: str | None = None) -> dict[str, Any]:
    option: dict[str, Any] = {"text": _text(clip(label, 75)), "value": value}
    if description:
        option["description"] = _text(clip(description, 75))
    return option


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False
) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": _text(label),
        "element": element,
        "optional": optional,
    }


def filing_modal(
    *,
    areas: PolicyAreas,
    vendors: list[tuple[str, str]],
    metadata: dict[str, Any],
    prefill: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the `/escalate` modal, optionally prefilled (title, description, vendor, links)."""
    prefill = prefill or {}
    title_el: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": 255}
    if prefill.get("title"):
        title_el["initial_value"] = clip(str(prefill["title"]), 255)
    area_el: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "options": [_option(slug, label) for slug, label in areas.labels.items()],
    }
    sev_el = {
        "type": "static_select",
        "action_id": "value",
        "options": [_option(f"sev{n}", f"SEV{n}", meaning) for n, meaning in SEVERITIES.items()],
    }
    blocks: Blocks = [
        _input("title", "Title", title_el),
        _input("area", "Policy area", area_el),
        _input("severity", "Severity", sev_el),
    ]
    if vendors:
        vendor_el: dict[str, Any] = {
            "type": "static_select",
            "action_id": "value",
            "options": [_option(slug, name) for slug, name in vendors[:100]],
        }
        chosen = next((v for v in vendors if v[0] == prefill.get("vendor")), None)
        if chosen:
            vendor_el["initial_option"] = _option(*chosen)
        blocks.append(_input("vendor", "Vendor", vendor_el, optional=True))
    blocks.append(
        _input(
            "affected",
            "Affected accounts",
            {"type": "plain_text_input", "action_id": "value", "placeholder": _text("e.g. 40")},
            optional=True,
        )
    )
    desc_el: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": True}
    if prefill.get("description"):
        desc_el["initial_value"] = clip(str(prefill["description"]), 2900)
    blocks.append(_input("description", "Description", desc_el, optional=True))
    links_el: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": True}
    if prefill.get("links"):
        links_el["initial_value"] = str(prefill["links"])
    blocks.append(_input("links", "Links (one per line)", links_el, optional=True))
    return {
        "type": "modal",
        "callback_id": "escalation_file",
        "title": _text("Escalate"),
        "submit": _text("File escalation"),
        "close": _text("Cancel"),
        "private_metadata": json.dumps(metadata)[:3000],
        "blocks": blocks,
    }


def filed_modal(escalation: Escalation, *, footer: str | None) -> dict[str, Any]:
    """Return the modal shown right after a submission: saved, being filed."""
    where = f"<#{escalation.channel_id}>" if escalation.channel_id else "this channel"
    text = (
        f"✅ Escalation *{escape_clip(escalation.title, 600)}* is saved (#{escalation.id}) "
        f"and is being filed. It will appear in {where} with its issue key."
    )
    blocks: Blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if footer:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return {"type": "modal", "title": _text("Escalate"), "close": _text("Done"), "blocks": blocks}


def confirmation_text(escalation: Escalation, *, created: bool) -> str:
    """Return the lead's immediate confirmation of a one-line filing."""
    title = escape_clip(escalation.title, 600)
    if not created:
        return f"This escalation already exists: *{escalation.display_key}* — {title}."
    where = f" in <#{escalation.channel_id}>" if escalation.channel_id else ""
    return f"✅ Saved escalation #{escalation.id} *{title}*; filing it now{where}."


def escalation_line(
    escalation: Escalation, areas: PolicyAreas, *, now: datetime | None = None
) -> str:
    """Return one mrkdwn line: key (linked), severity, area, vendor, status, age, title."""
    key = linked_key(escalation)
    vendor = f" · {escape_clip(escalation.vendor, 100)}" if escalation.vendor else ""
    age = age_text(escalation.created_at, now or utcnow())
    return (
        f"{SEV_ICON[escalation.severity]} *{key}* SEV{escalation.severity} · "
        f"{escape(areas.label(escalation.area))}{vendor} · {escape_clip(escalation.status, 60)} · "
        f"{age} — "
        f"{escape_clip(escalation.title, 120)}"
    )


def linked_key(escalation: Escalation) -> str:
    """Return the key, linked when the tracker has a web page for it."""
    if escalation.key and escalation.url and escalation.url.startswith(("https://", "http://")):
        return f"<{escalation.url}|{escalation.key}>"
    return escalation.key or f"#{escalation.id} (filing)"


def age_text(since: datetime, now: datetime) -> str:
    """Return an age like `3d`, `5h` or `12m`."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds >= 86400:
        return f"{seconds // 86400}d"
    if seconds >= 3600:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m"


def escalation_message(
    escalation: Escalation, areas: PolicyAreas, *, footer: str | None
) -> dict[str, Any]:
    """Return the channel message (text + blocks) with its action buttons."""
    key = escalation.key or f"#{escalation.id}"
    linked = linked_key(escalation)
    header = (
        f"{SEV_ICON[escalation.severity]} *{linked}* · SEV{escalation.severity} · "
        f"{escape(areas.label(escalation.area))}\n*{escape_clip(escalation.title, 1500)}*"
    )
    assignee = escape_clip(escalation.assignee_name or "", 200) or "_unassigned_"
    fields = [
        f"*Status*\n{escape_clip(escalation.status, 200)}",
        f"*Assignee*\n{assignee}",
        f"*Vendor*\n{escape_clip(escalation.vendor or '', 200) or '—'}",
        f"*Reporter*\n<@{escalation.reporter_id}>",
    ]
    if escalation.affected_accounts is not None:
        fields.append(f"*Affected accounts*\n{escalation.affected_accounts}")
    blocks: Blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": header}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
    ]
    notes = []
    if escalation.filing_state == FILING:
        notes.append(
            "⏳ Jira is unavailable; this escalation is saved and will be filed automatically."
            if escalation.filing_error
            else "⏳ Filing…"
        )
    elif escalation.filing_state == FILING_FAILED:
        error = escalation.filing_error or "unknown error"
        notes.append(f"⚠️ Filing failed: {escape_clip(error, 500)}")
    if escalation.source_permalink:
        notes.append(f"<{escalation.source_permalink}|Original message>")
    if footer:
        notes.append(footer)
    if notes:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": n} for n in notes]}
        )
    if escalation.is_open:
        value = str(escalation.id)
        buttons = [
            ("escalation_ack", "Acknowledge"),
            ("escalation_update_open", "Add update"),
            ("escalation_status_open", "Change status"),
            ("escalation_resolve_open", "Resolve"),
        ]
        blocks.append(
            {
                "type": "actions",
                "block_id": "escalation_actions",
                "elements": [
                    {"type": "button", "action_id": a, "text": _text(t), "value": value}
                    for a, t in buttons
                ],
            }
        )
    title, status = escape_clip(escalation.title, 600), escape_clip(escalation.status, 200)
    text = f"SEV{escalation.severity} escalation {escape(key)}: {title} ({status})"
    return {"text": text, "blocks": blocks}


def escalation_detail(
    escalation: Escalation, areas: PolicyAreas, *, footer: str | None
) -> dict[str, Any]:
    """Return `/escalation KEY` as an ephemeral answer."""
    message = escalation_message(escalation, areas, footer=footer)
    blocks = [b for b in message["blocks"] if b["type"] != "actions"]
    if escalation.description:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": escape_clip(escalation.description, 2800)},
            }
        )
    if escalation.root_cause:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*Root cause*\n{escape_clip(escalation.root_cause, 2900)}",
                },
            }
        )
    return {"response_type": "ephemeral", "text": message["text"], "blocks": blocks}


def escalation_list(
    escalations: list[Escalation],
    areas: PolicyAreas,
    *,
    heading: str,
    footer: str | None,
    limit: int = 30,
) -> dict[str, Any]:
    """Return `/escalation list` as an ephemeral answer."""
    now = utcnow()
    lines = [escalation_line(e, areas, now=now) for e in escalations[:limit]]
    if len(escalations) > limit:
        lines.append(f"…and {len(escalations) - limit} more.")
    body = "\n".join(lines) if lines else "_No escalations match._"
    text = f"*{heading}* ({len(escalations)})\n{body}"
    if footer:
        text += f"\n{footer}"
    return {"response_type": "ephemeral", "text": text}


def text_modal(
    *,
    callback_id: str,
    title: str,
    label: str,
    escalation: Escalation,
    multiline: bool,
    hint: str | None = None,
    metadata: dict[str, Any] | None = None,
    choices: list[str] | None = None,
) -> dict[str, Any]:
    """Return a one-field modal (Add update, Change status, Resolve) bound to an escalation.

    With `choices` (the statuses the workflow offers now) the field is a select, not text.
    """
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
    }
    if choices:
        element = {
            "type": "static_select",
            "action_id": "value",
            "options": [_option(clip(c, 150), c) for c in choices[:100]],
        }
        hint = None
    block = _input("value", label, element)
    if hint:
        block["hint"] = _text(hint)
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _text(title),
        "submit": _text("Send"),
        "close": _text("Cancel"),
        "private_metadata": json.dumps(metadata or {"escalation_id": escalation.id}),
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*{escape(escalation.display_key)}* — "
                    f"{escape_clip(escalation.title, 600)}",
                },
            },
            block,
        ],
    }
