"""Block Kit for suggestions: the story card, the edit modal, lists and the proposal."""

from __future__ import annotations

from datetime import date
from typing import Any

from commands.mrkdwn import clip, clip_mrkdwn, escape, escape_clip
from commands.suggestions.markdown import escape_markdown, mrkdwn_to_markdown
from commands.suggestions.service import CONFIDENCES, IMPACTS
from commands.suggestions.story import story_sentence, story_title
from storage.suggestions import Suggestion

Blocks = list[dict[str, Any]]
MAX_BLOCKS = 50
MAX_TEXT = 3000
IMPACT_NAMES = {0.25: "minimal", 0.5: "low", 1.0: "medium", 2.0: "high", 3.0: "massive"}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, 75), "emoji": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(text, MAX_TEXT)}}


def _num(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def score_text(s: Suggestion) -> str:
    """Return "RICE 40 (R 100 · I 2 · C 0.8 · E 4) · 3 votes"."""
    rice = "unscored" if s.rice is None else f"{s.rice:.1f}"
    factors = (
        f"R {_num(s.reach)} · I {_num(s.impact)} · C {_num(s.confidence)} · E {_num(s.effort)}"
    )
    votes = f"{s.votes} vote" + ("" if s.votes == 1 else "s")
    return f"RICE {rice} ({factors}) · 👍 {votes}"


def story_text(s: Suggestion) -> str:
    """Return the story sentence, escaped."""
    return escape(story_sentence(s.role, s.capability, s.benefit))


def suggestion_card(s: Suggestion) -> dict[str, Any]:
    """Return the in-channel card: story, criteria, score, and the buttons to act on it."""
    criteria = "\n".join(f"• {escape_clip(c, 300)}" for c in s.criteria) or "_none yet_"
    state = f" · promoted to *{escape(s.issue_key or '')}*" if s.issue_key else ""
    blocks: Blocks = [
        _section(f"💡 *Suggestion #{s.id}* from <@{s.author_id}>\n>{escape_clip(s.text, 1500)}"),
        _section(f"*Draft story*\n{story_text(s)}\n*Acceptance criteria*\n{criteria}"),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": score_text(s) + state}]},
        {
            "type": "actions",
            "block_id": f"suggestion:{s.id}",
            "elements": [
                {
                    "type": "button",
                    "action_id": "suggest_upvote",
                    "text": _plain("👍 Upvote"),
                    "value": str(s.id),
                },
                {
                    "type": "button",
                    "action_id": "suggest_edit",
                    "text": _plain("Edit story"),
                    "value": str(s.id),
                },
                {
                    "type": "static_select",
                    "action_id": "suggest_impact",
                    "placeholder": _plain("Impact"),
                    "options": [
                        {
                            "text": _plain(f"Impact {IMPACT_NAMES[v]} ({v:g})"),
                            "value": f"{s.id}:{v:g}",
                        }
                        for v in IMPACTS
                    ],
                },
                {
                    "type": "static_select",
                    "action_id": "suggest_confidence",
                    "placeholder": _plain("Confidence"),
                    "options": [
                        {"text": _plain(f"Confidence {v:.0%}"), "value": f"{s.id}:{v:g}"}
                        for v in CONFIDENCES
                    ],
                },
            ],
        },
    ]
    text = f"Suggestion #{s.id}: {escape_clip(s.text, 200)}"
    return {"text": text, "blocks": blocks}


def _text_input(
    block: str, label: str, value: str, *, multiline: bool = False, optional: bool = False
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
    }
    if value:
        element["initial_value"] = value
    return {
        "type": "input",
        "block_id": block,
        "label": _plain(label),
        "element": element,
        "optional": optional,
    }


def edit_modal(s: Suggestion, *, private_metadata: str) -> dict[str, Any]:
    """Return the "Edit story" modal, prefilled."""

    def num(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    return {
        "type": "modal",
        "callback_id": "suggest_edit",
        "private_metadata": private_metadata,
        "title": _plain(f"Suggestion #{s.id}"),
        "submit": _plain("Save"),
        "blocks": [
            _text_input("role", "As a… (role)", s.role),
            _text_input("capability", "I want… (capability)", s.capability, multiline=True),
            _text_input("benefit", "So that… (benefit)", s.benefit, multiline=True),
            _text_input(
                "criteria",
                "Acceptance criteria (one per line)",
                "\n".join(s.criteria),
                multiline=True,
                optional=True,
            ),
            _text_input(
                "reach", "Reach (people or cases per quarter)", num(s.reach), optional=True
            ),
            _text_input("impact", "Impact (0.25, 0.5, 1, 2, 3)", num(s.impact), optional=True),
            _text_input("confidence", "Confidence (0.5, 0.8, 1)", num(s.confidence), optional=True),
            _text_input("effort", "Effort (person-weeks)", num(s.effort), optional=True),
        ],
    }


def suggestion_list(rows: list[Suggestion], *, title: str) -> dict[str, Any]:
    """Return a ranked list, one line each."""
    if not rows:
        return {
            "response_type": "ephemeral",
            "text": f"{escape(title)}: none yet. `/suggest TEXT` adds one.",
        }
    lines = [
        f"{n}. *#{s.id}* {escape_clip(s.text, 140)} — {score_text(s)}"
        for n, s in enumerate(rows[:40], start=1)
    ]
    blocks: Blocks = [_section(f"*{escape(title)}*")]
    for start in range(0, len(lines), 10):
        blocks.append(_section("\n".join(lines[start : start + 10])))
    text = f"{escape(title)}: {len(rows)}"
    return {"response_type": "ephemeral", "text": text, "blocks": blocks}


def proposal_entry(s: Suggestion, evidence: list[str]) -> tuple[str, str]:
    """Return one proposal item as (mrkdwn for Slack, Markdown for the file)."""
    impact = (
        "unscored" if s.impact is None else f"{IMPACT_NAMES.get(s.impact, s.impact)} ({s.impact:g})"
    )
    effort = "unknown" if s.effort is None else f"{s.effort:g} person-weeks"
    proof = ", ".join(evidence) or "none linked yet"
    slack = (
        f"*#{s.id} {escape_clip(s.capability, 150)}*\n"
        f"*Problem:* {escape_clip(s.text, 800)}\n"
        f"*Story:* {story_text(s)}\n"
        f"*Expected impact:* {impact}, reach {_num(s.reach)}, confidence {_num(s.confidence)}\n"
        f"*Effort:* {effort} · {score_text(s)}\n"
        f"*Evidence:* {escape(proof)}"
    )
    criteria_md = "\n".join(f"- {escape_markdown(c)}" for c in s.criteria)
    markdown = (
        f"## #{s.id} {escape_markdown(story_title(s.capability, s.text))}\n\n"
        f"**Problem:** {escape_markdown(s.text)}\n\n"
        f"**Story:** {escape_markdown(story_sentence(s.role, s.capability, s.benefit))}\n\n"
        f"**Acceptance criteria:**\n{criteria_md}\n\n"
        f"**Expected impact:** {impact}; reach {_num(s.reach)}; confidence {_num(s.confidence)}\n\n"
        f"**Effort:** {effort}\n\n**Score:** {score_text(s)}\n\n"
        f"**Evidence:** {escape_markdown(proof)}\n"
    )
    return clip_mrkdwn(slack, MAX_TEXT), markdown


def proposal(
    entries: list[tuple[str, str]], *, kpi_lines: list[str], today: date
) -> tuple[dict[str, Any], str]:
    """Return the proposal message (within Block Kit limits) and its Markdown document."""
    title = f"Improvement proposal — {today.isoformat()}"
    blocks: Blocks = [{"type": "header", "text": _plain(title)}]
    if kpi_lines:
        blocks.append(_section("*KPI movements (last week)*\n" + "\n".join(kpi_lines)))
    room = (MAX_BLOCKS - len(blocks) - 1) // 2
    for slack_text, _ in entries[:room]:
        blocks += [{"type": "divider"}, _section(slack_text)]
    if len(entries) > room:
        blocks.append(_section(f"_and {len(entries) - room} more in the attached file_"))
    kpi_md = "\n".join(f"- {mrkdwn_to_markdown(line)}" for line in kpi_lines) or "- none recorded"
    document = f"# {title}\n\n## KPI movements (last week)\n\n{kpi_md}\n\n" + "\n".join(
        md for _, md in entries
    )
    text = f"{title}: {len(entries)} suggestions"
    return {"response_type": "in_channel", "text": text, "blocks": blocks}, document
