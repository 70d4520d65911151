"""The Helix endpoints the mock serves: one row per (method, path), naming the area that owns
it and the action that answers. `web/helix.py` routes them; the README lists them."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "/helix"


@dataclass(frozen=True)
class Route:
    method: str
    # Under PREFIX.
    path: str
    # The `Helix` attribute that owns the endpoint, and its method that answers.
    area: str
    action: str

    @property
    def endpoint(self) -> str:
        return f"{self.method} {PREFIX}{self.path}"


ROUTES = (
    Route("GET", "/users", "users", "get_users"),
    Route("GET", "/channels", "channels", "get_channels"),
    Route("PATCH", "/channels", "channels", "modify"),
    Route("POST", "/channels/commercial", "channels", "start_commercial"),
    Route("POST", "/raids", "channels", "start_raid"),
    Route("DELETE", "/raids", "channels", "cancel_raid"),
)
