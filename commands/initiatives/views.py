"""Block Kit for initiatives: the creation modal, the channel message, details and lists."""

from __future__ import annotations

from datetime import date
from typing import Any

from commands.initiatives.risk import Risk
from commands.mrkdwn import clip_mrkdwn, escape, escape_clip
from storage.initiatives import Initiative, InitiativeLink, InitiativeNote
from storage.tracker_items import FILING, FILING_FAILED

Blocks = list[dict[str, Any]]
STAKEHOLDERS = ("policy", "legal", "vendor", "analytics", "operations", "engineering", "finance")
MAX_BLOCKS = 50
MAX_TEXT = 3000


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(text, MAX_TEXT)}}


def _input(block_id: str, label: str, element: dict[str, Any], optional: bool = False) -> Any:
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {**element, "action_id": "value"},
        "optional": optional,
    }


def new_initiative_modal(*, private_metadata: str) -> dict[str, Any]:
    """Return the `/initiative new` modal."""
    options = [{"text": _plain(s.title()), "value": s} for s in STAKEHOLDERS]
    return {
        "type": "modal",
        "callback_id": "initiative_new",
        "private_metadata": private_metadata,
        "title": _plain("New initiative"),
        "submit": _plain("Create"),
        "close": _plain("Cancel"),
        "blocks": [
            _input("title", "Title", {"type": "plain_text_input", "max_length": 255}),
            _input(
                "goal",
                "Goal / outcome",
                {"type": "plain_text_input", "multiline": True, "max_length": 2000},
            ),
            _input("owner", "Owner", {"type": "users_select"}),
            _input(
                "stakeholders",
                "Stakeholders",
                {"type": "multi_static_select", "options": options},
                optional=True,
            ),
            _input("target", "Target date", {"type": "datepicker"}, optional=True),
            _input(
                "vendors",
                "Related vendors / areas (comma-separated)",
                {"type": "plain_text_input", "max_length": 500},
                optional=True,
            ),
        ],
    }


def progress_text(initiative: Initiative) -> str:
    """Return "3/5 stories done (60%)" or a note that there are none yet."""
    total, done = initiative.children_total, initiative.children_done
    if not total:
        return "no stories yet"
    return f"{done}/{total} stories done ({done / total:.0%})"


def headline(initiative: Initiative) -> str:
    """Return the key (linked when filed) and title, escaped."""
    title = escape_clip(initiative.title, 200)
    if initiative.filing_state == FILING:
        return f"🛠️ *{title}* _(filing in the tracker…)_"
    if initiative.filing_state == FILING_FAILED:
        return f"⚠️ *{title}* _(filing failed: {escape_clip(initiative.filing_error or '?', 300)})_"
    return f"🎯 *<{initiative.url}|{initiative.key}>* {title}"


def initiative_message(initiative: Initiative, *, footer: str | None = None) -> dict[str, Any]:
    """Return the channel message announcing an initiative (updated as it changes)."""
    owner = f"<@{initiative.owner_id}>" if initiative.owner_id else "nobody yet"
    target = initiative.target_date.isoformat() if initiative.target_date else "none"
    facts = [
        f"*Owner:* {owner}",
        f"*Target:* {target}",
        f"*Status:* {escape(initiative.status)}",
        f"*Progress:* {progress_text(initiative)}",
    ]
    if initiative.stakeholders:
        facts.append("*Stakeholders:* " + escape_clip(", ".join(initiative.stakeholders), 500))
    if initiative.vendors:
        facts.append("*Vendors/areas:* " + escape_clip(", ".join(initiative.vendors), 1000))
    blocks: Blocks = [_section(headline(initiative))]
    if initiative.goal:
        blocks.append(_section("*Goal:* " + escape_clip(initiative.goal, 2500)))
    blocks.append(_section("\n".join(facts)))
    if footer:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    text = f"Initiative {escape(initiative.display_key)}: {escape_clip(initiative.title, 200)}"
    return {"text": text, "blocks": blocks}


def progress_note(*, day: str, author_id: str, text: str) -> str:
    """Return the thread reply for a progress update, the user's text escaped."""
    return f"📝 *Progress {day}* by <@{author_id}>\n{escape_clip(text, 3000)}"


def status_note(old: str, new: str) -> str:
    """Return the thread reply for a status change (tracker statuses are imported text)."""
    return f"Status: {escape_clip(old, 100)} → *{escape_clip(new, 100)}*"


def risk_text(risk: Risk) -> str:
    """Return the at-risk flag and its reasons, or on-track."""
    if not risk.at_risk:
        return "✅ on track"
    return "🚩 *at risk*: " + "; ".join(risk.reasons)


def initiative_detail(
    initiative: Initiative,
    *,
    risk: Risk,
    notes: list[InitiativeNote],
    links: list[InitiativeLink],
    today: date,
) -> dict[str, Any]:
    """Return `/initiative KEY`: status, owner, target, progress, last update, evidence."""
    message = initiative_message(initiative)
    last = initiative.last_update_at.date().isoformat()
    lines = [
        f"*Last update:* {last} ({risk.days_since_update} days ago)",
        risk_text(risk),
    ]
    if risk.planned is not None:
        lines.append(f"*Plan:* {risk.planned:.0%} by today; *actual:* {risk.progress:.0%}")
    blocks: Blocks = [*message["blocks"], _section("\n".join(lines))]
    if links:
        blocks.append(_section("*Evidence:* " + ", ".join(escape(k.issue_key) for k in links)))
    if notes:
        shown = [f"• {n.at.date().isoformat()} — {escape_clip(n.text, 300)}" for n in notes[:10]]
        blocks.append(_section("*Recent notes*\n" + "\n".join(shown)))
    return {"response_type": "ephemeral", "text": message["text"], "blocks": blocks[:MAX_BLOCKS]}


def initiative_list(rows: list[tuple[Initiative, Risk]], *, title: str) -> dict[str, Any]:
    """Return a list of initiatives with progress, target and risk."""
    if not rows:
        return {"response_type": "ephemeral", "text": f"{escape(title)}: none."}
    lines = []
    for initiative, risk in rows:
        target = initiative.target_date.isoformat() if initiative.target_date else "no target"
        flag = " 🚩" if risk.at_risk else ""
        lines.append(
            f"• *{escape(initiative.display_key)}* {escape_clip(initiative.title, 120)} — "
            f"{progress_text(initiative)}, {target}{flag}"
        )
    blocks: Blocks = [_section(f"*{escape(title)}*")]
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > MAX_TEXT - 100:
            blocks.append(_section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(_section("\n".join(chunk)))
    return {
        "response_type": "ephemeral",
        "text": f"{escape(title)}: {len(rows)}",
        "blocks": blocks[:MAX_BLOCKS],
    }
