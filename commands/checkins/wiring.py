"""Wire check-ins into a runtime: the "topics" digest section and the digest runner."""

from __future__ import annotations

import os
import socket
from typing import Any

from commands.checkins.config import CheckinsConfig
from commands.checkins.delivery import ChannelDispatcher, SlackDigestPoster
from commands.checkins.runner import CheckinRunner
from commands.checkins.topics import TopicsSource


def build_checkin_runner(runtime: Any) -> CheckinRunner:
    """Build the runner on the non-retrying Slack client, with its own channel dispatcher."""
    config: CheckinsConfig = runtime.checkins_config
    # No automatic retries: a 5xx after the message was stored must not post it twice; the
    # runner checks the channel history before a retry instead.
    poster = SlackDigestPoster(runtime.slack_once, ChannelDispatcher(per_second=1.0))
    return CheckinRunner(
        sessions=runtime.sessions,
        sources=runtime.digest_sources,
        poster=poster,
        grace=config.grace,
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
