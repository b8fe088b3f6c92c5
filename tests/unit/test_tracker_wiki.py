"""Jira text helpers: what a typed URL, markup or search word turns into."""

from __future__ import annotations

import pytest

from integrations.tracker.base import IssueFilter, build_jql
from integrations.tracker.wiki import lucene_text, safe_url, wiki_escape, wiki_link


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("https://example.com/a", "https://example.com/a"),
        ("HTTP://Example.com:8080/x?q=1#f", "http://example.com:8080/x?q=1#f"),
        ("https://jira.corp/browse/ESC-1|https://evil.example", "https://jira.corp/browse/ESC-1%7Chttps://evil.example"),
        ("https://a.example/x]{y}", "https://a.example/x%5D%7By%7D"),
        ("https://bücher.de/ä", "https://xn--bcher-kva.de/%C3%A4"),
        ("https://a.example/%41", "https://a.example/%41"),
    ],
)  # fmt: skip
def test_http_urls_are_kept_and_normalised(typed: str, url: str) -> None:
    assert safe_url(typed) == url


@pytest.mark.parametrize(
    "typed",
    [
        "javascript:alert(1)",
        "ftp://x.example/",
        "https://",
        "https:///path",
        "https://jira.corp@evil.example/",
        "https://user:pw@x.example/",
        "https://a.example]{color:red}",
        "https://x.example:99999/",
        "https://x.example/a b",
        "https://exa_mple.com/",
        "https://" + "a" * 64 + ".example/",
    ],
)
def test_anything_else_is_refused(typed: str) -> None:
    assert safe_url(typed) is None


def test_wiki_escape_leaves_no_markup_and_no_way_to_undo_an_escape() -> None:
    assert wiki_escape("[a|b] {x} *y* ~z") == "\\[a\\|b\\] \\{x\\} \\*y\\* \\~z"
    # A typed backslash before a special character cannot re-open it.
    assert wiki_escape("\\[") == "&#92;\\["
    assert wiki_escape("a\x00b\x1bc") == "abc"


def test_wiki_link_escapes_the_text_and_encodes_the_url() -> None:
    assert wiki_link("https://a.example/x|y", "see [this]") == (
        "[see \\[this\\]|https://a.example/x%7Cy]"
    )
    assert wiki_link("javascript:alert(1)") == "javascript:alert(1)"


def test_search_text_has_no_live_wildcards_or_operators() -> None:
    assert lucene_text('Ref* ?x "q" a AND b') == 'Ref\\* \\?x \\"q\\" a and b'
    jql = build_jql(IssueFilter(project="ESC", text="a*"))
    assert 'summary ~ "a\\\\*"' in jql
