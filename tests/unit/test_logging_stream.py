"""Logs go to the stderr of the moment: a swapped-out, closed stderr breaks no later record."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from bot.logging_setup import configure_logging


def test_a_record_after_stderr_was_swapped_and_closed_reaches_the_new_stderr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure_logging(level="INFO")
    first.close()  # what a CLI runner does with the stream it lent
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    failures: list[BaseException | None] = []
    monkeypatch.setattr(logging, "raiseExceptions", True)
    monkeypatch.setattr(
        logging.Handler, "handleError", lambda self, record: failures.append(sys.exc_info()[1])
    )
    logging.getLogger("opsbot.test").warning("event loop stalled for %d ms", 422)
    assert failures == []
    assert "event loop stalled for 422 ms" in second.getvalue()
