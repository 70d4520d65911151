"""Settings of one mock server. Every `start-server` option and `MockServer` keyword maps here."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    # Strict mode: production's must-subscribe window and delivery only to subscribers.
    require_subscription: bool = False
    # The keepalive a session gets when its URL names none, and the least one it may ask for
    # (production: 10 and 10); lower them to test clients' keepalive handling quickly.
    keepalive_default_seconds: int = 10
    keepalive_min_seconds: int = 10
    # Seconds that a session on the old server has to move to its reconnect URL.
    reconnect_grace: float = 30.0
    # Protocol pings: how often, and how long a pong may take before 4002.
    ping_interval: float = 10.0
    ping_timeout: float = 10.0
    # Keepalives go out this many seconds before the keepalive window ends (at most 20 % of it),
    # so that a client that times out at exactly the window never does.
    keepalive_lead: float = 1.0
    # How long disabled subscriptions stay listed by GET (production: at least a minute).
    disabled_retention: float = 120.0
    # Production's limits.
    max_enabled_subscriptions_per_session: int = 300
    # Cost and per-user limits that the Twitch CLI does not enforce: off unless asked for.
    enforce_cost_limits: bool = False
    max_total_cost: int = 10
    max_websockets_per_user: int = 3
    max_same_type_and_condition: int = 3
    # Caps that protect the server.
    max_body_bytes: int = 64 * 1024
    max_frame_bytes: int = 64 * 1024
    max_sessions: int = 50_000
    # Connections the kernel may queue before they are accepted; a burst of clients
    # connecting at once must not wait for SYN retransmits.
    listen_backlog: int = 4096
    # Bytes queued to one client before it counts as one the server cannot write to.
    max_send_buffer_bytes: int = 8 * 1024 * 1024
    # Seconds a client may leave its queue untouched (taking nothing of it) before it counts
    # as one the server cannot write to, however little is queued.
    drain_timeout: float = 10.0
    page_size: int = 100
    # Webhooks. How long a callback has to answer, the delays before each retry of a failed
    # notification (same message id, retry header counting up), how many failed attempts in
    # a row revoke a subscription (notification_failures_exceeded), how many requests may be
    # in flight to one callback, and how long disabled webhook subscriptions stay listed
    # (production: at least ten days).
    webhook_timeout: float = 10.0
    webhook_retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    webhook_max_failures: int = 10
    webhook_concurrency: int = 4
    webhook_retention: float = 10 * 24 * 3600.0
    webhook_max_total_cost: int = 10_000
    # Production's rule for callbacks (https on port 443); off for local development.
    require_https_callbacks: bool = False
    # Callback hosts beyond loopback that the mock may call.
    allowed_callback_hosts: tuple[str, ...] = ()
    # (advertised prefix, delivery prefix): a receiver that advertises a public https URL but
    # listens on plain HTTP locally.
    callback_map: tuple[tuple[str, str], ...] = ()
    # Production's token and scope rules even with no token or application configured.
    require_auth: bool = False
    # The live feed (`GET /_mock/feed`): how many of the latest items it keeps for viewers
    # that fall behind or ask for history, and how often an idle stream sends a comment line.
    feed_history: int = 10_000
    feed_heartbeat: float = 15.0
    # When set, the control API wants `Authorization: Bearer <control_token>`.
    control_token: str | None = None
    ssl: bool = False

    def __post_init__(self) -> None:
        for name in ("reconnect_grace", "ping_interval", "ping_timeout", "drain_timeout"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.webhook_timeout <= 0:
            raise ValueError("webhook_timeout must be positive")
        if self.webhook_max_failures < 1 or self.webhook_concurrency < 1:
            raise ValueError("webhook_max_failures and webhook_concurrency must be at least 1")
        if any(delay < 0 for delay in self.webhook_retry_delays):
            raise ValueError("webhook_retry_delays must not be negative")
        if self.feed_history < 1 or self.feed_heartbeat <= 0:
            raise ValueError("feed_history must be at least 1 and feed_heartbeat positive")
        if not 1 <= self.keepalive_min_seconds <= self.keepalive_default_seconds <= 600:
            raise ValueError(
                "keepalive settings need 1 <= keepalive_min_seconds <= "
                "keepalive_default_seconds <= 600"
            )

    def keepalive_lead_for(self, keepalive_seconds: int) -> float:
        return min(self.keepalive_lead, keepalive_seconds * 0.2)

    @classmethod
    def option_names(cls) -> frozenset[str]:
        return frozenset(f.name for f in fields(cls))
