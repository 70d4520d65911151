"""The dashboard's files as HTTP serves them: from the package, on the server's own port, without
the control token, nothing from elsewhere. (tests/test_dashboard_browser.py drives the page.)"""

from __future__ import annotations

import asyncio
import re
from importlib import resources

from eventsub_mock import MockServer

from .test_cli import ServerProcess, server_process  # noqa: F401 - a fixture

FILES = resources.files("eventsub_mock.web").joinpath("dashboard")


async def test_the_page_and_its_files_are_served(server: MockServer, http) -> None:
    async with http.get(server.dashboard_url) as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
        # Only its own files run, and no other site may frame it.
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "Access-Control-Allow-Origin" not in response.headers
    assert '<script type="module" src="app.js">' in page
    for name, content_type in (
        ("app.js", "text/javascript"),
        ("style.css", "text/css"),
        ("icon.svg", "image/svg+xml"),
    ):
        async with http.get(server.dashboard_url + name) as response:
            assert (response.status, response.content_type) == (200, content_type), name
            assert await response.read() == FILES.joinpath(name).read_bytes()


async def test_the_bare_path_redirects_to_the_page(server: MockServer, http) -> None:
    url = server.dashboard_url.rstrip("/")
    async with http.get(url, allow_redirects=False) as response:
        assert response.status == 302
        assert response.headers["Location"] == "/_mock/ui/"


async def test_only_the_dashboards_files_are_served(server: MockServer, http) -> None:
    for name in ("nope.js", "..%2F__init__.py", "%2E%2E/app.py", "dashboard.py"):
        async with http.get(server.dashboard_url + name) as response:
            assert response.status == 404, name
            assert (await response.json())["status"] == 404


async def test_a_guarded_server_serves_the_page_but_not_the_api(http) -> None:
    async with MockServer(port=0, control_token="secret") as server:
        async with http.get(server.dashboard_url) as response:
            assert response.status == 200
        async with http.get(server.dashboard_url + "api.js") as response:
            assert response.status == 200
        async with http.get(server.control_url + "/sessions") as response:
            assert response.status == 401
        headers = {"Authorization": "Bearer secret"}
        async with http.get(server.control_url + "/sessions", headers=headers) as response:
            assert response.status == 200


def test_the_page_loads_nothing_from_elsewhere() -> None:
    """No CDN: every script, style and image the files name is one of their own."""
    names = {item.name for item in FILES.iterdir()}
    assert {"index.html", "app.js", "style.css"} <= names
    for name in names:
        text = FILES.joinpath(name).read_text("utf-8")
        for found in re.findall(r'(?:src|href)="([^"#]+)"', text):
            assert found in names, (name, found)
        for found in re.findall(r'from "([^"]+)"', text):
            assert found.startswith("./") and found[2:] in names, (name, found)
        assert "url(" not in text and "@import" not in text, name


async def test_start_server_prints_the_dashboards_url(
    server_process: ServerProcess,  # noqa: F811 - the fixture imported above
    http,
) -> None:
    stdout = server_process.process.stdout
    assert stdout is not None
    banner: dict[str, str] = {}
    line = ""
    while "Dashboard:" not in line:
        line = (await asyncio.wait_for(stdout.readline(), 10)).decode()
        assert line, "start-server printed no dashboard URL"
        if ":" in line:
            name, value = line.split(":", 1)
            banner[name.strip()] = value.split()[0] if value.split() else ""
    url = banner["Dashboard"]
    assert url == server_process.base_url + "/_mock/ui/"
    async with http.get(url) as response:
        assert response.status == 200
    # The Helix line names where a bot's Helix calls go.
    assert banner["Helix"] == server_process.base_url + "/helix"
    headers = {"Client-Id": "an-app", "Authorization": "Bearer any"}
    async with http.get(banner["Helix"] + "/users?id=1234", headers=headers) as response:
        assert response.status == 200
    async with http.get(banner["OAuth"] + "/validate", headers=headers) as response:
        assert response.status in (200, 401)  # the endpoint is there (no such token: 401)
