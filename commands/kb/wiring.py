"""Wire the knowledge base and training rollouts into a runtime."""

from __future__ import annotations

from typing import Any

from commands.kb.digest import KbDigestSource


def install_kb(runtime: Any) -> None:
    """Add the stale-articles digest section and the training rollout jobs."""
    from commands.training.wiring import install_training

    review_days = runtime.settings.opsbot_kb_review_days
    runtime.digest_sources.append(KbDigestSource(review_days=review_days))
    install_training(runtime)
