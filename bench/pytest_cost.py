"""What a test that uses the pytest plugin costs: the per-test server vs the shared one.

    python bench/pytest_cost.py [--tests N] [--runs R] [--json out.json]

Writes N copies of one test into a temporary directory and runs them with pytest (a
subprocess, pytest-asyncio in auto mode, as a project would), once per fixture:

- `eventsub_server`: a MockServer started and stopped for every test;
- `eventsub_shared_server`: one server for the session, reset after every test.

Each test opens an aiohttp session, connects a websocket, reads the welcome, subscribes to
channel.follow, triggers it and reads the notification: what a small test of an EventSub client
does. A conftest times each test's setup + call + teardown (pytest's own overhead included, the
same for both); the figures are the median and mean of those, the first test apart (the shared
server starts there), and the whole run's wall time. Every test must pass, or the run is
reported as failed: the figures only count when the tests did their work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"
FIXTURES = ("eventsub_server", "eventsub_shared_server")

TEST = """
import json
import aiohttp

async def test_{index}({fixture}):
    server = {fixture}
    async with aiohttp.ClientSession() as http, http.ws_connect(server.ws_url) as ws:
        welcome = json.loads((await ws.receive()).data)
        body = {{
            "type": "channel.follow", "version": "2",
            "condition": {{"broadcaster_user_id": "1", "moderator_user_id": "1"}},
            "transport": {{"method": "websocket",
                          "session_id": welcome["payload"]["session"]["id"]}},
        }}
        async with http.post(server.subscriptions_url, json=body,
                             headers={{"Client-Id": "bench"}}) as response:
            assert response.status == 202
        assert (await server.trigger("channel.follow", version="2")).delivered == 1
        message = json.loads((await ws.receive(timeout=5)).data)
        assert message["metadata"]["message_type"] == "notification"
"""

# Times every test from the start of its setup to the end of its teardown, so that the server's
# start and stop (per-test fixture) or reset (shared one) are inside the figure.
CONFTEST = """
import json, os, time
import pytest

TIMES = []

@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        TIMES.append(time.perf_counter() - start)

def pytest_sessionfinish(session):
    with open(os.environ["PYTEST_COST_OUT"], "w") as out:
        json.dump(TIMES, out)
"""


def run_once(fixture: str, tests: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pytest-cost-") as tmp:
        root = Path(tmp)
        (root / "conftest.py").write_text(CONFTEST)
        # One file per 50 tests, as a suite spreads its tests over modules.
        for start in range(0, tests, 50):
            body = [
                TEST.format(index=i, fixture=fixture) for i in range(start, min(tests, start + 50))
            ]
            (root / f"test_cost_{start}.py").write_text("\n".join(body))
        out = root / "times.json"
        env = {
            **os.environ,
            "PYTEST_COST_OUT": str(out),
            # The sources next to this script, so that a checkout measures itself.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
        }
        command = [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-p", "asyncio", "-o", "asyncio_mode=auto",
            "-o", "asyncio_default_fixture_loop_scope=function",
            "--rootdir", str(root), "-c", os.devnull, str(root),
        ]  # fmt: skip
        started = time.perf_counter()
        completed = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        wall = time.perf_counter() - started
        if completed.returncode != 0 or not out.exists():
            tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-30:])
            raise SystemExit(
                f"{fixture}: the tests did not all pass (exit {completed.returncode})\n{tail}"
            )
        times = json.loads(out.read_text())
    if len(times) != tests:
        raise SystemExit(f"{fixture}: {len(times)} tests timed, expected {tests}")
    rest = times[1:]
    return {
        "first_ms": times[0] * 1000,
        "median_ms": statistics.median(rest) * 1000,
        "mean_ms": statistics.fmean(rest) * 1000,
        "p90_ms": statistics.quantiles(rest, n=10)[-1] * 1000,
        "wall_s": wall,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=int, default=200, help="tests per run (default 200)")
    parser.add_argument("--runs", type=int, default=3, help="runs per fixture; medians (3)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.tests < 3:
        parser.error("--tests must be at least 3")

    results: dict[str, dict[str, float]] = {}
    for fixture in FIXTURES:
        runs = [run_once(fixture, args.tests) for _ in range(args.runs)]
        results[fixture] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}

    print(f"{args.tests} tests x {args.runs} runs (medians); per test = setup + call + teardown")
    print(
        f"{'fixture':<24}{'median ms':>11}{'mean ms':>10}{'p90 ms':>9}{'first ms':>10}{'wall s':>9}"
    )
    for fixture, r in results.items():
        print(
            f"{fixture:<24}{r['median_ms']:>11.2f}{r['mean_ms']:>10.2f}{r['p90_ms']:>9.2f}"
            f"{r['first_ms']:>10.2f}{r['wall_s']:>9.2f}"
        )
    per_test, shared = (results[f]["median_ms"] for f in FIXTURES)
    print(f"shared server saves {per_test - shared:.2f} ms per test (median)")
    if args.json is not None:
        args.json.write_text(json.dumps({"tests": args.tests, "runs": args.runs, **results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
