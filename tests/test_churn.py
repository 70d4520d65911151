"""Churn (issue 7): 1,500 sessions through an in-process server, 300 at once, while events fire.

Sessions connect, subscribe (1-3 subscriptions, some deleted again) and end every way there is:
clean client closes, client aborts, server closes with each close code, server drops, and some
stay until the server stops. Triggers fire bursts all along (strict mode). The churn itself
lives in bench/churn.py (the benchmark runs it bigger, against a subprocess); this test adds
what only an in-process server shows: nothing logged, no task or socket left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import sys
from pathlib import Path

import pytest

from eventsub_mock import ManualClock, MockServer

ROOT = Path(__file__).resolve().parent.parent


def _load_churn():
    spec = importlib.util.spec_from_file_location(
        "eventsub_mock_bench_churn", ROOT / "bench" / "churn.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


churn = _load_churn()

SESSIONS = 1500
CONCURRENCY = 300
SEED = int(os.environ.get("EVENTSUB_MOCK_CHURN_SEED", "7"))
WATCHED_LOGGERS = ("eventsub_mock", "aiohttp", "asyncio")


def _open_sockets() -> set[str]:
    """This process's open sockets, as /proc names them ("socket:[inode]")."""
    sockets = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # gone since the listing
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith("socket:"):
                sockets.add(target)
    return sockets


def _report(request: pytest.FixtureRequest, line: str) -> None:
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capture = plugins.get_plugin("capturemanager")
    if reporter is None or capture is None:  # pragma: no cover - plugins disabled
        print(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="lists open sockets in /proc")
async def test_churn_loses_nothing_and_leaves_nothing_behind(
    caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> None:
    churn.raise_nofile_limit(8 * CONCURRENCY + 1024)
    caplog.set_level(logging.WARNING)
    loop = asyncio.get_running_loop()
    tasks_before = asyncio.all_tasks()
    sockets_before = _open_sockets()

    server = MockServer(port=0, clock=ManualClock(), require_subscription=True)
    await server.start()
    stopped_in: list[float] = []

    async def stop_server() -> None:
        started = loop.time()
        await asyncio.wait_for(server.stop(), 5)
        stopped_in.append(loop.time() - started)

    config = churn.ChurnConfig(
        sessions=SESSIONS,
        concurrency=CONCURRENCY,
        lifetime=(0.05, 0.8),
        trigger_interval=0.02,
        max_count=3,
        seed=SEED,
        time_limit=60,
    )
    run = churn.Churn(server.base_url, config, stop_server=stop_server)
    try:
        report = await run.run()
    finally:
        await server.stop()

    _report(
        request,
        f"\ntest_churn: {report.sessions_churned} sessions churned (+{report.sessions_stayed} "
        f"to the end, {report.peak_concurrent} at once), {report.triggers} triggers, "
        f"{report.events_delivered} events delivered, lost {report.lost}, duplicated "
        f"{report.duplicated}, cut midstream {report.cut_midstream}, "
        f"{report.requests_total} requests, endings {report.endings}, "
        f"server stop {stopped_in[0] if stopped_in else float('nan'):.3f} s, peak RSS of this "
        f"process (server and clients) {churn._status_kib(os.getpid(), 'VmHWM') or 0:,} B, "
        f"{report.duration_s} s (seed {SEED})",
    )

    # Every notification exactly once; every subscription in the state its session's end says.
    assert report.problems == []
    assert report.lost == 0
    assert report.duplicated == 0
    assert report.extra == 0
    assert report.misrouted == 0
    assert report.status_mismatches == 0
    assert report.sessions_churned + report.sessions_stayed == SESSIONS
    assert set(report.endings) == set(churn.ENDINGS), report.endings
    assert set(report.server_close_codes) == {str(code) for code in range(4000, 4008)}
    assert report.events_delivered > 20_000  # it did fire plenty while sessions came and went
    # Most of them were checked exactly (not cut off midstream or in flight at a cut).
    assert report.events_expected > 0.75 * report.events_delivered

    # The server stopped promptly, holding no session, and every client connection is gone.
    assert stopped_in and stopped_in[0] < 5
    assert not server.core.sessions
    assert all(client.done.done() for client in run.clients)
    assert all(client.transport is None or client.transport.is_closing() for client in run.clients)

    # No task left behind (closing handshakes get a moment to finish, as they would).
    deadline = loop.time() + 5
    current = asyncio.current_task()
    while (leftover := asyncio.all_tasks() - tasks_before - {current}) and loop.time() < deadline:
        await asyncio.sleep(0.01)
    assert not leftover, leftover

    # No socket left open: none of the thousands this test opened (either end) is still there.
    while (new_sockets := _open_sockets() - sockets_before) and loop.time() < deadline:
        await asyncio.sleep(0.01)
    assert not new_sockets, f"{len(new_sockets)} sockets left open"

    # Nothing logged: no exception, no error, no warning from the server or the loop.
    logged = [r for r in caplog.records if r.name.startswith(WATCHED_LOGGERS)]
    assert not logged, [f"{r.name} {r.levelname}: {r.getMessage()}" for r in logged]


def _listen_overflows() -> int:
    """The kernel's count of connections dropped because a listen queue was full."""
    with open("/proc/net/netstat") as netstat:
        lines = netstat.read().splitlines()
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            return int(dict(zip(names.split(), values.split(), strict=True))["ListenOverflows"])
    raise OSError("no TcpExt line")


def _somaxconn() -> int:
    with open("/proc/sys/net/core/somaxconn") as value:
        return int(value.read())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads kernel counters in /proc")
async def test_a_burst_of_1000_connects_fits_the_listen_queue() -> None:
    if _somaxconn() < 1024:
        pytest.skip("net.core.somaxconn caps every listen queue below 1024 on this machine")
    churn.raise_nofile_limit(4096)
    loop = asyncio.get_running_loop()
    async with MockServer(port=0, clock=ManualClock()) as server:
        clients = [churn.ChurnClient(i, "/ws") for i in range(1000)]
        before = _listen_overflows()
        await asyncio.gather(
            *(loop.create_connection(lambda c=c: c, "127.0.0.1", server.port) for c in clients)
        )
        await asyncio.wait_for(asyncio.gather(*(c.welcome for c in clients)), 30)
        overflows = _listen_overflows() - before
        for client in clients:
            client.abort()
    assert overflows == 0, f"{overflows} connections overflowed the listen queue"
