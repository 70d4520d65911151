"""`eventsub-mock start-server`: run the mock until Ctrl+C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import secrets
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

from .errors import CliError

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _options(args: argparse.Namespace) -> dict[str, Any]:
    for name in ("reconnect_grace", "ping_interval", "ping_timeout", "drain_timeout"):
        if getattr(args, name) < 0:
            raise CliError(f"--{name.replace('_', '-')} must not be negative")
    if not 1 <= args.keepalive_min <= args.keepalive_timeout <= 600:
        raise CliError("keepalives need 1 <= --keepalive-min <= --keepalive-timeout <= 600")
    if args.feed_history < 1:
        raise CliError("--feed-history must be at least 1")
    if not 0 <= args.port <= 65535:
        raise CliError(f"--port must be between 0 and 65535, not {args.port}")
    try:
        retry_delays = tuple(float(d) for d in args.webhook_retry_delays.split(",") if d.strip())
    except ValueError:
        raise CliError("--webhook-retry-delays wants seconds separated by commas") from None
    if any(d < 0 for d in retry_delays) or args.webhook_timeout <= 0:
        raise CliError("webhook delays and --webhook-timeout must be positive")
    if args.webhook_max_failures < 1 or args.webhook_concurrency < 1:
        raise CliError("--webhook-max-failures and --webhook-concurrency must be at least 1")
    callback_map = []
    for item in args.callback_map:
        advertised, sep, local = item.partition("=")
        if not (sep and advertised.strip() and local.strip()):
            raise CliError(f"--callback-map wants ADVERTISED=LOCAL, not {item!r}")
        callback_map.append((advertised.strip(), local.strip()))
    return {
        "host": args.ip,
        "port": args.port,
        "require_subscription": args.require_subscription,
        "reconnect_grace": args.reconnect_grace,
        "ping_interval": args.ping_interval,
        "ping_timeout": args.ping_timeout,
        "enforce_cost_limits": args.enforce_cost_limits,
        "max_sessions": args.max_sessions,
        "drain_timeout": args.drain_timeout,
        "require_auth": args.require_auth,
        "webhook_timeout": args.webhook_timeout,
        "webhook_retry_delays": retry_delays,
        "webhook_max_failures": args.webhook_max_failures,
        "webhook_concurrency": args.webhook_concurrency,
        "require_https_callbacks": args.require_https_callbacks,
        "allowed_callback_hosts": tuple(args.allow_callback_host),
        "callback_map": tuple(callback_map),
        "control_token": args.control_token,
        "feed_history": args.feed_history,
        "keepalive_default_seconds": args.keepalive_timeout,
        "keepalive_min_seconds": args.keepalive_min,
    }


def _tokens(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """`--token TOKEN=USER_ID[:SCOPES]` (scope names hold colons: all after the first colon is
    the comma-separated list) or `--token TOKEN=app`."""
    tokens: dict[str, dict[str, Any]] = {}
    for item in args.token:
        token, sep, rest = item.partition("=")
        user_id, has_scopes, scope_list = rest.strip().partition(":")
        if not (sep and token.strip() and user_id):
            raise CliError(f"--token wants TOKEN=USER_ID[:SCOPES] or TOKEN=app, not {item!r}")
        entry: dict[str, Any] = {"user_id": None if user_id == "app" else user_id}
        if has_scopes:
            entry["scopes"] = [s.strip() for s in scope_list.split(",") if s.strip()]
        tokens[token.strip()] = entry
    return tokens


def _clients(args: argparse.Namespace) -> dict[str, str]:
    clients = {}
    for item in args.client:
        client_id, sep, secret = item.partition(":")
        if not (sep and client_id.strip() and secret.strip()):
            raise CliError(f"--client wants CLIENT_ID:SECRET, not {item!r}")
        clients[client_id.strip()] = secret.strip()
    return clients


async def _serve(args: argparse.Namespace) -> int:
    from ..testing.server import MockServer

    options = _options(args)
    if options["control_token"] is None and args.ip not in _LOOPBACK:
        # Beyond loopback, whoever can reach the port could drive the mock: require a token.
        options["control_token"] = secrets.token_urlsafe(24)
    ssl_context = None
    ca_note = None
    generated_ca: Path | None = None
    if args.ssl or args.ssl_cert:
        from ..tls import server_context

        try:
            tls = server_context(args.ssl_cert, args.ssl_key, ["localhost", "127.0.0.1", args.ip])
        except (OSError, ValueError) as exc:
            raise CliError(f"cannot set up TLS: {exc}") from None
        ssl_context = tls.context
        if tls.ca_path is not None:
            generated_ca = tls.ca_path
            ca_note = f"Generated a local CA for TLS; clients can trust it with: {tls.ca_path}"

    # Signals stop the server cleanly from the moment it exists.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = MockServer(
        ssl_context=ssl_context, tokens=_tokens(args), clients=_clients(args), **options
    )
    if not args.debug:
        # aiohttp logs every malformed HTTP request with a traceback; it has already answered
        # it with a 4xx, and a mock should not fill a terminal because a client misbehaved.
        logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    try:
        await server.start()
    except OSError as exc:
        reason = "address already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise CliError(f"cannot listen on {args.ip}:{args.port}: {reason or exc}") from None

    if args.ip not in _LOOPBACK:
        print(
            f"warning: listening on {args.ip}, beyond this machine's loopback: anyone who can "
            "reach it can control this mock",
            file=sys.stderr,
        )
    print(f"eventsub-mock is running ({'strict' if args.require_subscription else 'lenient'} mode)")
    print(f"  WebSocket:     {server.ws_url}")
    print(f"  Subscriptions: {server.subscriptions_url}  (also {server.api_url}/eventsub/...)")
    print(f"  Helix:         {server.api_url}  (chat, moderation, polls...: events follow)")
    print(f"  OAuth:         {server.base_url}/oauth2  (token, validate, revoke)")
    print(f"  Control API:   {server.control_url}")
    print(f"  Live feed:     {server.control_url}/feed  (or: eventsub-mock tail)")
    print(f"  Dashboard:     {server.dashboard_url}")
    if ca_note:
        print(f"  {ca_note}")
    if options["control_token"]:
        print(f"  Control token: {options['control_token']}  (--control-token for commands)")
    print(f"Fire an event: eventsub-mock trigger channel.follow --server {server.base_url}")
    print("Ctrl+C stops the server.", flush=True)

    debug_log = asyncio.create_task(_log_feed(server)) if args.debug else None
    try:
        await stop.wait()
    finally:
        if debug_log is not None:
            debug_log.cancel()
        await server.stop()
        if generated_ca is not None:  # made for this run only
            shutil.rmtree(generated_ca.parent, ignore_errors=True)
    print("eventsub-mock stopped.", flush=True)
    return 0


async def _log_feed(server: Any) -> None:
    """--debug: every item of the feed, as `eventsub-mock tail` prints it."""
    from .tail import format_item

    logging.basicConfig(level=logging.DEBUG, format="%(message)s")
    log = logging.getLogger("eventsub_mock")
    async for item in server.tail():
        log.debug("%s", format_item(item))


def start_server(args: argparse.Namespace) -> int:
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(_serve(args))


def _loop_factory() -> Any:
    """uvloop's event loop where it is installed: faster accepts and writes."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
