"""Running check-ins: claim each fire time once, catch up after downtime, post and retry.

The claim table (`digest_run`, unique on schedule and fire time) is the authority. Whoever
inserts the row posts; replicas that lose the insert do nothing. A run is moved to
`posting` by compare-and-set right before the Slack call, so two processes never post the
same run, and a run whose answer was lost is looked up in the channel before any repost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from commands.checkins.digest_build import build_digest
from commands.checkins.recurrence import Recurrence, recurrence_from_spec
from commands.digest import DigestSource
from storage import checkins as store
from storage.engine import SessionFactory, off_loop, unit_of_work
from storage.vendors import Vendor

log = logging.getLogger("opsbot.checkins")

CLAIM_LEASE = timedelta(minutes=10)  # a claimer that has not posted by then is presumed dead
STALE_POSTING = timedelta(minutes=10)
MAX_ATTEMPTS = 8
MAX_LOOKBACK = timedelta(days=31)  # older fire times are not even recorded as missed
# Rows one catch-up writes at most per kind (missed, coalesced): an every-minute check-in back
# from a month down would otherwise insert 44,640 of them. Only the newest fire is ever posted.
MAX_RECORDED_FIRES = 100
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class PostOutcome:
    """What Slack said to one post: posted, rejected for good, retry later, or unknown."""

    kind: str  # "posted" | "rejected" | "retry" | "unsure"
    ts: str | None = None
    error: str | None = None
    retry_after: float | None = None


class DigestPoster(Protocol):
    """Delivers digests to channels (the Slack side lives in `delivery`)."""

    def slot(self, channel: str) -> AbstractAsyncContextManager[None]:
        """Hold the channel's turn under its rate limit."""
        ...

    async def post(self, *, channel: str, message: dict[str, Any], run_id: int) -> PostOutcome:
        """Post once, tagged with the run id."""
        ...

    async def find_posted(self, *, channel: str, run_id: int, since: datetime) -> str | None:
        """Return the ts of the run's message if it is already in the channel."""
        ...


