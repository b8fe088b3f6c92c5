"""Outbox job for suggestions: file the promoted story, under its initiative when given."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from commands.initiatives.desk import PlanningDesk
from commands.initiatives.service import queue_reply
from commands.initiatives.views import progress_text
from commands.suggestions.story import story_sentence, story_title
from integrations.outbox import GiveUp, JobContext
from integrations.tracker.base import IssueDraft, TrackerIssue
from integrations.tracker.filing import tracker_call
from integrations.tracker.wiki import wiki_escape
from storage.engine import in_worker
from storage.initiatives import initiative_by_key, update_children
from storage.suggestions import PROMOTED, Suggestion, suggestion_by_id
from storage.types import utcnow


def story_draft(desk: PlanningDesk, s: Suggestion) -> IssueDraft:
    """Return the story to file for a promoted suggestion."""
    # Everything here was typed in Slack: wiki-escaped, so it shows as typed in Jira.
    criteria = "\n".join(f"* {wiki_escape(c)}" for c in s.criteria)
    rice = "unscored" if s.rice is None else f"{s.rice:.1f}"
    suggested = f"Suggested in Slack by {wiki_escape(s.author_id)} (opsbot suggestion #{s.id})"
    description = (
        f"{wiki_escape(story_sentence(s.role, s.capability, s.benefit))}\n\n"
        f"h3. Acceptance criteria\n{criteria}\n\n"
        f"{suggested}: {wiki_escape(s.text)}\n"
        f"RICE {rice}; votes {s.votes}."
    )
    return IssueDraft(
        project=desk.project,
        summary=story_title(s.capability, s.text)[:255] or f"Suggestion {s.id}",
        description=description,
        correlation_label=s.label,
        issue_type=desk.story_type,
        labels=("opsbot-suggestion",),
        parent_key=s.initiative_key,
    )


def _promoted(
    session: Session, desk: PlanningDesk, suggestion: Suggestion, issue: TrackerIssue
) -> None:
    row = suggestion_by_id(session, suggestion.id or 0)
    if row is None:
        raise GiveUp("suggestion no longer exists")
    row.state, row.issue_key, row.issue_url = PROMOTED, issue.key, issue.url
    row.updated_at = utcnow()
    session.add(row)
    initiative = initiative_by_key(session, row.initiative_key or "")
    if initiative is None:
        return
    update_children(session, initiative, [issue])
    queue_reply(
        session,
        desk,
        initiative,
        f"💡 Suggestion #{row.id} promoted to <{issue.url}|{issue.key}>. "
        f"Progress: {progress_text(initiative)}",
    )


@dataclass
class SuggestionJobs:
    """The suggestion job handlers; each holds no session across a Slack or tracker call."""

    desk: PlanningDesk

    def register(self) -> None:
        """Register the suggestion job kinds on the desk's outbox."""
        self.desk.outbox.register("suggestion.promote", self.promote)

    async def promote(self, job: JobContext) -> None:
        """File the promoted suggestion as a story (under its initiative's epic when given)."""
        desk = self.desk
        ident = int(job.payload["suggestion_id"])
        suggestion = await in_worker(desk.sessions, lambda s: suggestion_by_id(s, ident))
        if suggestion is None:
            raise GiveUp("suggestion no longer exists")
        if suggestion.state == PROMOTED:
            return
        issue = await tracker_call(desk.tracker.create_issue(story_draft(desk, suggestion)))
        await in_worker(desk.sessions, lambda s: _promoted(s, desk, suggestion, issue))
        desk.outbox.wake()
        if suggestion.channel_id:
            await desk.slack.chat_postMessage(
                channel=suggestion.channel_id,
                text=f"💡 Suggestion #{suggestion.id} is now <{issue.url}|{issue.key}>.",
            )
