"""The dashboard at /_mock/ui: the static files of `dashboard/`, shipped in the package, no
build step.

They hold nothing secret, so they are served without the control token; the page asks for
the token when the control API answers 401 and sends it on every call. Only the files in
`dashboard/` are served, read once, by name (no paths from the request reach the disk).
"""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from ..core.operations import PREFIX

DASHBOARD_PATH = PREFIX + "/ui"
_CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}
# The page runs only its own files: no inline script, nothing from elsewhere, no framing.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def is_dashboard_path(path: str) -> bool:
    return path == DASHBOARD_PATH or path.startswith(DASHBOARD_PATH + "/")


def _load() -> dict[str, tuple[bytes, str]]:
    files = {}
    for item in resources.files(__package__).joinpath("dashboard").iterdir():
        suffix = item.name[item.name.rfind(".") :]
        if item.is_file() and suffix in _CONTENT_TYPES:
            files[item.name] = (item.read_bytes(), _CONTENT_TYPES[suffix])
    return files


def add_routes(app: web.Application) -> None:
    files = _load()

    async def redirect(request: web.Request) -> web.Response:
        # Returned, not raised: the API middleware turns raised HTTP errors into JSON bodies.
        return web.Response(status=302, headers={"Location": DASHBOARD_PATH + "/"})

    async def serve(request: web.Request) -> web.Response:
        found = files.get(request.match_info.get("name") or "index.html")
        if found is None:
            raise web.HTTPNotFound()
        body, content_type = found
        return web.Response(body=body, content_type=content_type, headers=_HEADERS)

    app.router.add_get(DASHBOARD_PATH, redirect)
    app.router.add_get(DASHBOARD_PATH + "/", serve)
    app.router.add_get(DASHBOARD_PATH + "/{name}", serve)