class CheckinRunner:
    """Claims, catches up and delivers check-in digests; every method takes `now`."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        sources: Sequence[DigestSource],
        poster: DigestPoster,
        grace: timedelta,
        clock: Clock,
        instance: str,
    ) -> None:
        self.sessions = sessions
        self.sources = sources
        self.poster = poster
        self.grace = grace
        self.clock = clock
        self.instance = instance
        # Told when schedules change, so an in-process scheduler re-reads them at once.
        self.change_listeners: list[Callable[[], None]] = []

    def schedules_changed(self) -> None:
        """Tell listeners (the scheduler) that the schedule table changed."""
        for listener in self.change_listeners:
            listener()

    def reconcile(self, *, now: datetime, schedule_ids: Sequence[int] | None = None) -> list[int]:
        """Claim every fire time due by `now`; return the ids of runs this process must post."""
        with unit_of_work(self.sessions) as session:
            schedules = store.list_schedules(session, active_only=True)
        wanted = [s for s in schedules if schedule_ids is None or s.id in schedule_ids]
        to_post: list[int] = []
        for schedule in wanted:
            to_post.extend(self._reconcile_one(schedule, now=now))
        return to_post

    def _reconcile_one(self, schedule: store.CheckinSchedule, *, now: datetime) -> list[int]:
        recurrence = recurrence_from_spec(schedule.spec, schedule.timezone)
        with unit_of_work(self.sessions) as session:
            last = store.last_fire_time(session, schedule.id or 0)
        since = max(schedule.effective_from, last or schedule.effective_from, now - MAX_LOOKBACK)
        fires = _fires_to_record(recurrence, since=since, now=now, grace=self.grace)
        claimed: list[int] = []
        for index, fire in enumerate(fires):
            latest = index == len(fires) - 1
            late = now - fire > self.grace
            if late:
                status = store.RUN_MISSED
            else:
                # Several runs due at once (long downtime) are coalesced into the newest.
                status = store.RUN_CLAIMED if latest else store.RUN_COALESCED
            with unit_of_work(self.sessions) as session:
                run = store.claim_run(
                    session,
                    schedule=schedule,
                    fire_time=fire,
                    status=status,
                    claimed_by=self.instance,
                    lease_until=now + CLAIM_LEASE if status == store.RUN_CLAIMED else None,
                )
            if run is not None and status == store.RUN_CLAIMED and run.id is not None:
                claimed.append(run.id)
            elif run is not None and status == store.RUN_MISSED:
                log.warning("check-in %s missed its run at %s", schedule.id, fire.isoformat())
        return claimed

    def resumable(self, *, now: datetime) -> list[int]:
        """Return runs due another attempt (retries, lost answers, abandoned claims)."""
        with unit_of_work(self.sessions) as session:
            runs = store.runs_to_resume(session, now=now, stale_before=now - STALE_POSTING)
        return [r.id for r in runs if r.id is not None]

    async def tick(self, *, now: datetime | None = None) -> list[str]:
        """Claim what is due, resume what is pending, deliver it all; return the outcomes."""
        moment = now or self.clock()
        # The claims are many small blocking transactions: keep them off the event loop.
        run_ids = await off_loop(self.sessions, self.reconcile, now=moment)
        resumable = await off_loop(self.sessions, self.resumable, now=moment)
        run_ids += [r for r in resumable if r not in run_ids]
        return await self.deliver_many(run_ids, now=moment)

    async def deliver_many(self, run_ids: Sequence[int], *, now: datetime) -> list[str]:
        """Deliver runs concurrently; the poster keeps each channel under its rate limit."""
        results = await asyncio.gather(
            *(self.deliver(r, now=now) for r in run_ids), return_exceptions=True
        )
        outcomes: list[str] = []
        for run_id, result in zip(run_ids, results, strict=True):
            if isinstance(result, BaseException):
                log.error("digest run %s failed", run_id, exc_info=result)
                outcomes.append("error")
            else:
                outcomes.append(result)
        return outcomes

    async def run_now(self, *, schedule_id: int, now: datetime) -> str:
        """Claim and post a manual run of the schedule now."""
        with unit_of_work(self.sessions) as session:
            schedule = store.get_schedule(session, schedule_id)
            if schedule is None:
                return "gone"
            run = store.claim_run(
                session,
                schedule=schedule,
                fire_time=now.replace(microsecond=0),
                manual=True,
                claimed_by=self.instance,
                lease_until=now + CLAIM_LEASE,
            )
        if run is None or run.id is None:
            return "duplicate"
        return await self.deliver(run.id, now=now)

    async def deliver(self, run_id: int, *, now: datetime | None = None) -> str:
        """Post one claimed run unless someone else holds it; return the run's new status."""
        with unit_of_work(self.sessions) as session:
            run = session.get(store.DigestRun, run_id)
            channel = run.channel_id if run is not None else ""
        if run is None:
            return "gone"
        async with self.poster.slot(channel):
            return await self._deliver_in_slot(run_id, now=now or self.clock())

    async def _deliver_in_slot(self, run_id: int, *, now: datetime) -> str:
        # Database work runs in a worker thread so command handling on the loop never waits.
        prepared = await off_loop(self.sessions, self._prepare, run_id, now)
        if isinstance(prepared, str):
            return prepared
        taken, message, vendor_id, look_first = prepared
        if look_first:
            found = await self.poster.find_posted(
                channel=taken.channel_id, run_id=run_id, since=taken.created_at
            )
            if found is not None:
                outcome = PostOutcome("posted", ts=found)
                return await off_loop(self.sessions, self._finish, taken, outcome, now, vendor_id)
        outcome = await self.poster.post(channel=taken.channel_id, message=message, run_id=run_id)
        return await off_loop(self.sessions, self._finish, taken, outcome, now, vendor_id)

    def _prepare(
        self, run_id: int, now: datetime
    ) -> str | tuple[store.DigestRun, dict[str, Any], int, bool]:
        """Take the run (compare-and-set to posting) and build its digest; or say why not."""
        with unit_of_work(self.sessions) as session:
            run = session.get(store.DigestRun, run_id)
            if run is None or not _takeable(run, now):
                return run.status if run is not None else "gone"
            look_first = run.status in (store.RUN_UNSURE, store.RUN_POSTING)
            taken = store.take_run(session, run=run, expected_status=run.status, now=now)
            if taken is None:
                return "taken"
            schedule = store.get_schedule(session, taken.schedule_id)
            vendor = session.get(Vendor, schedule.vendor_id) if schedule else None
            if schedule is None or vendor is None:
                store.finish_run(
                    session,
                    run=taken,
                    status=store.RUN_FAILED,
                    now=now,
                    error="schedule or vendor removed",
                )
                return store.RUN_FAILED
            vendor_id = vendor.id or 0
            try:
                content = build_digest(
                    session=session,
                    sources=self.sources,
                    vendor=vendor,
                    now=now if taken.manual else taken.fire_time,
                    timezone=schedule.timezone,
                )
            except Exception as exc:
                # Recorded so the run backs off and shows in /checkin list; then raised so
                # the scheduler logs the traceback.
                self._finish(taken, PostOutcome("retry", error=f"digest: {exc!r}"), now, 0)
                raise
        return taken, content.message, vendor_id, look_first

    def _finish(
        self, run: store.DigestRun, outcome: PostOutcome, now: datetime, vendor_id: int
    ) -> str:
        with unit_of_work(self.sessions) as session:
            run = session.merge(run)
            if outcome.kind == "posted":
                store.close_topics(session, vendor_id=vendor_id, run_id=run.id or 0, upto=now)
                store.finish_run(
                    session, run=run, status=store.RUN_POSTED, now=now, posted_ts=outcome.ts
                )
                return store.RUN_POSTED
            if outcome.kind == "rejected" or run.attempts >= MAX_ATTEMPTS:
                store.finish_run(
                    session, run=run, status=store.RUN_FAILED, now=now, error=outcome.error
                )
                return store.RUN_FAILED
            backoff = timedelta(seconds=min(30 * 2 ** (run.attempts - 1), 1800))
            if outcome.retry_after:
                backoff = max(backoff, timedelta(seconds=outcome.retry_after))
            status = store.RUN_UNSURE if outcome.kind == "unsure" else store.RUN_RETRY
            store.finish_run(
                session,
                run=run,
                status=status,
                now=now,
                error=outcome.error,
                next_attempt_at=now + backoff,
            )
            return status


def _fires_to_record(
    recurrence: Recurrence, *, since: datetime, now: datetime, grace: timedelta
) -> list[datetime]:
    """Return the fire times in (since, now] to record: all of them, unless there are many.

    Then the oldest missed ones (beyond grace) and the newest ones within grace are kept,
    MAX_RECORDED_FIRES of each, so the run to post is still the newest fire time.
    """
    late_until = max(since, now - grace)
    late = recurrence.between(since, late_until, limit=MAX_RECORDED_FIRES)
    if len(late) == MAX_RECORDED_FIRES:
        log.warning("check-in fired more than %s times while down; recording the first", len(late))
    # The window within grace holds at most grace / 1 minute fire times: cheap to enumerate.
    recent = recurrence.between(late_until, now)[-MAX_RECORDED_FIRES:]
    return late + recent


def _takeable(run: store.DigestRun, now: datetime) -> bool:
    if run.status == store.RUN_POSTING:
        return run.updated_at < now - STALE_POSTING
    if run.status == store.RUN_CLAIMED:
        return True
    return run.status in store.PENDING_STATUSES and (
        run.next_attempt_at is None or run.next_attempt_at <= now
    )
