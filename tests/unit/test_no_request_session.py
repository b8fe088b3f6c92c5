"""No listener takes a request-wide database session (database work runs on the worker pool),
nor the whole Settings (a family takes its own config)."""

from __future__ import annotations

import inspect

from sqlalchemy.engine import Engine

from bot.app import create_app
from bot.runtime import build_runtime
from bot.settings import Settings


def test_no_listener_asks_for_a_request_session(engine: Engine, settings: Settings) -> None:
    app = create_app(build_runtime(settings, engine=engine), verify_requests=False)
    listeners = app._async_listeners  # Bolt keeps the registered listeners here
    assert len(listeners) > 20
    offenders = [
        f"{listener.ack_function.__module__}.{listener.ack_function.__qualname__}"
        for listener in listeners
        if "db" in inspect.signature(listener.ack_function).parameters
    ]
    assert offenders == []


def test_no_listener_takes_the_whole_settings(engine: Engine, settings: Settings) -> None:
    runtime = build_runtime(settings, engine=engine)
    app = create_app(runtime, verify_requests=False)
    assert "settings" not in runtime.context_items()
    offenders = [
        f"{listener.ack_function.__module__}.{listener.ack_function.__qualname__}"
        for listener in app._async_listeners  # Bolt keeps the registered listeners here
        if "settings" in inspect.signature(listener.ack_function).parameters
    ]
    assert offenders == []
