"""pytest fixtures for eventsub-mock, registered through the `pytest11` entry point.

    async def test_follow(eventsub_server): ...      # a MockServer on a free port, per test
    def test_sync(eventsub_server_sync): ...         # a MockServerThread, for sync code
    @pytest.mark.eventsub(require_subscription=True, manual_clock=True)
    async def test_strict(eventsub_server): ...      # any MockServer option, per test

    async def test_fast(eventsub_shared_server): ...     # one server for the session, reset
    def test_fast_sync(eventsub_shared_server_sync): ... # after each test (sync and async)

`eventsub_server` runs under pytest-asyncio, in strict mode (the test marked `asyncio`) as in
auto mode, and under anyio's plugin (tests marked `anyio`). The shared fixtures are sync
fixtures over a server on its own thread: they need no async plugin and no particular event
loop scope.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

try:
    import pytest_asyncio
except ImportError:  # pytest-asyncio is optional: anyio's plugin runs the fixture too
    pytest_asyncio = None

_NO_ASYNC_PLUGIN = (
    "eventsub_server is an async fixture and no async plugin runs this test. Install "
    'pytest-asyncio and mark the test @pytest.mark.asyncio (or set asyncio_mode = "auto"), '
    "or use anyio's plugin and mark the test @pytest.mark.anyio. Sync tests take "
    "eventsub_server_sync or eventsub_shared_server_sync."
)

_SHARED_NO_OPTIONS = (
    "{name} is one server for the whole session, so @pytest.mark.eventsub(...) options cannot "
    "apply to it; use eventsub_server (or eventsub_server_sync) for per-test options, or "
    "override the eventsub_session_options fixture to configure the shared server"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "eventsub(**options): MockServer options for the eventsub_server fixtures "
        "(e.g. require_subscription=True, reconnect_grace=0.5, manual_clock=True)",
    )


def _server_options(raw: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {"port": 0, **raw}
    if options.pop("manual_clock", False):
        from ..clock import ManualClock

        options["clock"] = ManualClock()
    return options


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("eventsub"))):
        merged.update(marker.kwargs)
    return _server_options(merged)


# --- eventsub_server: per test, in the test's event loop ------------------------------------------


async def _running_server(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    from .server import MockServer

    async with MockServer(**_options(request)) as server:
        yield server


# Two registrations of the same generator, one per plugin, because the plugins disagree about
# who runs a fixture: pytest-asyncio runs every fixture made with `pytest_asyncio.fixture`, even
# for an anyio test (in its own loop, where the server would never be served), while in strict
# mode it leaves plain async fixtures alone, which is what anyio's plugin needs.
@pytest.fixture
async def _eventsub_server_anyio(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    async for server in _running_server(request):
        yield server


if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def _eventsub_server_asyncio(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
        async for server in _running_server(request):
            yield server


@pytest.fixture
def eventsub_server(request: pytest.FixtureRequest) -> Any:
    """A running `MockServer` in the test's event loop, on a free port.

    A sync fixture that picks the registration the plugin running the test will run in the
    test's own loop; a test no plugin runs gets a message saying what to install or mark.
    """
    # anyio's plugin adds `anyio_backend` to the tests it runs (those marked `anyio`).
    if "anyio_backend" in request.fixturenames:
        return request.getfixturevalue("_eventsub_server_anyio")
    # pytest-asyncio runs the tests that carry its marker; in auto mode it marks every async test.
    if (
        pytest_asyncio is not None
        and request.config.pluginmanager.has_plugin("asyncio")
        and request.node.get_closest_marker("asyncio") is not None
    ):
        return request.getfixturevalue("_eventsub_server_asyncio")
    pytest.fail(_NO_ASYNC_PLUGIN, pytrace=False)


@pytest.fixture
def eventsub_server_sync(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A running `MockServerThread`: the server in a background thread, methods that block."""
    from .threaded import MockServerThread

    with MockServerThread(**_options(request)) as server:
        yield server


# --- the shared server: one per session, reset between tests --------------------------------------


@pytest.fixture(scope="session")
def eventsub_session_options() -> dict[str, Any]:
    """MockServer options for the shared server; override it in a conftest.py to change them
    (the same names as the `eventsub` marker's, `manual_clock=True` included)."""
    return {}


# The shared server's token table at start; the tokens a test adds are dropped after it.
@pytest.fixture(scope="session")
def eventsub_server_session(
    request: pytest.FixtureRequest, eventsub_session_options: dict[str, Any]
) -> Iterator[Any]:
    """The shared `MockServerThread`, started once for the session and never reset by itself.

    On its own thread with its own loop, so that it serves whatever loop (or none) a test runs
    in; the per-test fixtures below hand it out and reset it.
    """
    from .threaded import MockServerThread

    with MockServerThread(**_server_options(eventsub_session_options)) as thread:
        yield thread


def _shared(request: pytest.FixtureRequest, name: str) -> Iterator[Any]:
    if request.node.get_closest_marker("eventsub") is not None:
        pytest.fail(_SHARED_NO_OPTIONS.format(name=name), pytrace=False)
    thread = request.getfixturevalue("eventsub_server_session")
    # Reset before as well as after: a test that used eventsub_server_session directly may have
    # left state behind, and each test is promised a clean server. The tokens a test added are
    # its own state too.
    thread.reset(tokens=True)
    try:
        yield thread
    finally:
        thread.reset(tokens=True)


@pytest.fixture
def eventsub_shared_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The shared server for async tests, clean for each test: the `MockServer` API (awaitable
    where MockServer's is) over `eventsub_server_session`. Sync, so it needs no async plugin
    and works whatever the test's loop scope."""
    from .threaded import AsyncView

    for thread in _shared(request, "eventsub_shared_server"):
        yield AsyncView(thread)


@pytest.fixture
def eventsub_shared_server_sync(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The shared `MockServerThread` for sync tests, clean for each test."""
    yield from _shared(request, "eventsub_shared_server_sync")
