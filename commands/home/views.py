"""Block Kit for the App Home tab and the small modals its buttons open."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands.escalations.views import SEV_ICON, age_text
from commands.home.service import HomeAction, HomeData, HomeEscalation, HomeInitiative
from commands.mrkdwn import clip_mrkdwn, escape, escape_clip

Block = dict[str, Any]
SECTION_MAX = 3000
FILE_ESCALATION = "home_file_escalation"
ADD_ACTION = "home_add_action"
SUGGEST = "home_suggest"
ACK_ESCALATION = "home_escalation_ack"
ACTION_DONE = "home_action_done"
OPEN_LINK = "home_open_link"
ACTION_MODAL = "home_action_add"
SUGGEST_MODAL = "home_suggest_add"


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": clip_mrkdwn(text, SECTION_MAX)},
    }
    if accessory is not None:
        block["accessory"] = accessory
    return block


def _button(text: str, action_id: str, value: str = "", *, style: str | None = None) -> Block:
    button: Block = {"type": "button", "text": _plain(text), "action_id": action_id}
    if value:
        button["value"] = value
    if style:
        button["style"] = style
    return button


def _link(url: str | None) -> Block | None:
    if not url or not url.startswith(("https://", "http://")) or len(url) > 3000:
        return None
    return {"type": "button", "text": _plain("Open"), "action_id": OPEN_LINK, "url": url}


def _heading(text: str) -> list[Block]:
    return [{"type": "divider"}, {"type": "header", "text": _plain(text)}]


def _more(shown: int, total: int, hint: str) -> list[Block]:
    if total <= shown:
        return []
    text = f"…and {total - shown} more: {hint}"
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}]


def escalation_row(item: HomeEscalation, now: datetime) -> Block:
    """Return one escalation line with its button (Acknowledge while new, else Open)."""
    text = (
        f"{SEV_ICON.get(item.severity, '')} *SEV{item.severity}* *{escape(item.key)}* "
        f"{escape_clip(item.title, 200)}\n"
        f"{escape_clip(item.status, 64)} · open {age_text(item.created_at, now)}"
    )
    accessory = (
        _button("Acknowledge", ACK_ESCALATION, str(item.id)) if item.is_new else _link(item.url)
    )
    return _section(text, accessory)


def action_row(item: HomeAction) -> Block:
    """Return one action item line with its Done button."""
    when = f"🔴 overdue since {item.due:%a %d %b}" if item.overdue else f"due {item.due:%a %d %b}"
    text = f"`#{item.id}` {escape_clip(item.text, 500)}\n{when}"
    return _section(text, _button("Done", ACTION_DONE, str(item.id)))


def initiative_row(item: HomeInitiative) -> Block:
    """Return one initiative line with its progress, and why it is at risk."""
    progress = (
        f"{item.done}/{item.total} stories done ({item.done / item.total:.0%})"
        if item.total
        else "no stories yet"
    )
    text = f"*{escape(item.key)}* {escape_clip(item.title, 200)}\n{progress}"
    if item.reasons:
        text = "🚩 " + text + " · *at risk*: " + escape_clip("; ".join(item.reasons), 400)
    return _section(text, _link(item.url))


def home_view(data: HomeData, *, now: datetime) -> dict[str, Any]:
    """Return the home tab: buttons, my escalations, my action items, my initiatives, KPIs."""
    who = (
        f"Vendor: *{escape(data.vendor_name)}* (you see this vendor's data only)"
        if data.vendor_name
        else "Team view"
    )
    blocks: list[Block] = [
        {"type": "header", "text": _plain("Your opsbot home")},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"{who} · {data.today:%a %d %b %Y}"}],
        },
    ]
    buttons = [_button("Add action item", ADD_ACTION), _button("Suggest an improvement", SUGGEST)]
    if data.can_file:
        buttons.insert(0, _button("File escalation", FILE_ESCALATION, style="danger"))
    blocks.append({"type": "actions", "block_id": "home_buttons", "elements": buttons})
    blocks += _heading("My open escalations")
    blocks += [escalation_row(e, now) for e in data.escalations] or [_section("_None open. Nice._")]
    blocks += _more(len(data.escalations), data.escalations_total, "`/escalation list mine`")
    blocks += _heading("My action items (due this week or overdue)")
    blocks += [action_row(a) for a in data.actions] or [_section("_Nothing due._")]
    blocks += _more(len(data.actions), data.actions_total, "`/action list mine`")
    blocks += _heading("My initiatives")
    blocks += [initiative_row(i) for i in data.initiatives] or [
        _section("_You own no open initiative._")
    ]
    blocks += _heading(data.kpi_title or "KPIs this week")
    kpi = "\n".join(data.kpi_lines) if data.kpi_lines else "_No KPI data for this week yet._"
    blocks.append(_section(kpi))
    return {"type": "home", "blocks": blocks}


def action_modal(*, metadata: str, owner_id: str) -> dict[str, Any]:
    """Return the Add action item modal (owner preset to the viewer)."""
    return {
        "type": "modal",
        "callback_id": ACTION_MODAL,
        "private_metadata": metadata,
        "title": _plain("Add action item"),
        "submit": _plain("Add"),
        "close": _plain("Cancel"),
        "blocks": [
            _input(
                "text",
                "What needs doing",
                {"type": "plain_text_input", "max_length": 1000, "multiline": True},
            ),
            _input("owner", "Owner", {"type": "users_select", "initial_user": owner_id}),
            _input(
                "due",
                "Due (fri, tomorrow, 2026-12-24, +3d)",
                {"type": "plain_text_input", "max_length": 40},
            ),
        ],
    }


def suggest_modal(*, metadata: str) -> dict[str, Any]:
    """Return the Suggest an improvement modal."""
    return {
        "type": "modal",
        "callback_id": SUGGEST_MODAL,
        "private_metadata": metadata,
        "title": _plain("Suggest"),
        "submit": _plain("Suggest"),
        "close": _plain("Cancel"),
        "blocks": [
            _input(
                "text",
                "What should improve, and why?",
                {"type": "plain_text_input", "max_length": 3000, "multiline": True},
            )
        ],
    }


def done_modal(title: str, text: str) -> dict[str, Any]:
    """Return the confirmation a modal is updated to after its submission."""
    return {
        "type": "modal",
        "title": _plain(title),
        "close": _plain("Close"),
        "blocks": [_section(text)],
    }


def _input(block_id: str, label: str, element: Block) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {**element, "action_id": "value"},
    }
