"""eventsub-mock: a local mock of Twitch's EventSub WebSocket service.

The server and its dependencies load on first use, so that `eventsub-mock trigger` and other
control commands start with the standard library alone.
"""

from __future__ import annotations

# Not `typing.TYPE_CHECKING`: importing typing costs the CLI more than the rest of it.
TYPE_CHECKING = False

__version__ = "0.1.0"

__all__ = ["ManualClock", "MockServer", "ServerConfig", "SystemClock", "__version__"]

if TYPE_CHECKING:
    from collections.abc import Callable

    from .clock import ManualClock, SystemClock
    from .config import ServerConfig
    from .testing.server import MockServer

_LAZY = {
    "MockServer": "testing.server",
    "ManualClock": "clock",
    "SystemClock": "clock",
    "ServerConfig": "config",
}


def lazy_attributes(package: str, table: dict[str, str]) -> Callable[[str], object]:
    """A module `__getattr__` that imports `table[name]` (a submodule of `package`) on first
    use of `name`."""

    def get(name: str) -> object:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        from importlib import import_module

        return getattr(import_module(f".{module}", package), name)

    return get


__getattr__ = lazy_attributes(__name__, _LAZY)
