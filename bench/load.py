"""Fire signed slash commands at a server over a pooled connection and time each answer."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.offline.slack_requests import slash_command

MintResponseUrl = Callable[[], str]


@dataclass(frozen=True)
class SlashCommand:
    """A slash command as typed: `/opsbot help` is command `/opsbot`, text `help`."""

    command: str
    text: str

    @classmethod
    def parse(cls, typed: str) -> SlashCommand:
        """Split what a user types into the command and its text."""
        command, _, rest = typed.strip().partition(" ")
        if not command.startswith("/"):
            raise ValueError(f"{typed!r} is not a slash command (it must start with /)")
        return cls(command, rest.strip())

    def __str__(self) -> str:
        return f"{self.command} {self.text}".strip()


@dataclass
class Tally:
    """Latencies (ms) of answered requests, errors, and a few error samples."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    # The server process's CPU time (all threads) per answered request, when measured.
    cpu_ms_per_request: float | None = None

    @property
    def requests(self) -> int:
        """Return how many requests were sent."""
        return len(self.latencies_ms) + self.errors

    @property
    def rps(self) -> float:
        """Return requests answered per second (errors excluded)."""
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def percentile(self, p: float) -> float:
        """Return the nearest-rank `p`th percentile latency in ms (NaN when nothing answered)."""
        if not self.latencies_ms:
            return math.nan
        ordered = sorted(self.latencies_ms)
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1]

    def error(self, sample: str) -> None:
        """Count one failed request and keep the first few descriptions."""
        self.errors += 1
        if len(self.samples) < 5:
            self.samples.append(sample)


@dataclass(frozen=True)
class LoadPlan:
    """Where to send what: URL, signing secret, commands (round-robin), who types them."""

    url: str
    secret: str
    commands: tuple[SlashCommand, ...]
    response_url: MintResponseUrl
    user_id: str = "U0ADMIN"
    channel_id: str = "C0OPS"


async def run_load(
    plan: LoadPlan, *, concurrency: int, requests: int | None, seconds: float | None = None
) -> Tally:
    """Send `requests` commands (or keep going for `seconds`) with `concurrency` in flight."""
    tally = Tally()
    issued = 0
    deadline = None if seconds is None else time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)

    def next_index() -> int | None:
        nonlocal issued
        if requests is not None and issued >= requests:
            return None
        if deadline is not None and time.monotonic() >= deadline:
            return None
        issued += 1
        return issued - 1

    async def worker(client: aiohttp.ClientSession) -> None:
        while (index := next_index()) is not None:
            await _one(client, plan, plan.commands[index % len(plan.commands)], tally)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        tally.elapsed_s = time.perf_counter() - started
    return tally


async def _one(
    client: aiohttp.ClientSession, plan: LoadPlan, command: SlashCommand, tally: Tally
) -> None:
    body, signed = slash_command(
        command.command,
        command.text,
        secret=plan.secret,
        user_id=plan.user_id,
        channel_id=plan.channel_id,
        response_url=plan.response_url(),
    )
    headers: dict[str, Any] = dict(signed)
    started = time.perf_counter()
    try:
        async with client.post(plan.url, data=body.encode(), headers=headers) as answer:
            payload = await answer.read()
            status = answer.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        tally.error(f"{command}: {type(exc).__name__}: {exc}")
        return
    elapsed_ms = (time.perf_counter() - started) * 1000
    if status != 200:
        tally.error(f"{command}: HTTP {status}: {payload[:200]!r}")
        return
    tally.latencies_ms.append(elapsed_ms)
