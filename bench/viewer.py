"""A live-feed viewer for the benchmark: reads `GET /_mock/feed` (server-sent events) as a
dashboard or `eventsub-mock tail` would, in a process of its own, and counts what it got.

    python bench/viewer.py http://127.0.0.1:PORT

It prints `{"connected": true}` once the stream is open, then takes one JSON command per line
on stdin and answers each with one JSON line: `settle` (wait until the stream has been quiet
for `idle` seconds, at most `timeout`, then report), `status` (report now), `quit`. A report
counts the events, the `message_sent` items among them, the `missed` items and the items they
said were skipped, and the bytes read. Items are counted by their lines, not decoded (except
`missed` ones), so that the viewer costs the machine little beside the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from typing import Any

import aiohttp
from worker_pipe import open_pipe


class Counts:
    def __init__(self) -> None:
        self.events = 0
        self.messages = 0
        self.missed_items = 0
        self.missed = 0
        self.bytes = 0
        self.last_seq = 0
        self.last_at = time.monotonic()
        self.ended = False
        self.cpu_at_start = time.process_time()  # reset once the stream is open

    def take(self, events: bytes) -> None:
        """Whole events (the stream up to a blank line): counted by their lines, in C."""
        self.events += events.count(b"\ndata: ") + events.startswith(b"data: ")
        self.messages += events.count(b'"kind":"message_sent"')
        if b'"kind":"missed"' in events:
            for line in events.split(b"\n"):
                if line.startswith(b"data: ") and b'"kind":"missed"' in line:
                    self.missed_items += 1
                    self.missed += int(json.loads(line[6:])["count"])
        last_id = events.rfind(b"id: ")
        if last_id >= 0:
            self.last_seq = int(events[last_id + 4 : events.index(b"\n", last_id)])

    def report(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "messages": self.messages,
            "missed_items": self.missed_items,
            "missed": self.missed,
            "bytes": self.bytes,
            "last_seq": self.last_seq,
            "ended": self.ended,
            "cpu_s": time.process_time() - self.cpu_at_start,
        }


async def read_feed(response: aiohttp.ClientResponse, counts: Counts) -> None:
    pending = b""
    async for chunk in response.content.iter_any():
        counts.bytes += len(chunk)
        counts.last_at = time.monotonic()
        pending += chunk
        end = pending.rfind(b"\n\n")
        if end >= 0:
            counts.take(pending[: end + 1])
            pending = pending[end + 2 :]
    counts.ended = True


async def settle(counts: Counts, idle: float, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not counts.ended:
        quiet = time.monotonic() - counts.last_at
        if quiet >= idle:
            break
        await asyncio.sleep(min(idle - quiet, 0.05))
    return counts.report()


async def serve(url: str) -> None:
    counts = Counts()
    reader, reply = await open_pipe()

    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with (
        aiohttp.ClientSession(timeout=timeout) as http,
        http.get(f"{url}/_mock/feed", headers={"Accept": "text/event-stream"}) as response,
    ):
        if response.status != 200:
            reply({"error": f"the feed answered {response.status}: {await response.text()}"})
            return
        first = await response.content.readuntil(b"\n\n")  # the stream's opening comment
        counts.bytes += len(first)
        counts.cpu_at_start = time.process_time()
        task = asyncio.create_task(read_feed(response, counts))
        reply({"connected": True})
        try:
            while line := await reader.readline():
                command = json.loads(line)
                name = command.get("cmd")
                if name == "settle":
                    result = await settle(
                        counts, float(command.get("idle", 0.3)), float(command["timeout"])
                    )
                elif name in ("status", "quit"):
                    result = counts.report()
                else:
                    result = {"error": f"unknown command {name!r}"}
                reply(result)
                if name == "quit":
                    break
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def main() -> int:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - depends on the environment
        asyncio.run(serve(sys.argv[1]))
    else:
        uvloop.run(serve(sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
