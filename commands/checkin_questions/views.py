"""Block Kit for two-way check-ins: the question DM, its modal, answers, the digest lines."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from commands.checkin_questions.service import AnswerRow
from commands.mrkdwn import clip, clip_mrkdwn, escape_clip

OPEN_ACTION = "checkin_answer_open"
SUBMIT_CALLBACK = "checkin_answer_submit"


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def ask_message(
    *, prompt_id: int, vendor_name: str, questions: list[str], local_fire: datetime, reminder: bool
) -> dict[str, Any]:
    """Return the DM asking a counterpart, with the time in their own zone."""
    when = f"{local_fire:%a %d %b %H:%M} your time"
    lead = "Reminder: the" if reminder else "The"
    head = f"{lead} *{escape_clip(vendor_name, 80)}* check-in digest posts {when}."
    asked = "\n".join(f"• {escape_clip(q, 300)}" for q in questions)
    return {
        "text": f"{lead} {escape_clip(vendor_name, 80)} check-in posts {when}: please answer.",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{head}\n{asked}"}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": _plain("Answer"),
                        "action_id": OPEN_ACTION,
                        "value": str(prompt_id),
                        "style": "primary",
                    }
                ],
            },
        ],
    }


def answer_modal(*, questions: list[str], metadata: str) -> dict[str, Any]:
    """Return the modal with one input per question (q0, q1, …)."""
    blocks = [
        {
            "type": "input",
            "block_id": f"q{i}",
            "optional": True,
            "label": _plain(clip(q, 150)),
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "max_length": 3000,
            },
        }
        for i, q in enumerate(questions)
    ]
    return {
        "type": "modal",
        "callback_id": SUBMIT_CALLBACK,
        "private_metadata": metadata,
        "title": _plain("Check-in questions"),
        "submit": _plain("Send"),
        "close": _plain("Later"),
        "blocks": blocks,
    }


def thanks_modal() -> dict[str, Any]:
    """Return what the modal becomes once answered."""
    text = "Thanks! Your answers go into the digest's *From the vendor* section."
    return {
        "type": "modal",
        "title": _plain("Check-in questions"),
        "close": _plain("Close"),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def answer_lines(rows: list[AnswerRow]) -> list[str]:
    """Return one mrkdwn line per answer, then who has not answered."""
    lines = [
        f"<@{row.user_id}> — *{escape_clip(question, 150)}* {escape_clip(answer, 800)}"
        for row in rows
        for question, answer in row.answers
        if answer.strip()
    ]
    silent = [f"<@{row.user_id}>" for row in rows if not row.answered]
    if silent:
        lines.append("No answer yet from " + ", ".join(silent))
    return lines


def answers_answer(vendor_name: str, day: date | None, rows: list[AnswerRow]) -> dict[str, Any]:
    """Return the ephemeral answer of `/checkin answers`."""
    name = escape_clip(vendor_name, 80)
    if not rows:
        text = f"No check-in answers from {name}" + (f" on {day}." if day else " yet.")
        return {"response_type": "ephemeral", "text": text}
    head = f"*From {name}* (digest of {day}):"
    body = "\n".join(answer_lines(rows))
    text = clip_mrkdwn(f"{head}\n{body}", 3000)
    return {
        "response_type": "ephemeral",
        "text": f"Check-in answers from {name} ({day})",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def vendor_note(text: str) -> dict[str, Any]:
    """Return a one-line ephemeral confirmation."""
    return {"response_type": "ephemeral", "text": text}
