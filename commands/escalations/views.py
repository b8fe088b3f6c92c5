"""Block Kit for escalations: the filing modal, the channel message, lists and small modals."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from commands.escalations.model import ROOT_CAUSE_KINDS, SEVERITIES, TRAINING_GAP, PolicyAreas
from commands.mrkdwn import clip, clip_mrkdwn, escape, escape_clip, user_mention
from storage.escalations import Escalation, EscalationEvent
from storage.tracker_items import FILING, FILING_FAILED
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


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False
) -> dict[str, Any]:
    """Return an input block with its label (the element keeps its own action id)."""
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
        input_block("title", "Title", title_el),
        input_block("area", "Policy area", area_el),
        input_block("severity", "Severity", sev_el),
    ]
    if vendors:
        blocks.append(_vendor_input(vendors, prefill.get("vendor")))
    blocks.append(
        input_block(
            "affected",
            "Affected accounts",
            {"type": "plain_text_input", "action_id": "value", "placeholder": _text("e.g. 40")},
            optional=True,
        )
    )
    desc_el: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": True}
    if prefill.get("description"):
        desc_el["initial_value"] = clip(str(prefill["description"]), 2900)
    blocks.append(input_block("description", "Description", desc_el, optional=True))
    links_el: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": True}
    if prefill.get("links"):
        links_el["initial_value"] = str(prefill["links"])
    blocks.append(input_block("links", "Links (one per line)", links_el, optional=True))
    return {
        "type": "modal",
        "callback_id": "escalation_file",
        "title": _text("Escalate"),
        "submit": _text("File escalation"),
        "close": _text("Cancel"),
        "private_metadata": json.dumps(metadata)[:3000],
        "blocks": blocks,
    }


def _vendor_input(vendors: list[tuple[str, str]], prefilled: Any) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "options": [_option(slug, name) for slug, name in vendors[:100]],
    }
    chosen = next((v for v in vendors if v[0] == prefilled), None)
    if chosen:
        element["initial_option"] = _option(*chosen)
    return input_block("vendor", "Vendor", element, optional=True)


def filed_modal(
    escalation: Escalation, *, footer: str | None, similar: tuple[Escalation, ...] = ()
) -> dict[str, Any]:
    """Return the modal shown right after a submission: saved, being filed."""
    where = f"<#{escalation.channel_id}>" if escalation.channel_id else "this channel"
    text = (
        f"✅ Escalation *{escape_clip(escalation.title, 600)}* is saved (#{escalation.id}) "
        f"and is being filed. It will appear in {where} with its issue key."
    )
    blocks: Blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if similar:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": similar_warning(similar)}}
        )
    if footer:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return {"type": "modal", "title": _text("Escalate"), "close": _text("Done"), "blocks": blocks}


def confirmation_text(
    escalation: Escalation, *, created: bool, similar: tuple[Escalation, ...] = ()
) -> str:
    """Return the lead's immediate confirmation of a one-line filing."""
    title = escape_clip(escalation.title, 600)
    if not created:
        return f"This escalation already exists: *{linked_key(escalation)}* — {title}."
    where = f" in <#{escalation.channel_id}>" if escalation.channel_id else ""
    saved = f"✅ Saved escalation #{escalation.id} *{title}*; filing it now{where}."
    return f"{saved}\n{similar_warning(similar)}" if similar else saved


def similar_warning(similar: tuple[Escalation, ...]) -> str:
    """Return the warning that open escalations with similar titles exist (already scoped)."""
    lines = [f"• *{linked_key(e)}* {escape_clip(e.title, 150)}" for e in similar]
    noun = "escalation looks" if len(similar) == 1 else "escalations look"
    return f"⚠️ A similar open {noun} like this one:\n" + "\n".join(lines)


def change_text(kind: str, payload: dict[str, Any], escalation: Escalation) -> str:
    """Return the confirmation of a queued change (the thread tells how it went)."""
    said = {
        "comment": "Adding your comment to",
        "transition": f"Moving to “{escape_clip(str(payload.get('status')), 60)}”:",
        "assign": f"Assigning {user_mention(str(payload.get('assignee')))} to",
        "resolve": "Resolving",
    }[kind]
    return f"{said} {linked_key(escalation)}; updates follow in its thread."


def filed_note(*, key: str, url: str | None) -> str:
    """Return the thread note of a filing: the browse link, or the local tracker's key."""
    if url and url.startswith(("https://", "http://")):
        return f"Filed as <{url}|{escape(key)}>."
    return f"Filed as {escape(key)} in opsbot's local tracker."


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
        return f"<{escalation.url}|{escape(escalation.key)}>"
    # The local tracker's `opsbot://` address opens nothing: the key alone, no fake link.
    return escape(escalation.key) if escalation.key else f"#{escalation.id} (filing)"


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
    assigned = escalation.assignee_slack_id or escalation.assignee_name
    assignee = (
        user_mention(escalation.assignee_slack_id, escalation.assignee_name)
        if assigned
        else "_unassigned_"
    )
    fields = [
        f"*Status*\n{escape_clip(escalation.status, 200)}",
        f"*Assignee*\n{assignee}",
        f"*Vendor*\n{escape_clip(escalation.vendor or '', 200) or '—'}",
        f"*Reporter*\n{user_mention(escalation.reporter_id, escalation.reporter_name)}",
    ]
    if escalation.affected_accounts is not None:
        fields.append(f"*Affected accounts*\n{escalation.affected_accounts}")
    blocks: Blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": header}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
    ]
    if escalation.root_cause:
        blocks.append(_section(root_cause_text(escalation)))
    blocks += _notes(escalation, footer)
    blocks += _buttons(escalation)
    title, status = escape_clip(escalation.title, 600), escape_clip(escalation.status, 200)
    text = f"SEV{escalation.severity} escalation {escape(key)}: {title} ({status})"
    return {"text": text, "blocks": blocks}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def root_cause_text(escalation: Escalation) -> str:
    """Return the root cause as shown on the card: its kind, then the text."""
    kind = ROOT_CAUSE_KINDS.get(escalation.root_cause_kind or "")
    label = f"*Root cause* ({escape(kind)})" if kind else "*Root cause*"
    return f"{label}\n{escape_clip(escalation.root_cause or '', 2800)}"


