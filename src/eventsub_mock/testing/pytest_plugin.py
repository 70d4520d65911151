"""pytest fixtures for eventsub-mock, registered through the `pytest11` entry point.

    async def test_follow(eventsub_server): ...      # a MockServer on a free port, per test
    def test_sync(eventsub_server_sync): ...         # a MockServerThread, for sync code
    @pytest.mark.eventsub(require_subscription=True, manual_clock=True)
    async def test_strict(eventsub_server): ...      # any MockServer option, per test

`eventsub_server` is an async fixture: it runs under pytest-asyncio (asyncio_mode = "auto", or
the test marked `asyncio`) and under anyio's plugin (tests marked `anyio`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "eventsub(**options): MockServer options for the eventsub_server fixtures "
        "(e.g. require_subscription=True, reconnect_grace=0.5, manual_clock=True)",
    )


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {"port": 0}
    for marker in reversed(list(request.node.iter_markers("eventsub"))):
        options.update(marker.kwargs)
    if options.pop("manual_clock", False):
        from ..clock import ManualClock

        options["clock"] = ManualClock()
    return options


@pytest.fixture
async def eventsub_server(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A running `MockServer` in the test's event loop, on a free port."""
    from .server import MockServer

    async with MockServer(**_options(request)) as server:
        yield server


@pytest.fixture
def eventsub_server_sync(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A running `MockServerThread`: the server in a background thread, methods that block."""
    from .threaded import MockServerThread

    with MockServerThread(**_options(request)) as server:
        yield server
