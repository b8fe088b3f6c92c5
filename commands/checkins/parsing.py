"""`/checkin` grammar: the usage text, schedule ids and channel options. Pure."""

from __future__ import annotations

from commands.mrkdwn import escape_clip
from commands.slash_text import Mention, ParsedText, parse_mention, parse_row_id
from integrations.errors import UsageError

CHECKIN_USAGE = "\n".join(
    (
        '/checkin add vendor:"Acme BPO" channel:#acme-idops every:"mon 09:00" tz:Asia/Manila',
        '/checkin add vendor:acme cron:"0 9 * * MON" [slug:acme] [bind:no]',
        "/checkin list",
        "/checkin preview VENDOR",
        "/checkin run VENDOR",
        "/checkin pause|resume|remove ID",
        '/checkin edit ID [every:"…" | cron:"…"] [tz:ZONE] [channel:#name]',
        "/checkin topic VENDOR TEXT",
    )
)


def word(parsed: ParsedText, index: int) -> str | None:
    """Return the `index`th word, or None when the command is shorter."""
    return parsed.words[index] if len(parsed.words) > index else None


def parse_schedule_id(text: str | None) -> int:
    """Read a schedule id such as `3` or `#3`."""
    if not (text or "").strip():
        raise UsageError("Give the check-in's number from `/checkin list`.", usage=CHECKIN_USAGE)
    return parse_row_id(text or "", "The check-in's number", usage=CHECKIN_USAGE)


def parse_channel(text: str) -> Mention:
    """Read a `channel:` option (`<#C…|name>`, `#name` or `name`); the name is looked up later."""
    mention = parse_mention(text) or parse_mention(f"#{text}")
    if mention is None or mention.kind != "channel":
        raise UsageError(f"`{escape_clip(text, 40)}` is not a channel.", usage=CHECKIN_USAGE)
    return mention
