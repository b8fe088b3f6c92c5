"""Placeholder replaced below."""
from typing import Any


def install_summary(runtime: Any, desk: Any) -> None:
    """Install the weekly team summary."""
