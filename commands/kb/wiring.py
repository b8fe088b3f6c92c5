"""Wire the knowledge base into a runtime: its stale-articles digest section."""

from __future__ import annotations

from typing import Any

from commands.kb.config import KbConfig
from commands.kb.digest import KbDigestSource


def install_kb(runtime: Any) -> None:
    """Add the stale-articles digest section."""
    config: KbConfig = runtime.kb_config
    runtime.digest_sources.append(KbDigestSource(review_days=config.review_days))
