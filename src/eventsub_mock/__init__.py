"""eventsub-mock: a local mock of Twitch's EventSub WebSocket service.

The server and its dependencies load on first use, so that `eventsub-mock trigger` and other
control commands start with the standard library alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["ManualClock", "MockServer", "ServerConfig", "SystemClock", "__version__"]

if TYPE_CHECKING:
    from .clock import ManualClock, SystemClock
    from .config import ServerConfig
    from .server import MockServer

_LAZY = {
    "MockServer": "server",
    "ManualClock": "clock",
    "SystemClock": "clock",
    "ServerConfig": "config",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'eventsub_mock' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)
