"""Webhook requests: the I/O half of the webhook transport.

The core decides each request (`core.transports.webhook.Job`, headers signed); this sends it
with aiohttp and reports the answer or the failure back. Requests run as tasks, so a slow
callback never holds up anything else; how many run at once per callback is the core's call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import aiohttp

from ..core.transports.webhook import Job, WebhookTransport
from ..protocol import webhooks

log = logging.getLogger("eventsub_mock")

# The most of a callback's answer that is read: a challenge is short, anything else is ignored.
_MAX_ANSWER = 64 * 1024


class WebhookPoster:
    def __init__(self, transport: WebhookTransport, timeout: float) -> None:
        self._transport = transport
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        # Callbacks are local receivers: no proxies from the environment, no cookies.
        # No pool-wide cap: the core bounds the requests in flight per callback, and a shared
        # cap would let many callbacks starve one another.
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            timeout=self._timeout,
            trust_env=False,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        self._transport.start(self)

    async def close(self) -> None:
        self._transport.poster = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None

    def post(self, job: Job) -> None:
        task = asyncio.get_running_loop().create_task(self._post(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, job: Job) -> None:
        http = self._http
        if http is None:
            return
        if job.kind == webhooks.VERIFICATION:
            # The challenge follows the 202 that announced the subscription, never precedes it.
            await asyncio.sleep(0.01)
        try:
            async with http.post(
                job.url, data=job.body, headers=job.headers, allow_redirects=False
            ) as response:
                body = await response.content.read(_MAX_ANSWER)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            reason = type(exc).__name__
            self._report(lambda: self._transport.failed(job, reason))
            return
        self._report(lambda: self._transport.answered(job, status, body))

    @staticmethod
    def _report(call: Callable[[], None]) -> None:
        try:
            call()
        except Exception:
            log.exception("handling a webhook answer failed")
