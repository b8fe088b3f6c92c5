"""Render what the bot sends to Slack as terminal text (Block Kit, modals, files)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])")
_LINK = re.compile(r"<([a-z][a-z0-9+.-]*://[^|>]+)\|([^>]+)>")
_MENTION = re.compile(r"<([@#!])([A-Z0-9^a-z]+)(?:\|([^>]+))?>")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])")
_CODE_BLOCK = re.compile(r"```\n?(.*?)\n?```", re.S)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


@dataclass(frozen=True)
class Button:
    """A button the terminal user can press with `!click N`."""

    number: int
    label: str
    action_id: str
    block_id: str
    value: str
    channel: str | None
    message_ts: str | None


def mrkdwn_to_rich(text: str) -> str:
    """Turn Slack mrkdwn into rich console markup (bold, links, mentions, code, escapes).

    Code blocks and spans are shown as Slack shows them: their text verbatim, without the
    backticks and without formatting inside them.
    """
    return _split_code(text, _CODE_BLOCK, _inline)


def _plain(text: str) -> str:
    return html.unescape(text).replace("[", r"\[")


def _inline(text: str) -> str:
    return _split_code(text, _CODE_SPAN, _formatted)


def _split_code(text: str, code: re.Pattern[str], outside: Callable[[str], str]) -> str:
    """Show each match of `code` verbatim in cyan and pass the text between them to `outside`."""
    pieces: list[str] = []
    last = 0
    for match in code.finditer(text):
        pieces.append(outside(text[last : match.start()]))
        pieces.append(f"[cyan]{_plain(match.group(1))}[/cyan]")
        last = match.end()
    pieces.append(outside(text[last:]))
    return "".join(pieces)


def _formatted(text: str) -> str:
    text = text.replace("[", r"\[")
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _MENTION.sub(lambda m: f"{m.group(1)}{m.group(3) or m.group(2)}", text)
    text = _BOLD.sub(lambda m: f"[bold]{m.group(1)}[/bold]", text)
    text = _ITALIC.sub(lambda m: f"[italic]{m.group(1)}[/italic]", text)
    return html.unescape(text)


def _text_of(element: dict[str, Any] | None) -> str:
    if not element:
        return ""
    raw = str(element.get("text", ""))
    return mrkdwn_to_rich(raw) if element.get("type") == "mrkdwn" else raw.replace("[", r"\[")


class BlockRenderer:
    """Turn blocks into lines, numbering the buttons it meets across messages."""

    def __init__(self) -> None:
        self.buttons: dict[int, Button] = {}
        self._next = 1

    def render(
        self,
        blocks: list[dict[str, Any]] | None,
        fallback: str = "",
        *,
        channel: str | None = None,
        message_ts: str | None = None,
    ) -> list[str]:
        """Return the display lines of a message."""
        if not blocks:
            return [mrkdwn_to_rich(fallback)] if fallback else []
        lines: list[str] = []
        for block in blocks:
            lines.extend(self._block(block, channel, message_ts))
        return lines

    def _block(self, block: dict[str, Any], channel: str | None, ts: str | None) -> list[str]:
        kind = block.get("type")
        if kind == "header":
            return [f"[bold underline]{_text_of(block.get('text'))}[/]"]
        if kind == "divider":
            return ["─" * 40]
        if kind == "section":
            out = [_text_of(block.get("text"))] if block.get("text") else []
            # Slack shows a field's label above its value, in columns; one line each reads best.
            out += [f"  {_text_of(f).replace(chr(10), '  ')}" for f in block.get("fields") or []]
            accessory = block.get("accessory")
            if accessory and accessory.get("type") == "button":
                out.append(self._button(accessory, block, channel, ts))
            return out
        if kind == "context":
            parts = [_text_of(e) for e in block.get("elements") or [] if e.get("type") != "image"]
            return [f"[dim]{'  '.join(parts)}[/dim]"]
        if kind == "actions":
            return [
                "  ".join(
                    self._button(e, block, channel, ts)
                    for e in block.get("elements") or []
                    if e.get("type") == "button"
                )
            ]
        if kind == "image":
            return [f"[image: {block.get('alt_text', '')}]"]
        if kind == "rich_text":
            return ["[rich text]"]
        return []

    def _button(
        self, element: dict[str, Any], block: dict[str, Any], channel: str | None, ts: str | None
    ) -> str:
        number = self._next
        self._next += 1
        self.buttons[number] = Button(
            number=number,
            label=str((element.get("text") or {}).get("text", "?")),
            action_id=str(element.get("action_id", "")),
            block_id=str(block.get("block_id", "")),
            value=str(element.get("value", "")),
            channel=channel,
            message_ts=ts,
        )
        return f"[reverse] {number}: {_text_of(element.get('text'))} [/reverse]"


@dataclass(frozen=True)
class ModalField:
    """One input of a modal, as the shell prompts for it."""

    block_id: str
    action_id: str
    label: str
    kind: str
    optional: bool
    options: tuple[tuple[str, str], ...]  # (value, label)
    initial: str


def modal_fields(view: dict[str, Any]) -> list[ModalField]:
    """List a modal's input blocks in order."""
    fields: list[ModalField] = []
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        options = tuple(
            (str(o.get("value")), str((o.get("text") or {}).get("text", o.get("value"))))
            for o in element.get("options") or []
        )
        initial = element.get("initial_value") or (element.get("initial_option") or {}).get("value")
        fields.append(
            ModalField(
                block_id=str(block.get("block_id")),
                action_id=str(element.get("action_id")),
                label=str((block.get("label") or {}).get("text", block.get("block_id"))),
                kind=str(element.get("type")),
                optional=bool(block.get("optional")),
                options=options,
                initial=str(initial or ""),
            )
        )
    return fields


def state_value(field: ModalField, answer: str) -> dict[str, Any]:
    """Build the `view.state.values` entry Slack would send for `answer`."""
    if field.kind in ("static_select", "external_select"):
        label = dict(field.options).get(answer, answer)
        chosen = {"text": {"type": "plain_text", "text": label}, "value": answer}
        return {"type": field.kind, "selected_option": chosen if answer else None}
    if field.kind == "multi_static_select":
        values = [v.strip() for v in answer.split(",") if v.strip()]
        labels = dict(field.options)
        return {
            "type": field.kind,
            "selected_options": [
                {"text": {"type": "plain_text", "text": labels.get(v, v)}, "value": v}
                for v in values
            ],
        }
    if field.kind == "users_select":
        return {"type": field.kind, "selected_user": answer or None}
    if field.kind == "conversations_select":
        return {"type": field.kind, "selected_conversation": answer or None}
    if field.kind == "channels_select":
        return {"type": field.kind, "selected_channel": answer or None}
    if field.kind == "datepicker":
        return {"type": field.kind, "selected_date": answer or None}
    if field.kind == "number_input":
        return {"type": field.kind, "value": answer or None}
    return {"type": field.kind, "value": answer or None}
