"""The "Update the article and roll out" button of a training gap, and its modal."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from commands.escalations.clicks import Click, Clock
from commands.escalations.payloads import acting_user as _user
from commands.escalations.payloads import view_metadata as _metadata
from commands.escalations.rollout import roll_out_for_escalation, rollout_offer
from commands.escalations.rollout_views import rollout_modal, rollout_started
from commands.escalations.service import EscalationDesk
from commands.escalations.thread_actions import EXPIRED
from commands.permissions import Permissions
from commands.training.jobs import TrainingJobs
from integrations.errors import NotAllowed, NotFound, UsageError
from integrations.slack_directory import SlackDirectory
from storage.engine import SessionFactory, in_worker


async def open_rollout(click: Click) -> None:
    """Open the rollout modal for the clicked escalation (checked again against the store)."""
    await click.ack()
    actor, escalation = await click.target("view")
    offer = await in_worker(
        click.sessions,
        lambda session: rollout_offer(
            session=session, actor=actor, escalation_id=escalation.id or 0, now=click.clock()
        ),
    )
    await click.open_view(rollout_modal(offer, metadata=click.seal(actor, escalation)))


def _picked(view: dict[str, Any], block: str) -> Any:
    return (view["state"]["values"].get(block) or {}).get("value") or {}


def _due(view: dict[str, Any]) -> date | None:
    raw = _picked(view, "due").get("selected_date")
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


async def submit_rollout(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    sessions: SessionFactory,
    escalations: EscalationDesk,
    training_jobs: TrainingJobs,
    directory: SlackDirectory,
    permissions: Permissions,
    clock: Clock,
) -> None:
    """Start the rollout; a refusal is shown under the article field."""
    user_id, _ = _user(body)
    context = permissions.unseal(_metadata(view), user_id=user_id)
    article = str((_picked(view, "article").get("selected_option") or {}).get("value") or "")
    note = str(_picked(view, "note").get("value") or "")
    try:
        if context is None or not str(context.get("escalation_id") or "").isdigit():
            raise UsageError(EXPIRED)
        actor = await permissions.actor(
            sessions, user_id=user_id, channel_id=context.get("channel")
        )
        email = await directory.user_email(user_id)
        result = await escalations.run(
            sessions,
            lambda session: roll_out_for_escalation(
                session=session,
                jobs=training_jobs,
                actor=actor,
                escalation_id=int(context["escalation_id"]),
                article_path=article,
                due=_due(view),
                note=note,
                email=email,
                now=clock(),
            ),
        )
    except (NotAllowed, NotFound, UsageError) as exc:
        await ack(response_action="errors", errors={"article": exc.user_message[:300]})
        return
    await ack(response_action="update", view=rollout_started(result))
