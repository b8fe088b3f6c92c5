"""Check a requested status against the tracker's transitions before anything is confirmed."""

from __future__ import annotations

import asyncio
import difflib
import logging

from commands.escalations.service import EscalationDesk
from commands.mrkdwn import escape, escape_clip
from integrations.errors import OpsbotError, UsageError
from integrations.tracker.base import TrackerRejected, Transition, pick_transition
from storage.escalations import Escalation

log = logging.getLogger("opsbot.escalations")
# Slack wants the answer within 3 s; a slower tracker is checked again by the outbox job.
CHECK_SECONDS = 2.0


async def available_transitions(
    desk: EscalationDesk, escalation: Escalation
) -> list[Transition] | None:
    """Return the issue's transitions now, or None when it is not filed or the tracker is slow."""
    if not escalation.key:
        return None
    try:
        return await asyncio.wait_for(desk.tracker.transitions(escalation.key), CHECK_SECONDS)
    except (TimeoutError, OpsbotError):
        log.info("could not list transitions of %s in time; the job checks", escalation.key)
        return None
    except Exception:
        # The check is a courtesy before queueing: an answer the tracker client cannot read
        # must not lose the request. The job meets the same answer and reports it by job id.
        log.warning("could not read the transitions of %s; the job checks", escalation.key)
        return None


def checked_status(escalation: Escalation, available: list[Transition] | None, wanted: str) -> str:
    """Return the status to move to; a name the workflow does not offer lists the valid ones."""
    if available is None:
        return wanted  # the outbox job checks when it runs
    try:
        return pick_transition(available, wanted).to_status
    except TrackerRejected:
        pass
    valid = sorted({t.to_status for t in available})
    close = difflib.get_close_matches(wanted.lower(), [v.lower() for v in valid], n=1, cutoff=0.6)
    hint = next(
        (f" Did you mean “{escape(v)}”?" for v in valid if close and v.lower() == close[0]), ""
    )
    shown = ", ".join(f"“{escape(v)}”" for v in valid) or "none"
    raise UsageError(
        f"{escalation.display_key} cannot move to “{escape_clip(wanted, 60)}” now.{hint} "
        f"Valid now: {shown}."
    )
