"""`/kb` handler: parse, call the service, answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.kb import service
from commands.kb.parsing import parse_kb_text
from commands.kb.views import (
    article_was_cut,
    render_article,
    render_diff,
    render_search,
    render_stale,
)
from commands.mrkdwn import clip, escape_clip
from commands.scope import scope_for_channel
from integrations.slack_directory import SlackDirectory
from storage.kb import KbArticle

Clock = Callable[[], datetime]


def team_today(clock: Clock, timezone: str) -> date:
    """Return today's date in the team's time zone."""
    return clock().astimezone(ZoneInfo(timezone)).date()


async def handle_kb(
    ack: Any,
    command: dict[str, Any],
    db: Session,
    settings: Any,
    directory: SlackDirectory,
    clock: Clock,
    client: Any,
    background: Any,
    respond: Any,
) -> None:
    """Answer `/kb QUERY`, `/kb ARTICLE-ID [diff]` and `/kb stale [all]`."""
    request = parse_kb_text(command.get("text", ""))
    scope = scope_for_channel(db, command.get("channel_id"))
    review_days = int(settings.opsbot_kb_review_days)
    today = team_today(clock, settings.opsbot_timezone)
    if request.kind == "help":
        await ack(response_type="ephemeral", text=f"```\n{service.KB_USAGE}\n```")
        return
    if request.kind == "stale":
        user_id = str(command["user_id"])
        owners: set[str] | None = None
        if not request.everyone:
            email = await directory.user_email(user_id)
            owners = {user_id} | ({email} if email else set())
        rows = service.stale_articles(
            session=db, scope=scope, today=today, review_days=review_days, owners=owners
        )
        mine = owners is not None
        await ack(**render_stale(rows, today=today, review_days=review_days, mine=mine))
        return
    article = service.find_article(db, scope, request.words) if request.maybe_id else None
    if request.kind == "diff":
        article = service.require_article(db, scope, request.words)
        await ack(**render_diff(service.article_diff(session=db, article=article)))
        return
    if article is not None:
        stale = article.reviewed < service.stale_cutoff(today, review_days)
        answer = render_article(article, stale=stale)
        await ack(**answer)
        if article_was_cut(answer):
            # Block Kit holds only part of a long article: the whole text follows by DM.
            background.spawn(
                "kb.article.file",
                _send_as_file(client, str(command["user_id"]), article),
                report=_reporter(respond),
            )
        return
    results = service.search(session=db, scope=scope, query=request.words, area=request.area)
    await ack(**render_search(request.words, request.area, results))


def _send_as_file(client: Any, user_id: str, article: KbArticle) -> Any:
    async def job(_session: Session) -> None:
        opened = await client.conversations_open(users=user_id)
        await client.files_upload_v2(
            channel=opened["channel"]["id"],
            content=article.body,
            filename=PurePosixPath(article.path).name or "article.md",
            title=clip(article.title, 200),
            initial_comment=(
                f"The whole article `{escape_clip(article.path, 200)}`, v{article.version}."
            ),
        )

    return job


def _reporter(respond: Any) -> Any:
    async def report(message: str) -> None:
        await respond(text=message, response_type="ephemeral", replace_original=False)

    return report
