"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright.

One browser for the module; each test opens a page on a server of its own, with real websocket
clients beside it, and fails if the page logs an error to its console. Chromium comes from the
system (`.ci/run` installs Debian's package), never from `playwright install`.

The README's screenshot is taken here too: `UPDATE_SCREENSHOT=1 python -m pytest
tests/test_dashboard_browser.py` writes docs/dashboard.png (other runs write to a temp dir, so
the tests leave the work tree as it was).
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from eventsub_mock import ManualClock, MockServer

from .conftest import Client

playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "dashboard.png"
FOLLOW = {"broadcaster_user_id": "1234", "moderator_user_id": "1234"}
# How long the page may take to show what happened (the feed is live: well under this).
SOON_MS = 1000

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)",
    ),
]
expect = playwright_api.expect


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    """Chromium with a fresh profile, for the whole module (a page per test)."""
    async with playwright_api.async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            await context.close()


@pytest_asyncio.fixture(loop_scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest_asyncio.fixture(loop_scope="module")
async def server() -> AsyncIterator[MockServer]:
    async with MockServer(port=0, ping_interval=60, ping_timeout=60) as running:
        yield running


class Page:
    """A browser tab with the console errors it logged."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        # Refused requests the test caused on purpose (a 401 before the token is given).
        self.expected = re.compile(r"^$")
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message: Any) -> None:
        if message.type == "error" and not self.expected.search(message.text):
            self.errors.append(message.text)

    async def open(self, server: MockServer) -> None:
        await self.page.goto(server.dashboard_url)
        await expect(self.page.locator("#live")).to_have_text("live", timeout=5000)


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Any) -> AsyncIterator[Page]:
    tab = Page(await browser.new_page())
    try:
        yield tab
        assert tab.errors == [], "the page logged errors"
    finally:
        await tab.page.close()


async def connected(server: MockServer, http: aiohttp.ClientSession) -> Client:
    client = Client(server, http)
    await client.connect()
    return client


async def test_a_session_and_its_subscription_appear(
    server: MockServer, http: aiohttp.ClientSession, page: Page
) -> None:
    await page.open(server)
    await expect(page.page.locator("#sessions .empty")).to_contain_text("No client is connected")
    client = await connected(server, http)
    row = page.page.locator(f'#sessions tr[data-session="{client.session_id}"]')
    await expect(row).to_be_visible(timeout=SOON_MS)
    await expect(row).to_contain_text("connected")
    await expect(row.locator('td[data-label="Keepalive"]')).to_have_text("10s")

    created = (await client.subscribe(condition=FOLLOW))["data"][0]
    sub_row = page.page.locator(f'#subscriptions tr[data-subscription="{created["id"]}"]')
    await expect(sub_row).to_be_visible(timeout=SOON_MS)
    await expect(sub_row).to_contain_text("channel.follow")
    await expect(sub_row).to_contain_text("broadcaster_user_id=1234")
    await expect(sub_row).to_contain_text("enabled")
    await expect(row.locator('td[data-label="Subscriptions"]')).to_have_text("1")
    # The welcome it was sent is in the message log.
    await expect(page.page.locator('#log li[data-type="session_welcome"]')).to_have_count(1)


async def test_a_trigger_from_the_page_reaches_the_client_and_the_log(
    server: MockServer, http: aiohttp.ClientSession, page: Page
) -> None:
    client = await connected(server, http)
    await client.subscribe(condition=FOLLOW)
    await page.open(server)
    tab = page.page

    await tab.fill("#type-search", "follow v2")
    await tab.locator('#type-list li[data-type="channel.follow"][data-version="2"]').click()
    name = tab.locator('#preview-form .field[data-path="user_name"] input')
    await expect(name).not_to_have_value("")
    await name.fill("FromThePage")
    await expect(tab.locator("#trigger-cli")).to_contain_text("--set user_name=FromThePage")
    await tab.click("#trigger-fire")

    notification = await client.receive()
    event = notification["payload"]["event"]
    assert event["user_name"] == "FromThePage"
    assert event["broadcaster_user_id"] == "1234"
    await expect(tab.locator("#trigger-result")).to_contain_text("delivered 1 channel.follow v2")
    entry = tab.locator(f'#log li[data-message-id="{notification["metadata"]["message_id"]}"]')
    await expect(entry).to_be_visible(timeout=SOON_MS)
    await entry.locator("summary").click()
    await expect(entry.locator("pre")).to_contain_text('"user_name": "FromThePage"')

    # The command line shown is the same trigger: the same event (but for its time).
    command = shlex.split(await tab.locator("#trigger-cli").inner_text())
    assert command[:2] == ["eventsub-mock", "trigger"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "eventsub_mock", *command[1:]],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    again = (await client.receive())["payload"]["event"]
    assert {k: v for k, v in again.items() if k != "followed_at"} == {
        k: v for k, v in event.items() if k != "followed_at"
    }


async def test_the_trigger_can_be_edited_as_json_and_aimed_at_a_session(
    server: MockServer, http: aiohttp.ClientSession, page: Page
) -> None:
    aimed, other = await connected(server, http), await connected(server, http)
    await page.open(server)
    tab = page.page
    await tab.fill("#type-search", "cheer")  # channel.cheer, then others that mention cheers
    await tab.press("#type-search", "ArrowDown")  # the keyboard picks it
    await tab.keyboard.press("Enter")
    chosen = tab.locator('#type-list li[aria-selected="true"]')
    await expect(chosen).to_have_attribute("data-type", "channel.cheer")
    await tab.select_option("#trigger-target", f"session:{aimed.session_id}")
    await tab.click("#tab-json")
    editor = tab.locator("#preview-json")
    await expect(editor).to_have_value(re.compile(r'"bits": \d+'))
    edited = re.sub(r'"bits": \d+', '"bits": 4242', await editor.input_value())
    await editor.fill("{ not json")
    await expect(tab.locator("#preview-error")).to_be_visible()
    await expect(tab.locator("#trigger-fire")).to_be_disabled()
    await editor.fill(edited)
    await expect(tab.locator("#trigger-fire")).to_be_enabled()
    await expect(tab.locator("#trigger-cli")).to_contain_text(f"--session {aimed.session_id}")
    await tab.fill("#trigger-count", "2")
    await tab.click("#trigger-fire")

    for _ in range(2):
        assert (await aimed.receive())["payload"]["event"]["bits"] == 4242
    with pytest.raises(TimeoutError):
        await other.receive(timeout=0.3)


async def test_a_close_from_the_page_reaches_the_client_with_its_code(
    server: MockServer, http: aiohttp.ClientSession, page: Page
) -> None:
    client = await connected(server, http)
    await page.open(server)
    row = page.page.locator(f'#sessions tr[data-session="{client.session_id}"]')
    await row.locator("select.close-code").select_option("4001")
    await row.get_by_role("button", name="Close").click()
    assert await client.receive_close() == 4001
    await expect(row).to_have_count(0, timeout=SOON_MS)
    await expect(page.page.locator("#notice")).to_contain_text("4001 sent inbound traffic")


async def test_keepalives_off_and_a_revocation_from_the_page(
    server: MockServer, http: aiohttp.ClientSession, page: Page
) -> None:
    client = await connected(server, http)
    created = (await client.subscribe(condition=FOLLOW))["data"][0]
    await page.open(server)
    tab = page.page
    row = tab.locator(f'#sessions tr[data-session="{client.session_id}"]')
    await row.get_by_role("button", name="Stop keepalives").click()
    await expect(row.locator('td[data-label="Keepalive"]')).to_contain_text("off")
    assert server.sessions[0].keepalive_enabled is False

    sub_row = tab.locator(f'#subscriptions tr[data-subscription="{created["id"]}"]')
    await sub_row.locator("select.new-status").select_option("user_removed")
    await sub_row.get_by_role("button", name="Revoke").click()
    revocation = await client.receive()
    assert revocation["metadata"]["message_type"] == "revocation"
    assert revocation["payload"]["subscription"]["status"] == "user_removed"
    await expect(sub_row).to_contain_text("user_removed")
    await expect(tab.locator('#log li[data-type="revocation"]')).to_have_count(1)


async def test_a_guarded_server_asks_for_the_control_token(
    http: aiohttp.ClientSession, page: Page
) -> None:
    async with MockServer(port=0, control_token="let-me-in") as server:
        page.expected = re.compile(r"status of 401")
        tab = page.page
        await tab.goto(server.dashboard_url)
        dialog = tab.locator("#token-dialog")
        await expect(dialog).to_be_visible()
        await tab.fill("#token-input", "wrong")
        await tab.press("#token-input", "Enter")
        await expect(tab.locator("#token-refused")).to_be_visible()
        await tab.fill("#token-input", "let-me-in")
        await tab.press("#token-input", "Enter")
        await expect(dialog).to_be_hidden()
        await expect(tab.locator("#live")).to_have_text("live", timeout=5000)
        client = await connected(server, http)
        await expect(tab.locator(f'tr[data-session="{client.session_id}"]')).to_be_visible(
            timeout=SOON_MS
        )
        stored = await tab.evaluate("sessionStorage.getItem('eventsub-mock-control-token')")
        assert stored == "let-me-in"


async def test_the_message_log_filters(http: aiohttp.ClientSession, page: Page) -> None:
    async with MockServer(port=0, clock=ManualClock()) as server:
        first, second = await connected(server, http), await connected(server, http)
        await page.open(server)
        await server.advance(10)  # a keepalive each
        for client in (first, second):
            assert (await client.receive())["metadata"]["message_type"] == "session_keepalive"
        tab = page.page
        entries = tab.locator("#log li")
        await expect(tab.locator("#log .count")).to_have_text("(4)")
        await expect(entries).to_have_count(2)  # keepalives are hidden unless asked for
        await tab.check("#log-keepalives")
        await expect(entries).to_have_count(4)
        await tab.select_option("#log-session", first.session_id)
        await expect(entries).to_have_count(2)
        await tab.select_option("#log-type", "session_welcome")
        await expect(entries).to_have_count(1)
        await tab.select_option("#log-session", "")
        await tab.fill("#log-search", second.session_id)
        await expect(entries).to_have_count(1)
        await expect(entries.first.locator("summary")).to_contain_text(second.session_id[-8:])


async def test_faults_plays_and_helix_calls_appear_in_the_activity_panel(
    server: MockServer, http: aiohttp.ClientSession, page: Page
) -> None:
    client = await connected(server, http)
    await client.subscribe(condition=FOLLOW)
    await page.open(server)
    tab = page.page
    activity = tab.locator("#activity li")
    await expect(tab.locator("#activity .empty")).to_contain_text("Nothing yet")

    # Every notification sent twice: the page shows the fault with the message it copied.
    async with http.post(server.control_url + "/faults", json={"duplicate": 1.0}) as response:
        assert response.status == 200
    await server.trigger("channel.follow")
    message_id = (await client.receive())["metadata"]["message_id"]
    assert (await client.receive())["metadata"]["message_id"] == message_id
    fault = tab.locator(f'#activity li[data-kind="fault"][data-message-id="{message_id}"]')
    await expect(fault).to_be_visible(timeout=SOON_MS)
    await expect(fault).to_contain_text("duplicate")
    await expect(fault).to_contain_text(client.session_id[-8:])
    async with http.post(server.control_url + "/faults", json={"clear": True}) as response:
        assert response.status == 200

    # A short play: its start, each step with what it did, and how it ended.
    play = {"sequence": "poll", "count": 1, "interval": 0}
    async with http.post(server.control_url + "/plays", json=play) as response:
        assert response.status == 200
        play_id = (await response.json())["id"]
    steps = tab.locator(f'#activity li[data-play="{play_id}"]')
    await expect(steps.last).to_contain_text("start", timeout=SOON_MS)
    await expect(steps.first).to_contain_text("done", timeout=SOON_MS)
    await expect(steps.filter(has_text="channel.poll.begin")).to_contain_text("trigger")

    # A Helix chat message, with the channel.chat.message it emitted.
    chat = {"broadcaster_id": "1234", "sender_id": "1234", "message": "from Helix"}
    async with http.post(
        server.api_url + "/chat/messages",
        json=chat,
        headers={"Authorization": "Bearer any-token", "Client-Id": "any"},
    ) as response:
        assert response.status == 200
    call = tab.locator('#activity li[data-endpoint="POST /helix/chat/messages"]')
    await expect(call).to_be_visible(timeout=SOON_MS)
    await expect(call).to_contain_text("200")
    await expect(call).to_contain_text("channel.chat.message")
    await expect(activity.first).to_have_attribute("data-kind", "helix")  # newest first

    # The filters: by kind, then by text; the expanded entry shows the item's details.
    await tab.select_option("#activity-kind", "fault")
    await expect(activity).to_have_count(1)
    await tab.select_option("#activity-kind", "")
    await tab.fill("#activity-search", "chat.message")
    await expect(activity).to_have_count(1)
    await activity.first.locator("summary").click()
    expanded = activity.first.locator("pre")
    await expect(expanded).to_contain_text('"endpoint": "POST /helix/chat/messages"')


async def test_a_narrow_window_has_no_sideways_scrolling(
    server: MockServer, http: aiohttp.ClientSession, page: Page
) -> None:
    client = await connected(server, http)
    await client.subscribe(condition=FOLLOW)
    await page.page.set_viewport_size({"width": 380, "height": 800})
    await page.open(server)
    await expect(page.page.locator(f'tr[data-session="{client.session_id}"]')).to_be_visible()
    width = await page.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380


async def test_the_screenshot(
    server: MockServer, http: aiohttp.ClientSession, page: Page, tmp_path: Path
) -> None:
    """A dashboard with something on it, for the README."""
    clients = [await connected(server, http) for _ in range(3)]
    await clients[0].subscribe(condition=FOLLOW)
    await clients[0].subscribe(
        "channel.chat.message", "1", {"broadcaster_user_id": "1234", "user_id": "1234"}
    )
    await clients[1].subscribe("channel.cheer", "1", {"broadcaster_user_id": "1234"})
    await page.open(server)
    await server.trigger("channel.follow", from_user_name="Lurker42")
    await server.trigger("channel.chat.message", overrides={"message.text": "hello chat"})
    await server.trigger("channel.cheer", cost=500)
    async with http.post(
        server.api_url + "/chat/messages",
        json={"broadcaster_id": "1234", "sender_id": "1234", "message": "hi from the bot"},
        headers={"Authorization": "Bearer any-token", "Client-Id": "any"},
    ) as response:
        assert response.status == 200
    # Each trigger to its subscriber, and to the third client, which holds none (lenient mode);
    # the chat message the Helix call emitted to its subscriber.
    await expect(page.page.locator('#log li[data-type="notification"]')).to_have_count(7)
    await expect(page.page.locator('#activity li[data-kind="helix"]')).to_have_count(1)
    await page.page.locator("#log li summary").first.click()
    await page.page.evaluate("window.scrollTo(0, 0)")
    path = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") else tmp_path / "dashboard.png"
    path.parent.mkdir(exist_ok=True)
    await page.page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
