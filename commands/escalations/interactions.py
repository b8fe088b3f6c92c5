"""The filing modal's submission, and the ways into it: message shortcut, KPI finding."""

from __future__ import annotations

import json
from typing import Any

from commands.escalations.clicks import Click, Submission
from commands.escalations.service import filing_form, vendor_choices
from commands.escalations.views import filed_modal, filing_modal
from commands.mrkdwn import clip
from storage.engine import in_worker

EXPIRED = "This form has expired; open it again with /escalate."


async def submit_filing(submitted: Submission) -> None:
    """File from the modal; invalid fields are shown under themselves, nothing is lost.

    The channel (and so the vendor scope) is the one sealed when the modal was opened.
    """
    ack, view, escalations = submitted.ack, submitted.view, submitted.escalations
    meta = submitted.sealed
    if meta is None:
        await ack(response_action="errors", errors={"title": EXPIRED})
        return
    actor = await submitted.actor()
    filing, errors = await escalations.run(
        submitted.sessions,
        lambda session: filing_form(
            session=session,
            desk=escalations,
            actor=actor,
            values=view["state"]["values"],
            reporter_name=submitted.user[1],
            view_id=str(view["id"]),
            source_permalink=meta.get("permalink"),
        ),
    )
    if filing is None:
        await ack(response_action="errors", errors=errors)
        return
    answer = filed_modal(filing.escalation, footer=escalations.footer(), similar=filing.similar)
    await ack(response_action="update", view=answer)


async def _open_prefilled(
    click: Click, *, prefill: dict[str, Any], permalink: str | None = None
) -> None:
    actor = await click.actor()
    vendors = await in_worker(click.sessions, lambda session: vendor_choices(session, actor.scope))
    if prefill.get("vendor"):
        wanted = str(prefill["vendor"]).lower()
        prefill["vendor"] = next(
            (slug for slug, name in vendors if wanted in (slug.lower(), name.lower())), None
        )
    metadata = click.permissions.seal(
        {"channel": click.channel_id, "permalink": permalink}, user_id=actor.user_id
    )
    areas = click.escalations.areas
    await click.open_view(
        filing_modal(areas=areas, vendors=vendors, metadata=metadata, prefill=prefill)
    )


async def escalate_message(click: Click) -> None:
    """Message shortcut "Escalate this message": the modal prefilled, linked back."""
    await click.ack()
    message = click.body.get("message") or {}
    text = str(message.get("text") or "")
    link = await click.client.chat_getPermalink(
        channel=str(click.channel_id), message_ts=str(message.get("ts"))
    )
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    prefill = {"title": clip(first_line, 150), "description": text, "links": link.get("permalink")}
    await _open_prefilled(click, prefill=prefill, permalink=link.get("permalink"))


async def escalation_from_finding(click: Click) -> None:
    """The KPI "escalate this finding" button: the modal prefilled from its JSON value."""
    await click.ack()
    try:
        finding = json.loads(click.action.get("value") or "{}")
    except ValueError:
        finding = {}
    if not isinstance(finding, dict):
        finding = {}
    prefill = {k: finding.get(k) for k in ("title", "description", "vendor") if finding.get(k)}
    await _open_prefilled(click, prefill=prefill)
