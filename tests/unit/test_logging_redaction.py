"""Tokens and secrets never reach a log line, tracebacks included."""

from __future__ import annotations

import logging

import pytest

from bot.logging_setup import RedactSecrets


def test_known_secrets_and_token_shapes_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("opsbot.test.redaction")
    redactor = RedactSecrets(["jira-api-token-value"])
    logger.addFilter(redactor)
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("calling with %s and xoxb-1234-abcd", "jira-api-token-value")
            logger.info("headers {'Authorization': 'Bearer xapp-1-A0-123-abc'}")
            try:
                raise RuntimeError("auth failed for jira-api-token-value")
            except RuntimeError:
                logger.exception("jira call failed")
    finally:
        logger.removeFilter(redactor)
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "jira-api-token-value" not in text
    assert "xoxb-1234-abcd" not in text and "xapp-1-A0-123-abc" not in text
    assert text.count("[redacted]") >= 4
