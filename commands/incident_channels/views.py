"""What a SEV1 channel and its escalation's thread are told."""

from __future__ import annotations

from commands.mrkdwn import clip_mrkdwn, escape, escape_clip
from storage.escalations import Escalation, EscalationEvent

TOPIC_MAX = 250


def topic(escalation: Escalation) -> str:
    """Return the channel topic, escaped: Slack formats `<!here>` in a topic too."""
    text = f"SEV1 {escape(escalation.key or '')}: {escape(escalation.title)}"
    return clip_mrkdwn(f"{text} · {escape(escalation.status)}", TOPIC_MAX)


def opened_note(channel_id: str) -> str:
    """Return the note in the escalation's thread that points to its channel."""
    return f"🚨 SEV1 channel <#{channel_id}> is open: updates are mirrored there."


def degraded_note(error: str) -> str:
    """Return the note in the thread when no channel could be made."""
    return (
        f"⚠️ I could not open a SEV1 channel ({escape_clip(error, 100)}); "
        "this thread stays the place for updates."
    )


def event_line(event: EscalationEvent) -> str:
    """Return one mirrored change: status, assignee, comment, resolution."""
    who = f" — {escape_clip(event.actor, 80)}" if event.actor else ""
    if event.kind in ("status", "assignee"):
        before = escape_clip(event.from_value or "—", 80)
        return f"🔄 {event.kind}: {before} → {escape_clip(event.to_value or '—', 80)}{who}"
    if event.kind == "comment":
        return f"💬 {escape_clip(event.to_value or '', 600)}{who}"
    return f"• {escape(event.kind)}: {escape_clip(event.to_value or '', 200)}{who}"


def mirror_text(events: list[EscalationEvent]) -> str:
    """Return the mirrored changes as one message."""
    return "\n".join(event_line(e) for e in events)[:3500]


def closed_text(escalation: Escalation, archive_hours: float) -> str:
    """Return the closing post: the root cause, and when the channel is archived."""
    cause = escape_clip(escalation.root_cause or "not given", 2000)
    return (
        f"✅ *{escape(escalation.key or '')}* is {escape_clip(escalation.status, 60)}. "
        f"Root cause: {cause}\nThis channel is archived in {archive_hours:g} h."
    )
