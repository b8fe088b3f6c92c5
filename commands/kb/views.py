"""Block Kit for the knowledge base: search results, an article, a diff, stale lists."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from commands.kb.parsing import KbRequest
from commands.kb.service import SEARCH_HINT, ArticleDiff, Found, KbAnswer
from commands.mrkdwn import clip, escape, escape_clip
from storage.kb import KbArticle
from storage.kb_search import MARK_END, MARK_START

SECTION_MAX = 3000  # Block Kit: characters in one section's text
TEXT_MAX = 3000  # the notification fallback kept short
BODY_SECTIONS = 12  # an article shows at most this many sections of text
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def highlighted(snippet: str, limit: int = 600) -> str:
    """Escape a snippet and turn the engine's markers into bold, matched words only."""
    parts: list[str] = []
    for index, piece in enumerate(re.split(f"[{MARK_START}{MARK_END}]", snippet)):
        cleaned = " ".join(escape(piece).split("\n"))
        # The engine alternates: outside, inside, outside… so odd pieces are matched words.
        parts.append(f"*{cleaned.strip()}*" if index % 2 and cleaned.strip() else cleaned)
    return clip("".join(parts), limit)


def markdown_to_mrkdwn(text: str) -> str:
    """Escape Markdown text and map its headings and bold to Slack's mrkdwn."""
    escaped = escape(text)
    escaped = _HEADING.sub(lambda m: f"*{m.group(1)}*", escaped)
    return _BOLD.sub(lambda m: f"*{m.group(1)}*", escaped)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_MAX)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_MAX)}]}


def article_ref(article: KbArticle) -> str:
    """Return "*Title* `path` · area · v3" for one article (escaped)."""
    return (
        f"*{escape_clip(article.title, 200)}*  `{escape_clip(article.path, 200)}`"
        f" · {escape(article.area)} · v{article.version}"
    )


def owner_text(owner: str) -> str:
    """Show a Slack owner as a mention, an e-mail owner as text."""
    return f"<@{owner}>" if "@" not in owner else escape(owner)


def render_search(query: str, area: str | None, results: list[Found]) -> dict[str, Any]:
    """Return the ranked results, snippets with the matched words in bold."""
    where = f" in area {escape(area)}" if area else ""
    asked = escape_clip(query, 100)
    if not results:
        text = f"No articles match “{asked}”{where}. {SEARCH_HINT}"
        return {"response_type": "ephemeral", "text": text}
    blocks: list[dict[str, Any]] = [_section(f"*{len(results)} best matches* for “{asked}”{where}")]
    for found in results:
        blocks.append(_section(f"{article_ref(found.article)}\n{highlighted(found.hit.snippet)}"))
    blocks.append(_context("Open one with `/kb ARTICLE-ID`."))
    fallback = f"{len(results)} articles match “{asked}”{where}: " + ", ".join(
        escape(f.article.path) for f in results
    )
    return {"response_type": "ephemeral", "text": clip(fallback, TEXT_MAX), "blocks": blocks}


def body_sections(body: str) -> tuple[list[dict[str, Any]], bool]:
    """Split an article's text into sections on paragraph breaks; True when it was cut."""
    chunks: list[str] = []
    current = ""
    for paragraph in markdown_to_mrkdwn(body).split("\n\n"):
        while len(paragraph) > SECTION_MAX - 10:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(paragraph[: SECTION_MAX - 10])
            paragraph = paragraph[SECTION_MAX - 10 :]
        if current and len(current) + len(paragraph) + 2 > SECTION_MAX - 10:
            chunks.append(current)
            current = paragraph
        else:
            current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        chunks.append(current)
    cut = len(chunks) > BODY_SECTIONS
    return [_section(c) for c in chunks[:BODY_SECTIONS]], cut


def render_article(article: KbArticle, *, stale: bool) -> dict[str, Any]:
    """Return the article: title, its facts, and its text (long ones cut, with a note)."""
    facts = [
        f"`{escape_clip(article.path, 200)}`",
        f"area {escape(article.area)}",
        f"owner {owner_text(article.owner)}",
        f"reviewed {article.reviewed.isoformat()}" + (" :warning: due for review" if stale else ""),
        f"v{article.version}",
    ]
    if article.vendors:
        facts.append("vendors " + escape(", ".join(article.vendors)))
    if article.tags:
        facts.append("tags " + escape(", ".join(article.tags)))
    if article.retired_at is not None:
        facts.append(f"*retired* {article.retired_at:%Y-%m-%d}: its file was removed")
    sections, cut = body_sections(article.body)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": escape_clip(article.title, 150)},
        },
        _context(" · ".join(facts)),
        *sections,
    ]
    if cut:
        blocks.append(
            _context(
                f"The article goes on ({len(article.body):,} characters): the whole text is "
                f"sent to you as a file, and it is in `{escape_clip(article.path, 200)}`."
            )
        )
    return {
        "response_type": "ephemeral",
        "text": clip(f"{escape(article.title)} ({escape(article.path)}, v{article.version})", 500),
        "blocks": blocks,
    }


def article_was_cut(answer: dict[str, Any]) -> bool:
    """Tell whether `render_article` had to leave part of the text out."""
    blocks = answer.get("blocks") or []
    return bool(blocks) and "The article goes on" in str(blocks[-1])


def diff_text(diff: ArticleDiff, limit: int) -> str:
    """Return the diff's changed lines as a code block (escaped, cut to `limit`)."""
    if not diff.lines:
        return ""
    body = escape("\n".join(diff.lines).replace("```", "ˋˋˋ"))
    return "```\n" + clip(body, max(0, limit - 8)) + "\n```"


def render_diff(diff: ArticleDiff) -> dict[str, Any]:
    """Return what changed in the article's latest version."""
    head = f"{article_ref(diff.article)}\n{escape(diff.summary)}"
    code = diff_text(diff, SECTION_MAX)
    blocks = [_section(head)] + ([_section(code)] if code else [])
    return {"response_type": "ephemeral", "text": clip(head, TEXT_MAX), "blocks": blocks}


def stale_line(article: KbArticle, *, today: date) -> str:
    """Return one line: the article, its owner and how long since its review."""
    days = (today - article.reviewed).days
    return f"• {article_ref(article)} — {owner_text(article.owner)}, reviewed {days} days ago"


def render_stale(
    articles: list[KbArticle], *, today: date, review_days: int, mine: bool
) -> dict[str, Any]:
    """Return the articles due for review."""
    who = "Your articles" if mine else "Articles"
    if not articles:
        return {
            "response_type": "ephemeral",
            "text": f"{who}: none is overdue for review (every {review_days} days).",
        }
    lines = [stale_line(a, today=today) for a in articles[:40]]
    if len(articles) > 40:
        lines.append(f"_and {len(articles) - 40} more_")
    head = f"*{who} not reviewed in {review_days} days* ({len(articles)})"
    text = clip(head + "\n" + "\n".join(lines), SECTION_MAX)
    return {"response_type": "ephemeral", "text": text, "blocks": [_section(text)]}


def render_answer(
    answer: KbAnswer, request: KbRequest, *, today: date, review_days: int
) -> dict[str, Any]:
    """Return the reply for whichever kind of `/kb` answer the service gave."""
    if answer.kind == "stale":
        mine = not request.everyone
        return render_stale(answer.stale, today=today, review_days=review_days, mine=mine)
    if answer.diff is not None:
        return render_diff(answer.diff)
    if answer.article is not None:
        return render_article(answer.article, stale=answer.article_stale)
    return render_search(request.words, request.area, answer.results)
