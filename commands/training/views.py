"""Block Kit for rollouts: the vendor's card with its buttons, confirmations, status lists."""

from __future__ import annotations

from datetime import date
from typing import Any

from commands.kb.service import ArticleDiff
from commands.kb.views import article_ref, diff_text, owner_text
from commands.kpi.spikes import Finding
from commands.mrkdwn import clip, clip_mrkdwn, escape, escape_clip
from commands.training.scores import ScoreLine
from commands.training.service import RolloutResult, StatusRow
from storage.kb import KbArticle
from storage.training import (
    PENDING,
    QUESTION,
    SCHEDULED,
    TRAINED,
    TrainingQuestion,
    TrainingRollout,
)

SECTION_MAX = 3000
DIFF_MAX = 1500
ACTION_TRAINED = "training_trained"
ACTION_SCHEDULED = "training_scheduled"
ACTION_QUESTION = "training_question"
BLOCK_PREFIX = "training:"
QUESTION_VIEW = "training_question_modal"
QUESTION_BLOCK, QUESTION_INPUT = "question", "text"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_MAX)}}


def state_text(rollout: TrainingRollout, *, today: date) -> str:
    """Return where a rollout stands, e.g. "scheduled for Tue 24 Nov by @ana"."""
    who = f" by <@{rollout.state_by}>" if rollout.state_by else ""
    if rollout.state == TRAINED:
        return f":white_check_mark: trained{who}"
    if rollout.state == SCHEDULED and rollout.scheduled_for is not None:
        return f":calendar: scheduled for {rollout.scheduled_for:%a %d %b}{who}"
    if rollout.state == QUESTION:
        return f":question: question raised{who}"
    late = " — :warning: *overdue*" if rollout.due < today else ""
    return f"waiting for the trainer, due {rollout.due:%a %d %b}{late}"


def rollout_card(
    rollout: TrainingRollout, article: KbArticle, diff: ArticleDiff, *, today: date
) -> dict[str, Any]:
    """Return the vendor channel's message: what changed, the note, the trainer's buttons."""
    head = (
        f":mortar_board: *Training update* for your agents, due *{rollout.due:%a %d %b %Y}*\n"
        f"{article_ref(article)}\n{escape(diff.summary)}"
    )
    blocks: list[dict[str, Any]] = [_section(head)]
    code = diff_text(diff, DIFF_MAX)
    if code:
        blocks.append(_section(code))
    if rollout.note:
        blocks.append(
            _section(f"Note from <@{rollout.created_by}>: {escape_clip(rollout.note, 900)}")
        )
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"Status: {state_text(rollout, today=today)}"}],
        }
    )
    if rollout.state != TRAINED:
        blocks.append(_trainer_actions(rollout))
    text = clip(
        f"Training update: {escape(article.title)} "
        f"({escape(article.path)} v{rollout.article_version}), due {rollout.due:%a %d %b}",
        500,
    )
    return {"text": text, "blocks": blocks}


def _trainer_actions(rollout: TrainingRollout) -> dict[str, Any]:
    """The trainer's buttons: trained, a training date, a question."""
    scheduled = {"initial_date": rollout.scheduled_for.isoformat()} if rollout.scheduled_for else {}
    return {
        "type": "actions",
        "block_id": f"{BLOCK_PREFIX}{rollout.id}",
        "elements": [
            {
                "type": "button",
                "action_id": ACTION_TRAINED,
                "text": {"type": "plain_text", "text": "Trained"},
                "style": "primary",
                "value": str(rollout.id),
            },
            {
                "type": "datepicker",
                "action_id": ACTION_SCHEDULED,
                "placeholder": {"type": "plain_text", "text": "Scheduled for…"},
                **scheduled,
            },
            {
                "type": "button",
                "action_id": ACTION_QUESTION,
                "text": {"type": "plain_text", "text": "Question"},
                "value": str(rollout.id),
            },
        ],
    }


def render_started(result: RolloutResult) -> dict[str, Any]:
    """Confirm the rollout to whoever started it."""
    parts: list[str] = []
    if result.started:
        vendors = ", ".join(r.vendor_slug for r in result.started)
        due = result.started[0].due
        parts.append(
            f"Rolling out {article_ref(result.article)} to {escape(vendors)}, due {due:%a %d %b}."
            " Each vendor's trainer gets it in their channel."
        )
    if result.already:
        parts.append(
            f"Already rolled out to {escape(', '.join(result.already))}: "
            "`/training status` shows where they stand."
        )
    return {"response_type": "ephemeral", "text": clip("\n".join(parts), SECTION_MAX)}


