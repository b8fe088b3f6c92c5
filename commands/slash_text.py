"""Reading slash-command text: quotes, `key:value`, Slack's escaped mentions, and numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from commands.mrkdwn import escape_clip
from integrations.errors import UsageError

_CHANNEL = re.compile(r"^<#(?P<id>[CGD][A-Z0-9]+)(?:\|(?P<name>[^>]*))?>$")
_USER = re.compile(r"^<@(?P<id>[UW][A-Z0-9]+)(?:\|(?P<name>[^>]*))?>$")
_USERGROUP = re.compile(r"^<!subteam\^(?P<id>S[A-Z0-9]+)(?:\|(?P<name>[^>]*))?>$")
_KEY = re.compile(r"^(?P<key>[a-zA-Z][a-zA-Z0-9_-]*):(?P<value>.*)$", re.DOTALL)
_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’"}
# Row ids fit PostgreSQL's INTEGER; a bigger "id" names nothing and must not reach a query.
MAX_ROW_ID = 2**31 - 1


@dataclass(frozen=True)
class Mention:
    """A channel, user or user group as Slack delivered it (id known) or as typed (name)."""

    kind: str  # "channel" | "user" | "usergroup"
    id: str | None
    name: str | None


@dataclass
class ParsedText:
    """Positional words and `key:value` options of a command's text, in order."""

    words: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)


def tokenize(text: str) -> list[str]:
    """Split on whitespace, keeping quoted runs (straight or curly quotes) together."""
    tokens: list[str] = []
    current: list[str] = []
    quote_end: str | None = None
    in_token = False
    for char in text:
        if quote_end is not None:
            if char == quote_end:
                quote_end = None
            else:
                current.append(char)
        elif char in _QUOTES:
            quote_end = _QUOTES[char]
            in_token = True
        elif char.isspace():
            if in_token:
                tokens.append("".join(current))
                current, in_token = [], False
        else:
            current.append(char)
            in_token = True
    if quote_end is not None:
        raise UsageError("A quote is not closed.")
    if in_token:
        tokens.append("".join(current))
    return tokens


def parse_text(text: str) -> ParsedText:
    """Split into words and `key:value` options (a repeated key is an error)."""
    parsed = ParsedText()
    for token in tokenize(text):
        match = _KEY.match(token)
        if match and not token.startswith(("<", "http")):
            key = match["key"].lower()
            if key in parsed.options:
                raise UsageError(f"`{key}:` is given twice.")
            parsed.options[key] = match["value"]
        else:
            parsed.words.append(token)
    return parsed


def parse_mention(token: str) -> Mention | None:
    """Read `<#C…|name>`, `<@U…|name>`, `<!subteam^S…>`, `#name` or `@name`; else None."""
    for kind, pattern in (("channel", _CHANNEL), ("user", _USER), ("usergroup", _USERGROUP)):
        match = pattern.match(token)
        if match:
            return Mention(kind=kind, id=match["id"], name=match["name"] or None)
    if token.startswith("#") and len(token) > 1:
        return Mention(kind="channel", id=None, name=token[1:])
    if token.startswith("@") and len(token) > 1:
        return Mention(kind="user", id=None, name=token[1:])
    return None


def parse_count(text: str, field: str, lo: int, hi: int, *, usage: str = "") -> int:
    """Read a whole number from `lo` to `hi` written in ASCII digits; else a UsageError.

    `str.isdigit()` and `int()` accept "²", "٣" or fullwidth digits, and a 20-digit number
    overflows the database's integers: only 0-9, and only as many as `hi` has.
    """
    raw = text.strip()
    # Say what was typed (escaped, short) so the user sees which word was wrong.
    typed = f"`{escape_clip(raw, 30)}`: " if raw else ""
    if not (raw.isascii() and raw.isdigit()):
        raise UsageError(f"{typed}{field} must be a whole number from {lo} to {hi}.", usage=usage)
    if len(raw.lstrip("0")) > len(str(hi)) or not lo <= int(raw) <= hi:
        raise UsageError(f"{typed}{field} must be from {lo} to {hi}.", usage=usage)
    return int(raw)


def parse_row_id(text: str, what: str, *, usage: str = "") -> int:
    """Read an item number such as `12` or `#12` (what the lists show)."""
    return parse_count(text.strip().removeprefix("#"), what, 1, MAX_ROW_ID, usage=usage)
