"""Wire check-ins into a runtime: the "topics" digest section and the digest runner."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import Any

from commands.checkins.delivery import ChannelDispatcher, SlackDigestPoster
from commands.checkins.runner import CheckinRunner
from commands.checkins.topics import TopicsSource
from integrations.slack_api import make_slack_client


def build_checkin_runner(runtime: Any) -> CheckinRunner:
    """Build the runner with its own non-retrying Slack client and channel dispatcher."""
    settings = runtime.settings
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    # No automatic retries: a 5xx after the message was stored must not post it twice; the
    # runner checks the channel history before a retry instead.
    client = make_slack_client(
        token=token, base_url=settings.slack_api_url, metrics=runtime.metrics, max_retries=0
    )
    poster = SlackDigestPoster(client, ChannelDispatcher(per_second=1.0))
    return CheckinRunner(
        sessions=runtime.sessions,
        sources=runtime.digest_sources,
        poster=poster,
        grace=timedelta(hours=settings.opsbot_catchup_grace_hours),
        # Read per call, so tests (and the shell) can put a controllable clock in the runtime.
        clock=lambda: runtime.clock(),
        instance=f"{socket.gethostname()}:{os.getpid()}"[:64],
    )


def install_checkins(runtime: Any) -> CheckinRunner:
    """Add the "topics" digest section and the runner that posts digests (`/checkin run`)."""
    runtime.digest_sources.append(TopicsSource())
    runner = build_checkin_runner(runtime)
    runtime.checkin_runner = runner
    return runner
