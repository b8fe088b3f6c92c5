"""Tokenising slash-command text: quotes, options and Slack's escaped mentions."""

from __future__ import annotations

import pytest

from commands.mrkdwn import escape
from commands.slash_text import (
    Mention,
    parse_count,
    parse_mention,
    parse_row_id,
    parse_text,
    tokenize,
)
from integrations.errors import UsageError


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", []),
        ("week vendor:acme", ["week", "vendor:acme"]),
        (
            'sev2 impersonation "Brand account cloned"',
            ["sev2", "impersonation", "Brand account cloned"],
        ),
        ("vendor:“Acme BPO” tz:Asia/Manila", ["vendor:Acme BPO", "tz:Asia/Manila"]),
        ('every:"mon 09:00"', ["every:mon 09:00"]),
        ('""', [""]),
        ("  spaced   out  ", ["spaced", "out"]),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_unclosed_quote_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="quote"):
        tokenize('sev2 "never closed')


def test_options_and_words_are_separated() -> None:
    parsed = parse_text('week Vendor:acme,globex "two words" queue:"account security"')
    assert parsed.words == ["week", "two words"]
    assert parsed.options == {"vendor": "acme,globex", "queue": "account security"}


def test_repeated_option_is_refused() -> None:
    with pytest.raises(UsageError, match="twice"):
        parse_text("vendor:a vendor:b")


def test_links_and_mentions_are_not_options() -> None:
    parsed = parse_text("see https://example.com/x <#C012|ops>")
    assert parsed.options == {}
    assert parsed.words == ["see", "https://example.com/x", "<#C012|ops>"]


@pytest.mark.parametrize(
    ("token", "mention"),
    [
        ("<#C0123ABC|acme-idops>", Mention("channel", "C0123ABC", "acme-idops")),
        ("<#C0123ABC>", Mention("channel", "C0123ABC", None)),
        ("<@U0456|alice>", Mention("user", "U0456", "alice")),
        ("<@W0456>", Mention("user", "W0456", None)),
        ("<!subteam^S0789|@leads>", Mention("usergroup", "S0789", "@leads")),
        ("#acme-idops", Mention("channel", None, "acme-idops")),
        ("@alice", Mention("user", None, "alice")),
        ("alice", None),
        ("#", None),
    ],
)
def test_parse_mention(token: str, mention: Mention | None) -> None:
    assert parse_mention(token) == mention


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("a & b", "a &amp; b"),
        ("<https://evil|click>", "&lt;https://evil|click&gt;"),
        ("bell\x07", "bell"),
    ],
)
def test_mrkdwn_escape(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


@pytest.mark.parametrize(
    "typed", ["²", "٣", "３", "-1", "1.5", "", " ", "0x1", "1e3", "9" * 20, "#"]
)
def test_counts_are_ascii_digits_in_range(typed: str) -> None:
    with pytest.raises(UsageError):
        parse_row_id(typed, "The item's number")


def test_counts_in_range_are_read() -> None:
    assert parse_row_id("#12", "The item's number") == 12
    assert parse_count(" 007 ", "N", 1, 10) == 7
    with pytest.raises(UsageError, match="from 1 to 10"):
        parse_count("11", "N", 1, 10)
