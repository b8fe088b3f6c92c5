"""Knowledge-base queries: find, search, compare versions, list articles due for review."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session

from commands.kb.article_files import clean_text
from commands.kb.parsing import KbRequest
from commands.mrkdwn import escape_clip
from commands.scope import ChannelScope
from integrations.errors import NotFound, UsageError
from storage.kb import (
    KbArticle,
    article_by_path,
    article_version,
    articles_by_ids,
    articles_reviewed_before,
)
from storage.kb_search import SearchHit, SearchSyntaxError, search_articles

KB_USAGE = "\n".join(
    (
        "/kb QUERY [area:AREA]        ranked search, best first",
        "/kb ARTICLE-ID               show an article (its id is its path)",
        "/kb ARTICLE-ID diff          what changed in its latest version",
        "/kb stale [all]              articles due for review (yours, or everyone's)",
    )
)
SEARCH_HINT = 'Try fewer or other words, a "quoted phrase", or drop `area:`.'
MAX_QUERY = 200


@dataclass(frozen=True)
class Found:
    """One search result: the article and its ranked, marked snippet."""

    article: KbArticle
    hit: SearchHit


@dataclass(frozen=True)
class ArticleDiff:
    """Lines added and removed between two versions, and the unified diff."""

    article: KbArticle
    old_version: int | None
    added: int
    removed: int
    lines: tuple[str, ...]
    version: int

    @property
    def summary(self) -> str:
        """Return e.g. "v2 → v3: +4 −1 lines"."""
        if self.old_version is None:
            return f"v{self.version}: first version"
        return f"v{self.old_version} → v{self.version}: +{self.added} −{self.removed} lines"


def visible(article: KbArticle, scope: ChannelScope) -> bool:
    """Tell whether a vendor channel may see an article (general, or meant for its vendor)."""
    if scope.vendor is None or not article.vendors:
        return True
    return scope.vendor.slug.lower() in [v.lower() for v in article.vendors]


def find_article(session: Session, scope: ChannelScope, text: str) -> KbArticle | None:
    """Return the article whose id is `text` (".md" may be left off), if this channel sees it."""
    wanted = text.strip().lstrip("/")
    for candidate in (wanted, f"{wanted}.md"):
        article = article_by_path(session, candidate)
        if article is not None and visible(article, scope):
            return article
    return None


def require_article(session: Session, scope: ChannelScope, text: str) -> KbArticle:
    """Return the article named `text` or raise NotFound."""
    article = find_article(session, scope, text)
    if article is None:
        raise NotFound(
            f"No article `{escape_clip(text, 80)}`. Search with `/kb WORDS` to find its id."
        )
    return article


def search(
    *, session: Session, scope: ChannelScope, query: str, area: str | None, limit: int = 8
) -> list[Found]:
    """Return the best matches, best first; a query the engine cannot read finds nothing."""
    if len(query) > MAX_QUERY:
        raise UsageError(f"Search with at most {MAX_QUERY} characters.", usage=KB_USAGE)
    vendor = scope.vendor.slug if scope.vendor is not None else None
    query = clean_text(query)
    try:
        hits = search_articles(
            session, query=query, area=area.lower() if area else None, vendor=vendor, limit=limit
        )
    except SearchSyntaxError:
        return []
    articles = articles_by_ids(session, [h.article_id for h in hits])
    return [Found(articles[h.article_id], h) for h in hits if h.article_id in articles]


def article_diff(
    *, session: Session, article: KbArticle, version: int | None = None
) -> ArticleDiff:
    """Compare one version (the latest by default) with the version before it."""
    version = version or article.version
    if version <= 1:
        return ArticleDiff(article, None, 0, 0, (), version)
    previous = article_version(session, article.id or 0, version - 1)
    current = article_version(session, article.id or 0, version)
    old_body = previous.body if previous is not None else ""
    new_body = current.body if current is not None else article.body
    diff = list(
        difflib.unified_diff(
            old_body.splitlines(),
            new_body.splitlines(),
            fromfile=f"v{version - 1}",
            tofile=f"v{version}",
            lineterm="",
            n=1,
        )
    )
    body = [line for line in diff if not line.startswith(("---", "+++"))]
    added = sum(1 for line in body if line.startswith("+"))
    removed = sum(1 for line in body if line.startswith("-"))
    return ArticleDiff(article, version - 1, added, removed, tuple(body), version)


def stale_cutoff(today: date, review_days: int) -> date:
    """Return the first review day that is still current."""
    return today - timedelta(days=review_days)


def stale_articles(
    *,
    session: Session,
    scope: ChannelScope,
    today: date,
    review_days: int,
    owners: set[str] | None = None,
) -> list[KbArticle]:
    """Return articles not reviewed within `review_days`, limited to `owners` when given."""
    rows = articles_reviewed_before(session, stale_cutoff(today, review_days))
    wanted = {o.lower() for o in owners} if owners is not None else None
    return [a for a in rows if visible(a, scope) and (wanted is None or a.owner.lower() in wanted)]


@dataclass(frozen=True)
class KbAnswer:
    """What `/kb` found: the stale list, a diff, one article, or search results."""

    kind: str  # "stale", "diff", "article" or "search"
    stale: list[KbArticle] = field(default_factory=list)
    diff: ArticleDiff | None = None
    article: KbArticle | None = None
    article_stale: bool = False
    results: list[Found] = field(default_factory=list)


def answer_kb(
    *,
    session: Session,
    scope: ChannelScope,
    request: KbRequest,
    today: date,
    review_days: int,
    owners: set[str] | None,
) -> KbAnswer:
    """Answer one parsed `/kb` request within the channel's scope."""
    if request.kind == "stale":
        rows = stale_articles(
            session=session, scope=scope, today=today, review_days=review_days, owners=owners
        )
        return KbAnswer("stale", stale=rows)
    if request.kind == "diff":
        article = require_article(session, scope, request.words)
        return KbAnswer("diff", diff=article_diff(session=session, article=article))
    found = find_article(session, scope, request.words) if request.maybe_id else None
    if found is not None:
        live = found.retired_at is None
        stale = live and found.reviewed < stale_cutoff(today, review_days)
        return KbAnswer("article", article=found, article_stale=stale)
    results = search(session=session, scope=scope, query=request.words, area=request.area)
    return KbAnswer("search", results=results)