def offers_rollout(escalation: Escalation) -> bool:
    """Tell whether a resolved escalation offers a training rollout to its vendor."""
    return (
        not escalation.is_open
        and escalation.root_cause_kind == TRAINING_GAP
        and escalation.vendor is not None
    )


def _notes(escalation: Escalation, footer: str | None) -> Blocks:
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
    if not notes:
        return []
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": n} for n in notes]}]


OVERFLOW_ACTION = "escalation_overflow"
# button action id -> the verb its overflow option carries
OVERFLOW_VERBS = {
    "escalation_ack": "ack",
    "escalation_update_open": "update",
    "escalation_status_open": "status",
    "escalation_resolve_open": "resolve",
    "escalation_rollout_open": "rollout",
}


def _buttons(escalation: Escalation) -> Blocks:
    if escalation.is_open:
        buttons = [
            ("escalation_ack", "Acknowledge"),
            ("escalation_update_open", "Add update"),
            ("escalation_status_open", "Change status"),
            ("escalation_resolve_open", "Resolve"),
        ]
    elif offers_rollout(escalation):
        buttons = [("escalation_rollout_open", "Update the article and roll out")]
    else:
        return []
    value = str(escalation.id)
    elements: list[dict[str, Any]] = [
        {"type": "button", "action_id": a, "text": _text(t), "value": value} for a, t in buttons
    ]
    # The overflow repeats the buttons (at most five options: Slack's limit) for clients that
    # collapse the row; each option names the button it stands for and the escalation.
    # A lone button needs no menu.
    if len(buttons) > 1:
        options = [_option(f"{OVERFLOW_VERBS[a]}:{value}", t) for a, t in buttons[:5]]
        elements.append({"type": "overflow", "action_id": OVERFLOW_ACTION, "options": options})
    return [{"type": "actions", "block_id": "escalation_actions", "elements": elements}]


def escalation_detail(
    escalation: Escalation,
    areas: PolicyAreas,
    *,
    footer: str | None,
    events: tuple[EscalationEvent, ...] = (),
) -> dict[str, Any]:
    """Return `/escalation KEY` as an ephemeral answer, with its timeline."""
    message = escalation_message(escalation, areas, footer=footer)
    blocks = [b for b in message["blocks"] if b["type"] != "actions"]
    if escalation.description:
        blocks.append(_section(escape_clip(escalation.description, 2800)))
    if events:
        blocks.append(_section(timeline_text(events)))
    return {"response_type": "ephemeral", "text": message["text"], "blocks": blocks}


TIMELINE_LIMIT = 20


def timeline_text(events: tuple[EscalationEvent, ...]) -> str:
    """Return the timeline: the latest events, oldest first, each with when, who and where."""
    shown = events[-TIMELINE_LIMIT:]
    lines = [event_line(event) for event in shown]
    if len(events) > len(shown):
        lines.insert(0, f"_…{len(events) - len(shown)} earlier events_")
    return clip_mrkdwn("*Timeline*\n" + "\n".join(lines), 2900)


_EVENT_VERB = {
    "created": "filed it",
    "filed": "filed it in the tracker as",
    "status": "moved it",
    "assignee": "assigned it",
    "comment": "commented",
    "acknowledged": "acknowledged it",
}


def event_line(event: EscalationEvent) -> str:
    """Return one timeline line, every stored value escaped."""
    when = event.at.strftime("%Y-%m-%d %H:%M UTC")
    who = escape_clip(event.actor or ("opsbot" if event.source == "opsbot" else "someone"), 80)
    verb = _EVENT_VERB.get(event.kind, escape(event.kind))
    to_value = escape_clip(event.to_value or "", 160)
    if event.kind == "status":
        detail = f" from {escape_clip(event.from_value or '?', 60)} to *{to_value}*"
    elif event.kind == "assignee":
        detail = f" to {to_value or 'nobody'}"
    elif event.kind == "comment":
        detail = f": {to_value}"
    elif event.kind == "filed":
        detail = f" {to_value}"
    else:
        detail = ""
    where = " (in Jira)" if event.source == "jira" else ""
    return f"• `{when}` {who} {verb}{detail}{where}"


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
    block = input_block("value", label, element)
    if hint:
        block["hint"] = _text(hint)
    heading = f"*{escape(escalation.display_key)}* — {escape_clip(escalation.title, 600)}"
    blocks: Blocks = [_section(heading), block]
    if callback_id == "escalation_resolve":
        blocks.append(_kind_select())
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _text(title),
        "submit": _text("Send"),
        "close": _text("Cancel"),
        "private_metadata": json.dumps(metadata or {"escalation_id": escalation.id}),
        "blocks": blocks,
    }


def _kind_select() -> dict[str, Any]:
    element = {
        "type": "static_select",
        "action_id": "value",
        "options": [_option(slug, label) for slug, label in ROOT_CAUSE_KINDS.items()],
    }
    block = input_block("kind", "Kind of root cause", element, optional=True)
    block["hint"] = _text("A training gap offers to update the article and roll it out.")
    return block
