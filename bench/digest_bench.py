"""Digest fan-out benchmark: 200 check-ins due in the same minute, Slack's real rate limits.

    python bench/digest_bench.py [--digests 200] [--channels 50] [--database-url URL]

LocalSlack answers 429 + Retry-After above 1 chat.postMessage per second per channel (the
limit Slack documents). The floor is what those limits allow at best: the busiest channel
needs (digests in it − 1) seconds after its first post. While the digests go out, a
`/opsbot help` command is dispatched every 100 ms through the real Bolt app, to show that
command handling is not blocked. Prints one figure per line.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from bot.app import create_app
from bot.offline.slack import LocalSlack
from bot.offline.slack_requests import slash_command, to_bolt_request
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from commands.checkins.runner import CheckinRunner
from commands.checkins.service import add_checkin
from storage.engine import unit_of_work
from storage.migrate import upgrade_database

TOKEN = "xoxb-bench-0123456789"  # noqa: S105 - only sent to the in-process LocalSlack
SECRET = "bench-signing-secret-0123456789"  # noqa: S105
FIRE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def seed(runtime: Runtime, *, digests: int, channels: list[str]) -> None:
    """Create `digests` check-ins, all firing Monday 09:00 UTC, spread over `channels`."""
    with unit_of_work(runtime.sessions) as session:
        for index in range(digests):
            add_checkin(
                session=session,
                vendor_text=f"Vendor {index:03d}",
                channel_id=channels[index % len(channels)],
                every="mon 09:00",
                cron=None,
                timezone="UTC",
                default_timezone="UTC",
                slug=f"v{index:03d}",
                bind=False,
                created_by="U0ADMIN",
                now=FIRE - timedelta(days=1),
            )


async def probe_commands(runtime: Runtime, stop: asyncio.Event) -> list[float]:
    """Dispatch `/opsbot help` every 100 ms until `stop`; return the latencies in ms."""
    app = create_app(runtime)
    latencies: list[float] = []
    while not stop.is_set():
        request = to_bolt_request(
            *slash_command(
                "/opsbot",
                "help",
                secret=SECRET,
                user_id="U0BENCH",
                channel_id="C0OPS",
                response_url="http://x/",
            )
        )
        started = time.perf_counter()
        response = await app.async_dispatch(request)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status == 200
        await asyncio.sleep(0.1)
    return latencies


async def run(digests: int, channel_count: int, database_url: str | None) -> None:
    """Seed, fire everything at once, and print the figures."""
    with tempfile.TemporaryDirectory() as tmp, LocalSlack(token=TOKEN) as local:
        channels = [f"C0B{index:04d}" for index in range(channel_count)]
        for channel in channels:
            local.add_channel(channel, channel.lower())
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            slack_bot_token=SecretStr(TOKEN),
            slack_signing_secret=SecretStr(SECRET),
            slack_api_url=local.api_url,
            database_url=database_url or f"sqlite:///{Path(tmp) / 'bench.db'}",
            opsbot_scheduler="off",
        )
        runtime = build_runtime(settings)
        upgrade_database(runtime.engine)
        seed(runtime, digests=digests, channels=channels)
        local.rate_limit("chat.postMessage", 1.0)
        runner: CheckinRunner = runtime.checkin_runner
        stop = asyncio.Event()
        probe = asyncio.create_task(probe_commands(runtime, stop))
        started = time.perf_counter()
        outcomes = await runner.tick(now=FIRE + timedelta(seconds=1))
        elapsed = time.perf_counter() - started
        stop.set()
        latencies = await probe
        await runtime.aclose()
        posts = [c for c in local.calls_to("chat.postMessage") if not c.faulted]
        refused = [c for c in local.calls_to("chat.postMessage") if c.faulted]
        per_channel = Counter(str(c.args.get("channel")) for c in posts)
        floor = max(per_channel.values()) - 1 if per_channel else 0
        print(f"digests due at once        {digests}")
        print(f"channels                   {channel_count}")
        print(f"outcomes                   {dict(Counter(outcomes))}")
        print(f"messages posted            {len(posts)} (duplicates: {len(posts) - digests})")
        print(f"429 answers                {len(refused)}")
        print(f"time to deliver all        {elapsed:.2f} s")
        print(f"floor from 1 msg/s/channel {floor:.2f} s (busiest channel: {floor + 1} digests)")
        print(f"overhead over floor        {elapsed - floor:.2f} s")
        print(f"throughput                 {digests / elapsed:.1f} digests/s")
        if latencies:
            p50 = statistics.median(latencies)
            print(
                f"/opsbot help during fan-out p50 {p50:.1f} ms, "
                f"max {max(latencies):.1f} ms over {len(latencies)} commands"
            )


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, default=200)
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(run(args.digests, args.channels, args.database_url))


if __name__ == "__main__":
    main()
