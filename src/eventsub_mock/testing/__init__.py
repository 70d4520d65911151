"""What tests use: `MockServer` (the whole mock in the running event loop), `MockServerThread`
(the same on a background thread, for code that is not async), the waits behind
`wait_for_*`, and the pytest plugin. They load on first use, so that the pytest plugin costs
a project nothing until a test asks for a server."""

from __future__ import annotations

from .. import lazy_attributes

TYPE_CHECKING = False

__all__ = ["MockServer", "MockServerThread", "RecordedRequest", "WaitTimeout"]

if TYPE_CHECKING:
    from .server import MockServer, RecordedRequest
    from .threaded import MockServerThread
    from .waiters import WaitTimeout

_LAZY = {
    "MockServer": "server",
    "RecordedRequest": "server",
    "MockServerThread": "threaded",
    "WaitTimeout": "waiters",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