def render_status(rows: list[StatusRow], *, today: date, title: str) -> dict[str, Any]:
    """Return the rollouts not yet confirmed as trained."""
    if not rows:
        return {"response_type": "ephemeral", "text": f"{escape(title)}: every vendor has trained."}
    lines = [
        f"• *{escape(r.rollout.vendor_slug)}* — {article_ref(r.article)} — "
        f"{state_text(r.rollout, today=today)}"
        for r in rows[:40]
    ]
    if len(rows) > 40:
        lines.append(f"_and {len(rows) - 40} more_")
    waiting = sum(1 for r in rows if r.rollout.state == PENDING)
    text = clip(
        f"*{escape(title)}* ({len(rows)} open, {waiting} not answered)\n" + "\n".join(lines),
        SECTION_MAX,
    )
    return {"response_type": "ephemeral", "text": text, "blocks": [_section(text)]}


def nudge_text(rollout: TrainingRollout, article: KbArticle) -> str:
    """Return the daily reminder for an overdue rollout."""
    return (
        f":alarm_clock: Reminder: training on {article_ref(article)} was due "
        f"{rollout.due:%a %d %b} and is not confirmed yet. Use the buttons on the rollout "
        "message: Trained, Scheduled for a day, or Question."
    )


def question_text(rollout: TrainingRollout, article: KbArticle, user_id: str) -> str:
    """Return the thread note in the vendor's channel when a trainer has a question."""
    return (
        f":question: <@{user_id}> has a question about {article_ref(article)}; "
        f"its owner {owner_text(article.owner)} has it and will answer in this thread."
    )


def question_modal(article: KbArticle, *, metadata: str) -> dict[str, Any]:
    """Return the modal a trainer types a question about a rollout's article into."""
    return {
        "type": "modal",
        "callback_id": QUESTION_VIEW,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "Question"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _section(f"Your question goes to the owner of {article_ref(article)}."),
            {
                "type": "input",
                "block_id": QUESTION_BLOCK,
                "label": {"type": "plain_text", "text": "What is unclear?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": QUESTION_INPUT,
                    "multiline": True,
                    "max_length": 2000,
                },
            },
        ],
    }


def question_for_owner(question: TrainingQuestion, article: KbArticle) -> dict[str, Any]:
    """Return the direct message that brings a trainer's question to the article's owner."""
    head = (
        f":question: <@{question.asked_by}> at *{escape(question.vendor_slug)}* asks about "
        f"{article_ref(article)}:"
    )
    quoted = "\n".join(f"> {line}" for line in escape(question.text).splitlines() or [""])
    text = clip_mrkdwn(f"{head}\n{quoted}", SECTION_MAX)
    blocks = [
        _section(text),
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "Answer in the rollout's thread in their channel."}
            ],
        },
    ]
    return {"text": text, "blocks": blocks}


def _change(now: float, before: float | None, unit: str, scale: float = 1.0) -> str:
    if before is None:
        return ""
    delta = (now - before) * scale
    if abs(delta) < 0.05:
        return " (=)"
    arrow = "▲" if delta > 0 else "▼"
    return f" ({arrow} {abs(delta):.1f}{unit})"


def score_line_text(line: ScoreLine) -> str:
    """Return one vendor and assessment: pass rate, mean, spread, change, and counts only."""
    now, before = line.current, line.previous
    rate = f"pass rate {now.pass_rate * 100:.0f}%" + _change(
        now.pass_rate, before.pass_rate if before else None, " pts", 100.0
    )
    mean = f"mean {now.mean:.1f}" + _change(now.mean, before.mean if before else None, "")
    text = (
        f"• *{escape(line.vendor)}* · {escape_clip(line.assessment, 100)} — {rate}, {mean}, "
        f"spread {now.spread:.1f} · {now.results} results from {now.agents} agents"
    )
    return text + marker_text(line.marker) if line.marker is not None else text


def marker_text(marker: Finding) -> str:
    """Return the detector's flag, worded as the KPI cards word theirs."""
    when = "on" if marker.kind == "spike" else "since"
    return (
        f" · :rotating_light: *{marker.kind}* {when} {marker.day:%a %d %b}: pass rate "
        f"{marker.actual:.0f}% against {marker.expected:.0f}% expected"
    )


def render_scores(lines: list[ScoreLine], *, start: date, end: date) -> dict[str, Any]:
    """Return the assessment figures for the period, against the period before."""
    days = (end - start).days + 1
    head = f"*Assessment scores* {start:%d %b} – {end:%d %b %Y} ({days} days, vs the {days} before)"
    if not lines:
        return {"response_type": "ephemeral", "text": f"{head}\nNo assessment results."}
    rows = [score_line_text(line) for line in lines[:40]]
    if len(lines) > 40:
        rows.append(f"_and {len(lines) - 40} more_")
    text = clip(head + "\n" + "\n".join(rows), SECTION_MAX)
    return {"response_type": "ephemeral", "text": text, "blocks": [_section(text)]}
