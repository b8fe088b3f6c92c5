"""Logging configuration with a filter that keeps tokens and secrets out of every record."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from contextvars import ContextVar

# The id of the Slack request being handled, so every log line of one request can be found.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# Slack tokens, bearer/basic credentials and our own secret values never reach a log line.
_TOKEN_PATTERNS = (
    re.compile(r"xox[abpersi]-[A-Za-z0-9-]+"),
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
)


class RedactSecrets(logging.Filter):
    """Replace known secret values and token-shaped strings with `[redacted]`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Return `text` with every secret removed."""
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        for pattern in _TOKEN_PATTERNS:
            text = pattern.sub(
                lambda m: (m.group(1) + "[redacted]") if m.lastindex else "[redacted]", text
            )
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message (and traceback text) without secrets."""
        record.request_id = request_id_var.get()
        message = record.getMessage()
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to whatever `sys.stderr` is at the time of the record, not at configuration.

    A CLI run inside another program (a test runner, an embedding shell) may swap stderr and
    close the old one; a handler bound to that stream would then fail on every later record.
    """

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        """Ignore the stream StreamHandler's constructor (and setStream) hand over."""


def configure_logging(*, level: str = "INFO", secrets: Iterable[str] = ()) -> RedactSecrets:
    """Send logs to stderr through the redacting filter; return the filter."""
    redactor = RedactSecrets(secrets)
    handler = _CurrentStderr()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")
    )
    handler.addFilter(redactor)
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_opsbot", False):
            root.removeHandler(existing)
    handler._opsbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # Migration chatter on every start says nothing an operator acts on.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return redactor
