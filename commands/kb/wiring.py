"""Wire the knowledge base into a runtime: its stale-articles digest section."""

from __future__ import annotations

from typing import Any

from commands.kb.digest import KbDigestSource


def install_kb(runtime: Any) -> None:
    """Add the stale-articles digest section."""
    review_days = runtime.settings.opsbot_kb_review_days
    runtime.digest_sources.append(KbDigestSource(review_days=review_days))
