"""Jira text made safe: wiki markup escaping, `[text|url]` links, Lucene text for `summary ~`.

Everything a user typed reaches Jira through one of these, so that it shows as typed and can
never become a link, a macro, a mention or a wildcard.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# Characters that start or end wiki markup: effects (*_+^~?-), macros ({}), links and
# mentions ([]), tables (|), lists and numbering (#), images (!).
_WIKI_SPECIAL = re.compile(r"[\\{}\[\]|*_+^~?\-#!]")
# A backslash escapes the next character; a typed one before an escaped character would
# undo our escape (`\` + `\[` reads as a line break and a live `[`). Jira has no escape for
# the backslash itself, so it goes out as an HTML entity (what pandoc's Jira writer does).
_BACKSLASH = "&#92;"
# C0 controls (tab and newline kept) and DEL: never meaningful in Jira text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# RFC 3986 characters a URL may carry as they are; everything else is percent-encoded,
# among them the wiki's `[ ] | { }`, spaces and non-ASCII.
_URL_SAFE = ":/?#@!$&'()*+,;=%-._~"
_HOST_LABEL = re.compile(r"^[A-Za-z0-9-]{1,63}$")
# Lucene's special characters inside a text search (`summary ~ "…"`): wildcards, operators,
# grouping, fuzzy/boost, field separator, quotes, the escape itself.
_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^~*?:\\/"])')
_LUCENE_OPERATORS = re.compile(r"\b(AND|OR|NOT|TO)\b")
_NOFORMAT = re.compile(r"\{noformat[^}]*\}", re.IGNORECASE)


def wiki_escape(text: str) -> str:
    """Escape Jira wiki markup so user text shows as typed (no macros, links or mentions)."""
    return _WIKI_SPECIAL.sub(_escape_one, _CONTROL.sub("", text))


def _escape_one(match: re.Match[str]) -> str:
    return _BACKSLASH if match[0] == "\\" else "\\" + match[0]


def noformat_block(text: str) -> list[str]:
    """Return the lines of a `{noformat}` block holding `text`, which cannot close it early."""
    inner = _NOFORMAT.sub("(noformat)", _CONTROL.sub("", text))
    return ["{noformat}", inner, "{noformat}"]


def safe_url(text: str) -> str | None:
    """Return `text` as a normalised http(s) URL, or None when it is not one.

    Refused: other schemes, no host, a user name or password (`https://jira.corp@evil…`
    reads as one host and goes to another), a bad port. Characters a URL may not carry
    unencoded (`|`, `[`, `]`, `{`, `}`, spaces…) are percent-encoded, as a browser would.
    """
    candidate = _CONTROL.sub("", text).strip()
    if any(c.isspace() for c in candidate):
        return None
    try:
        parts = urlsplit(candidate)
        port = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return None
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = ascii_host.removesuffix(".").split(".")
    if len(ascii_host) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        return None
    netloc = ascii_host if port is None else f"{ascii_host}:{port}"
    rest = candidate[len(parts.scheme) + 3 + len(parts.netloc) :]
    return f"{parts.scheme.lower()}://{netloc}{quote(rest, safe=_URL_SAFE)}"


def wiki_link(url: str, text: str | None = None) -> str:
    """Render `[text|url]`; a URL that is not http(s) comes out as plain, escaped text."""
    target = safe_url(url)
    if target is None:
        return wiki_escape(url)
    return f"[{wiki_escape(text if text is not None else target)}|{target}]"


def lucene_text(text: str) -> str:
    """Return search words for `summary ~`: wildcards, operators and specials made literal.

    The result still goes through `jql_quote`, which doubles each backslash: the JQL string
    then carries `\\*`, which Lucene reads as a literal `*` (Atlassian's documented escape).
    """
    cleaned = " ".join(_CONTROL.sub("", text).split())
    escaped = _LUCENE_SPECIAL.sub(r"\\\1", cleaned)
    # Upper-case AND/OR/NOT/TO are operators to Lucene; lower case they are plain words.
    return _LUCENE_OPERATORS.sub(lambda m: m[1].lower(), escaped)
