"""Asking the questions: a sweep DMs each counterpart once before the digest, and nudges once.

Every `ASK_SECONDS` the scheduler's sweep finds check-ins whose next digest is within the
lead time, and DMs each counterpart (the vendor's mapped members, and its user group) the
questions with an Answer button. A prompt is a unique row per (schedule, fire time, user), so
replicas ask once. Halfway through the lead time an unanswered counterpart is reminded once.
The time in the DM is the counterpart's own (`users.info` tz).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from commands.checkin_questions.service import (
    DueAsk,
    PostedDigest,
    due_asks,
    posted_with_answers,
    unanswered_to_nudge,
)
from commands.checkin_questions.views import answer_lines, ask_message
from commands.mrkdwn import clip_mrkdwn
from integrations.slack_directory import SlackDirectory
from storage.checkin_questions import (
    CheckinPrompt,
    claim_prompt,
    claim_prompt_nudge,
    question_set,
    release_prompt,
)
from storage.engine import SessionFactory, in_worker
from storage.surfaces import claim_nudge, release_nudge
from storage.vendors import vendor_by_slug_or_name

log = logging.getLogger("opsbot.checkin_questions")
ASK_JOB = "checkin-questions"
ASK_SECONDS = 60.0


@dataclass
class CheckinAsker:
    """Sends the question DMs and the one reminder."""

    sessions: SessionFactory
    slack: Any  # the bot's AsyncWebClient
    directory: SlackDirectory
    timezone: str
    clock: Callable[[], datetime]

    async def _zone(self, user_id: str) -> ZoneInfo:
        try:
            return ZoneInfo(str((await self.directory.user(user_id)).get("tz") or self.timezone))
        except (SlackApiError, ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(self.timezone)

    async def _counterparts(self, ask: DueAsk) -> list[str]:
        users = list(ask.user_ids)
        if ask.group_id:
            try:
                users.extend(sorted(await self.directory.usergroup_members(ask.group_id)))
            except SlackApiError as exc:
                log.warning("group %s unreadable: %s", ask.group_id, exc.response.get("error"))
        return list(dict.fromkeys(users))

    async def _dm(
        self, prompt: CheckinPrompt, vendor_name: str, questions: list[str], *, reminder: bool
    ) -> None:
        local = prompt.fire_time.astimezone(await self._zone(prompt.user_id))
        message = ask_message(
            prompt_id=prompt.id or 0,
            vendor_name=vendor_name,
            questions=questions,
            local_fire=local,
            reminder=reminder,
        )
        await self.slack.chat_postMessage(channel=prompt.user_id, **message)

    async def _ask(self, ask: DueAsk, user_id: str) -> bool:
        def claim(session: Session) -> CheckinPrompt | None:
            return claim_prompt(
                session,
                schedule_id=ask.schedule_id,
                fire_time=ask.fire_time,
                vendor_slug=ask.vendor_slug,
                user_id=user_id,
            )

        prompt = await in_worker(self.sessions, claim)
        if prompt is None:
            return False
        try:
            await self._dm(prompt, ask.vendor_name, list(ask.questions), reminder=False)
        except SlackApiError as exc:
            log.warning("questions not sent to %s: %s", user_id, exc.response.get("error"))
            await in_worker(self.sessions, lambda s: release_prompt(s, prompt.id or 0))
            return False
        return True

    async def _remind(self, prompt: CheckinPrompt, now: datetime) -> bool:
        def claim(session: Session) -> tuple[str, list[str]] | None:
            if not claim_prompt_nudge(session, prompt_id=prompt.id or 0, now=now):
                return None
            vendor = vendor_by_slug_or_name(session, prompt.vendor_slug)
            qset = question_set(session, prompt.schedule_id)
            name = vendor.name if vendor is not None else prompt.vendor_slug
            return name, list(qset.questions) if qset is not None else []

        claimed = await in_worker(self.sessions, claim)
        if claimed is None:
            return False
        try:
            await self._dm(prompt, claimed[0], claimed[1], reminder=True)
        except SlackApiError as exc:  # nudged once, by design: not retried
            log.warning("reminder not sent to %s: %s", prompt.user_id, exc.response.get("error"))
            return False
        return True

    async def _post_answers(self, digest: PostedDigest, now: datetime) -> bool:
        run_key = str(digest.run_id)

        def claim(session: Session) -> bool:
            return claim_nudge(
                session, rule="answers_thread", item_key=run_key, slot=0, target="", now=now
            )

        def release(session: Session) -> None:
            release_nudge(session, rule="answers_thread", item_key=run_key, slot=0)

        if not await in_worker(self.sessions, claim):
            return False
        text = "*From the vendor*\n" + "\n".join(answer_lines(list(digest.rows)))
        try:
            await self.slack.chat_postMessage(
                channel=digest.channel_id, thread_ts=digest.ts, text=clip_mrkdwn(text, 3500)
            )
        except SlackApiError as exc:
            log.warning("answers thread not posted: %s", exc.response.get("error"))
            await in_worker(self.sessions, release)
            return False
        return True

    async def _thread_answers(self, now: datetime) -> int:
        """Post each answered digest's answers once as a thread under it."""
        posted = await in_worker(self.sessions, lambda s: posted_with_answers(session=s, now=now))
        sent = 0
        for digest in posted:
            sent += await self._post_answers(digest, now)
        return sent

    async def sweep(self, now: datetime) -> int:
        """Scheduler step: ask who is due, remind who is silent, thread the answers."""
        sent = 0
        for ask in await in_worker(self.sessions, lambda s: due_asks(session=s, now=now)):
            for user_id in await self._counterparts(ask):
                sent += await self._ask(ask, user_id)
        for prompt in await in_worker(
            self.sessions, lambda s: unanswered_to_nudge(session=s, now=now)
        ):
            sent += await self._remind(prompt, now)
        return sent + await self._thread_answers(now)


def install_checkin_questions(runtime: Any) -> CheckinAsker:
    """Add the "From the vendor" digest section and the asking sweep on the scheduler."""
    from commands.checkin_questions.digest import VendorAnswersSource

    runtime.digest_sources.append(VendorAnswersSource())
    asker = CheckinAsker(
        sessions=runtime.sessions,
        slack=runtime.slack,
        directory=runtime.directory,
        timezone=runtime.team_config.timezone,
        clock=lambda: runtime.clock(),
    )
    runtime.checkin_asker = asker
    scheduler = runtime.checkin_scheduler
    if scheduler is not None:
        scheduler.add_recurring(ASK_JOB, asker.sweep, every_seconds=ASK_SECONDS)
    return asker
