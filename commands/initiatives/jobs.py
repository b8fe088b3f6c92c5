"""Outbox jobs for initiatives: announce, file the epic, comment, move, link, add stories."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from commands.initiatives.desk import PlanningDesk, tracker_call
from commands.initiatives.service import queue_reply
from commands.initiatives.views import initiative_message, progress_text, status_note
from integrations.outbox import GiveUp, JobContext, RetryLater
from integrations.tracker.base import IssueDraft, TrackerIssue
from integrations.tracker.wiki import wiki_escape
from storage.engine import unit_of_work
from storage.initiatives import (
    FILED,
    FILING_FAILED,
    Initiative,
    add_note,
    initiative_by_id,
    recount_children,
    upsert_child,
)

Job = Callable[[JobContext], Awaitable[None]]


def _load(desk: PlanningDesk, context: JobContext) -> Initiative:
    with unit_of_work(desk.sessions) as session:
        initiative = initiative_by_id(session, int(context.payload["initiative_id"]))
    if initiative is None:
        raise GiveUp("initiative no longer exists")
    return initiative


def epic_draft(desk: PlanningDesk, initiative: Initiative) -> IssueDraft:
    """Return the epic to file for an initiative."""
    # Typed in the Slack modal: wiki-escaped, so it shows as typed in Jira.
    lines = [wiki_escape(initiative.goal) if initiative.goal else "(no goal given)", ""]
    if initiative.owner_id:
        lines.append(f"Owner (Slack): {wiki_escape(initiative.owner_id)}")
    if initiative.target_date:
        lines.append(f"Target date: {initiative.target_date.isoformat()}")
    if initiative.stakeholders:
        lines.append("Stakeholders: " + wiki_escape(", ".join(initiative.stakeholders)))
    if initiative.vendors:
        lines.append("Vendors/areas: " + wiki_escape(", ".join(initiative.vendors)))
    custom = {"duedate": initiative.target_date.isoformat()} if initiative.target_date else {}
    return IssueDraft(
        project=desk.project,
        summary=initiative.title[:255],
        description="\n".join(lines),
        correlation_label=initiative.label,
        issue_type=desk.epic_type,
        labels=("opsbot-initiative",),
        custom_fields=custom,
    )


async def refresh_message(desk: PlanningDesk, initiative: Initiative) -> None:
    """Re-render the initiative's channel message, when it has one."""
    if initiative.channel_id and initiative.message_ts:
        await desk.slack.chat_update(
            channel=initiative.channel_id,
            ts=initiative.message_ts,
            **initiative_message(initiative, footer=desk.footer()),
        )


def build_jobs(desk: PlanningDesk) -> dict[str, Job]:
    """Return the initiative job handlers by outbox kind."""

    async def post(context: JobContext) -> None:
        initiative = _load(desk, context)
        if initiative.message_ts or not initiative.channel_id:
            return
        answer = await desk.slack.chat_postMessage(
            channel=initiative.channel_id, **initiative_message(initiative, footer=desk.footer())
        )
        with unit_of_work(desk.sessions) as session:
            row = initiative_by_id(session, initiative.id or 0)
            assert row is not None
            row.message_ts = str(answer["ts"])
            session.add(row)
            if row.filing_state == FILED:
                queue_reply(session, desk, row, f"Epic filed: <{row.url}|{row.key}>")

    async def file(context: JobContext) -> None:
        initiative = _load(desk, context)
        if initiative.filing_state == FILED:
            return
        try:
            issue: TrackerIssue = await tracker_call(
                desk.tracker.create_issue(epic_draft(desk, initiative))
            )
        except GiveUp as exc:
            with unit_of_work(desk.sessions) as session:
                row = initiative_by_id(session, initiative.id or 0)
                assert row is not None
                row.filing_state, row.filing_error = FILING_FAILED, str(exc)[:500]
                session.add(row)
            raise
        with unit_of_work(desk.sessions) as session:
            row = initiative_by_id(session, initiative.id or 0)
            assert row is not None
            row.key, row.url, row.filing_state = issue.key, issue.url, FILED
            row.status, row.status_category = issue.status, issue.status_category
            row.filing_error = None
            session.add(row)
            if row.message_ts:
                queue_reply(session, desk, row, f"Epic filed: <{issue.url}|{issue.key}>")
        desk.outbox.wake()
        await refresh_message(desk, row)

    async def reply(context: JobContext) -> None:
        initiative = _load(desk, context)
        if not initiative.channel_id:
            return
        if not initiative.message_ts:
            raise RetryLater("the initiative message is not posted yet")
        await desk.slack.chat_postMessage(
            channel=initiative.channel_id,
            thread_ts=initiative.message_ts,
            text=str(context.payload["text"]),
        )

    async def comment(context: JobContext) -> None:
        initiative = _load(desk, context)
        # The job id marks the comment, so a retry after a lost answer does not add it twice.
        await tracker_call(
            desk.tracker.add_comment(
                initiative.key or "", context.payload["text"], ref=f"job-{context.id}"
            )
        )

    async def transition(context: JobContext) -> None:
        initiative = _load(desk, context)
        moved = await tracker_call(
            desk.tracker.transition(initiative.key or "", str(context.payload["status"]))
        )
        with unit_of_work(desk.sessions) as session:
            row = initiative_by_id(session, initiative.id or 0)
            assert row is not None
            old = row.status
            row.status, row.status_category = moved.to_status, moved.to_category
            add_note(session, row, kind="status", text=f"{old} → {moved.to_status}")
            queue_reply(session, desk, row, status_note(old, moved.to_status))
        desk.outbox.wake()
        await refresh_message(desk, row)

    async def link(context: JobContext) -> None:
        initiative = _load(desk, context)
        await tracker_call(
            desk.tracker.link_issues(
                "Relates", str(context.payload["issue_key"]), initiative.key or ""
            )
        )

    async def child(context: JobContext) -> None:
        initiative = _load(desk, context)
        draft = IssueDraft(
            project=desk.project,
            summary=str(context.payload["summary"]),
            description=f"Part of initiative {initiative.key}: {initiative.title}",
            correlation_label=f"{initiative.label}-child-{context.id}",
            issue_type=desk.story_type,
            parent_key=initiative.key,
        )
        issue: TrackerIssue = await tracker_call(desk.tracker.create_issue(draft))
        with unit_of_work(desk.sessions) as session:
            row = initiative_by_id(session, initiative.id or 0)
            assert row is not None
            upsert_child(
                session,
                row,
                key=issue.key,
                summary=issue.summary,
                status=issue.status,
                status_category=issue.status_category,
            )
            recount_children(session, row)
            by = context.payload.get("by")
            add_note(session, row, kind="child", text=f"{issue.key} {issue.summary}", author=by)
            queue_reply(
                session,
                desk,
                row,
                f"➕ Story <{issue.url}|{issue.key}> added. Progress: {progress_text(row)}",
            )
        desk.outbox.wake()
        await refresh_message(desk, row)

    async def refresh(context: JobContext) -> None:
        await refresh_message(desk, _load(desk, context))

    return {
        "initiative.refresh": refresh,
        "initiative.post": post,
        "initiative.file": file,
        "initiative.reply": reply,
        "initiative.comment": comment,
        "initiative.transition": transition,
        "initiative.link": link,
        "initiative.child": child,
    }
