"""Markdown for the uploaded proposal: Slack mrkdwn lines rewritten, typed text escaped.

Digest sections speak Slack's mrkdwn (`*bold*`, `_italic_`, `<url|label>`, `:emoji:`
codes); a `.md` file is read by Markdown renderers, which show those as stray marks.
`_italic_` means the same in both.
"""

from __future__ import annotations

import re

# The codes opsbot's own sections use; an unknown code is dropped rather than left as text.
EMOJI = {
    "rotating_light": "🚨",
    "chart_with_upwards_trend": "📈",
    "chart_with_downwards_trend": "📉",
    "warning": "⚠️",
    "white_check_mark": "✅",
    "x": "❌",
    "bulb": "💡",
    "dart": "🎯",
    "triangular_flag_on_post": "🚩",
    "memo": "📝",
}
_LINK = re.compile(r"<(https?://[^|>\s]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<(https?://[^|>\s]+)>")
_MENTION = re.compile(r"<([@#!])([A-Za-z0-9^]+)(?:\|([^>]+))?>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>:-])")


def mrkdwn_to_markdown(text: str) -> str:
    """Rewrite one Slack mrkdwn string as Markdown (entities such as `&lt;` stay valid)."""
    out = _LINK.sub(lambda m: f"[{m[2]}]({m[1]})", text)
    out = _BARE_LINK.sub(lambda m: m[1], out)
    out = _MENTION.sub(lambda m: (m[3] and f"{m[1]}{m[3]}") or f"{m[1]}{m[2]}", out)
    out = _BOLD.sub(r"**\1**", out)
    out = _STRIKE.sub(r"~~\1~~", out)
    return _EMOJI.sub(lambda m: EMOJI.get(m[1], ""), out).replace("  ", " ").strip()


def escape_markdown(text: str) -> str:
    """Escape typed text so Markdown shows it as typed (no emphasis, links or raw HTML)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return _MD_SPECIAL.sub(r"\\\1", escaped)
