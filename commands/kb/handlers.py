"""`/kb` handler: parse, call the service on a worker thread, answer."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from commands.kb import service
from commands.kb.config import KbConfig
from commands.kb.parsing import parse_kb_text
from commands.kb.views import article_was_cut, render_answer
from commands.mrkdwn import clip, escape_clip
from commands.permissions import Permissions
from commands.subcommands import Clock, slash_request
from integrations.slack_directory import SlackDirectory
from storage.engine import SessionFactory, in_worker
from storage.kb import KbArticle


async def handle_kb(
    ack: AsyncAck,
    command: dict[str, Any],
    sessions: SessionFactory,
    permissions: Permissions,
    kb_config: KbConfig,
    directory: SlackDirectory,
    clock: Clock,
    client: AsyncWebClient,
    background: Any,
    respond: AsyncRespond,
) -> None:
    """Answer `/kb QUERY`, `/kb ARTICLE-ID [diff]` and `/kb stale [all]`."""
    asked = await slash_request(
        command,
        sessions=sessions,
        permissions=permissions,
        clock=clock,
        timezone=kb_config.timezone,
    )
    request = parse_kb_text(asked.text)
    if request.kind == "help":
        await ack(response_type="ephemeral", text=f"```\n{service.KB_USAGE}\n```")
        return
    owners: set[str] | None = None
    if request.kind == "stale" and not request.everyone:
        email = await directory.user_email(asked.user_id)
        owners = {asked.user_id} | ({email} if email else set())
    review_days = kb_config.review_days
    answer = await in_worker(
        sessions,
        lambda session: service.answer_kb(
            session=session,
            scope=asked.actor.scope,
            request=request,
            today=asked.today,
            review_days=review_days,
            owners=owners,
        ),
    )
    rendered = render_answer(answer, request, today=asked.today, review_days=review_days)
    await ack(**rendered)
    if answer.article is not None and article_was_cut(rendered):
        # Block Kit holds only part of a long article: the whole text follows by DM.
        background.spawn(
            "kb.article.file",
            _send_as_file(client, asked.user_id, answer.article),
            report=_reporter(respond),
        )


def _send_as_file(client: AsyncWebClient, user_id: str, article: KbArticle) -> Any:
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


def _reporter(respond: AsyncRespond) -> Any:
    async def report(message: str) -> None:
        await respond(text=message, response_type="ephemeral", replace_original=False)

    return report
