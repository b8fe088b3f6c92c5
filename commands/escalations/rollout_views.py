"""Block Kit for a training gap's follow-up: the rollout modal and its confirmation."""

from __future__ import annotations

import json
from typing import Any

from commands.escalations.rollout import RolloutOffer
from commands.escalations.views import input_block, linked_key
from commands.mrkdwn import clip, escape, escape_clip
from commands.training.service import MAX_NOTE, RolloutResult

ROLLOUT_CALLBACK = "escalation_rollout"


def _text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _article_line(offer: RolloutOffer, index: int) -> str:
    article = offer.articles[index]
    title = escape_clip(article.title, 150)
    return f"• `{escape_clip(article.path, 200)}` {title} (v{article.version})"


def rollout_modal(offer: RolloutOffer, *, metadata: dict[str, Any]) -> dict[str, Any]:
    """Return the modal: the area's articles (see them with `/kb ID`), a due day and a note."""
    escalation = offer.escalation
    heading = (
        f"*{linked_key(escalation)}* was a training gap at *{escape_clip(offer.vendor.name, 80)}*. "
        "Update the article first (edit it, then `opsbot kb import`), then roll its new version "
        "out: the vendor's trainer confirms on the card in their channel."
    )
    blocks: list[dict[str, Any]] = [_section(heading)]
    modal: dict[str, Any] = {"type": "modal", "title": _text("Roll out training")}
    if not offer.articles:
        blocks.append(
            _section(
                f"No knowledge-base article covers the area `{escape_clip(escalation.area, 64)}` "
                "yet: write one and import it with `opsbot kb import`."
            )
        )
        return {**modal, "close": _text("Close"), "blocks": blocks}
    lines = [_article_line(offer, i) for i in range(min(len(offer.articles), 20))]
    blocks.append(_section("*Articles of this area* (`/kb ID` shows one)\n" + "\n".join(lines)))
    options = [
        {"text": _text(clip(a.path, 75)), "value": clip(a.path, 150)} for a in offer.articles[:100]
    ]
    root_cause = escalation.root_cause or ""
    note = clip(f"After {escalation.display_key}: {root_cause}", MAX_NOTE)
    blocks += [
        _input("article", "Article", {"type": "static_select", "options": options}),
        _input("due", "Due", {"type": "datepicker", "initial_date": offer.due.isoformat()}),
        _input(
            "note",
            "Note to the trainer",
            {"type": "plain_text_input", "multiline": True, "initial_value": note},
            optional=True,
        ),
    ]
    return {
        **modal,
        "callback_id": ROLLOUT_CALLBACK,
        "submit": _text("Roll out"),
        "close": _text("Cancel"),
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False
) -> dict[str, Any]:
    # The submission reads every field of this modal under the action id "value".
    return input_block(block_id, label, {**element, "action_id": "value"}, optional=optional)


def rollout_started(result: RolloutResult) -> dict[str, Any]:
    """Return the modal shown once the rollout is started."""
    rollout = result.started[0]
    text = (
        f"✅ Rolling out `{escape_clip(result.article.path, 200)}` v{result.article.version} to "
        f"{escape(rollout.vendor_slug)}, due {rollout.due:%a %d %b}. The card is posted in "
        f"<#{rollout.channel_id}>; `/training status` shows where it stands."
    )
    return {
        "type": "modal",
        "title": _text("Roll out training"),
        "close": _text("Done"),
        "blocks": [_section(text)],
    }
