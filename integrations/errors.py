"""The project's own error types; `bot/errors.py` renders each one in a single place."""

from __future__ import annotations


class OpsbotError(Exception):
    """An error whose message is meant for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.user_message = message


class UsageError(OpsbotError):
    """The command text was not understood; the usage says what would be."""

    def __init__(self, message: str, *, usage: str = "") -> None:
        super().__init__(message)
        self.usage = usage


class NotAllowed(OpsbotError):
    """The user may not do this (admin-only, or out of a vendor channel's scope)."""


class NotFound(OpsbotError):
    """The thing named does not exist."""


class TrackerUnavailable(OpsbotError):
    """The issue tracker could not be reached; the work is kept and retried."""


class SlackUnavailable(OpsbotError):
    """The Slack Web API could not be reached after retries."""
