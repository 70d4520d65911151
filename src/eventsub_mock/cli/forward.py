"""Webhook requests straight from the command, as the Twitch CLI sends them: `trigger -F`,
`retrigger -F` and `verify-subscription`. No server and no subscription are involved.

The messages (headers, signature, bodies) come from `protocol.webhooks`; the events from the
catalogue, as `trigger` builds them. HTTP is the standard library's: a 10 s timeout, no
redirects. Only the standard library is imported here; the catalogue and orjson are loaded
when a webhook request is actually built.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from urllib.parse import urlsplit

from . import settings
from .errors import CliError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

TIMEOUT = 10.0
# How much of an answer is read (a challenge is short; the rest is only reported).
MAX_ANSWER = 64 * 1024
# The forwarded messages kept for `retrigger -F` (the newest ones).
CACHE_SIZE = 100
CACHE_FILE = "webhook-events.json"
# What a cache entry needs to be sent again (it also holds `retry` and `url`).
_ENTRY_KEYS = ("message_id", "message_type", "subscription_type", "subscription_version", "body")
# Statuses that a webhook subscription may be revoked with (-r); `enabled` is a notification.
_EXTRA_WEBHOOK_REVOCATIONS = ("notification_failures_exceeded",)


# --- addresses, secrets, HTTP ---------------------------------------------------------------


def wants_webhook(args: argparse.Namespace) -> bool:
    """`-T webhook`, or a `-F` on the command line without `-T` (a saved forward address
    alone does not change the transport: the default stays websocket)."""
    transport = getattr(args, "transport", None)
    return transport == "webhook" or (transport is None and bool(args.forward_address))


def _check_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(f"{what} must be an http(s) URL: {url!r}")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise CliError(f"{what} has an invalid port: {url!r}") from None
    return url


def forward_address(args: argparse.Namespace) -> str:
    """-F, else the saved one (not with -D)."""
    if args.forward_address:
        return _check_url(args.forward_address, "--forward-address")
    saved = None if args.no_config else settings.load().get("forward_address")
    if not saved:
        raise CliError(
            "webhooks need a forward address: give -F URL (or save one with "
            "`eventsub-mock event configure -F URL`)"
        )
    return _check_url(saved, "the saved forward address")


def secret_of(args: argparse.Namespace) -> str | None:
    """-s, else the saved one (not with -D); None sends unsigned messages."""
    secret = args.secret
    if secret is None and not args.no_config:
        secret = settings.load().get("secret")
    return None if secret is None else settings.check_secret(secret)


def post(url: str, headers: dict[str, str], body: bytes) -> tuple[int, str, str | None, bytes]:
    """POST once; (status, reason, content type, the start of the answer). Redirects are not
    followed (a 3xx is an answer like any other)."""
    import http.client

    from .. import __version__

    parts = urlsplit(url)
    https = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if https else 80)
    connection: http.client.HTTPConnection
    if https:
        connection = http.client.HTTPSConnection(host, port, timeout=TIMEOUT)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "POST",
            target,
            body=body,
            headers={**headers, "User-Agent": f"eventsub-mock/{__version__}"},
        )
        response = connection.getresponse()
        answer = response.read(MAX_ANSWER)
        return response.status, response.reason, response.getheader("Content-Type"), answer
    except TimeoutError:
        raise CliError(f"cannot reach {url}: no answer within {TIMEOUT:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        reason = str(exc) or type(exc).__name__
        raise CliError(f"cannot reach {url}: {reason}") from None
    finally:
        connection.close()


def _now() -> str:
    from ..protocol.timestamps import rfc3339_nanos

    return rfc3339_nanos(time.time_ns())


# --- the cache of forwarded messages, for retrigger -----------------------------------------


def cache_path() -> str:
    return os.path.join(settings.config_dir(), CACHE_FILE)


def _load_cache() -> list[dict[str, Any]]:
    path = cache_path()
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        return []  # a cache: what cannot be read is as good as empty (and gets rewritten)
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list):
        return []
    return [
        e
        for e in events
        if isinstance(e, dict) and all(isinstance(e.get(k), str) for k in _ENTRY_KEYS)
    ]


def _record(sent: list[dict[str, Any]]) -> None:
    """Add what was just sent to the cache: the newest CACHE_SIZE, one entry per message id.

    The file is read again just before it is written (so commands run side by side rarely
    lose each other's entries) and written whole, then renamed, so a reader never sees half a
    file. A cache that cannot be written is a warning: the messages were sent.
    """
    if not sent:
        return
    latest: dict[str, dict[str, Any]] = {}
    for event in [*_load_cache(), *sent]:
        latest.pop(event["message_id"], None)
        latest[event["message_id"]] = event
    path = cache_path()
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump({"events": list(latest.values())[-CACHE_SIZE:]}, file)
        os.replace(temporary, path)
    except OSError as exc:
        print(
            f"eventsub-mock: warning: cannot record the message for retrigger: {exc}",
            file=sys.stderr,
        )


def _find(message_id: str) -> dict[str, Any] | None:
    for event in reversed(_load_cache()):
        if event["message_id"] == message_id:
            return event
    return None


# --- trigger -F -----------------------------------------------------------------------------


def _revoke_status(status: str | None) -> str | None:
    from ..protocol.statuses import REVOCATION_STATUSES

    if status is None or status == "enabled":
        return None
    valid = REVOCATION_STATUSES | set(_EXTRA_WEBHOOK_REVOCATIONS)
    if status not in valid:
        raise CliError(
            f"invalid subscription status {status!r}: enabled, or a revoking one: "
            + ", ".join(sorted(valid))
        )
    return status


def trigger(args: argparse.Namespace) -> int:
    """Build the trigger's events as `trigger` does and POST each one to the forward address."""
    from .trigger import check_transport, trigger_request

    check_transport(args)
    request = trigger_request(args)  # the same flags, checked the same way
    if args.session is not None:
        raise CliError("--session picks a websocket session; a webhook goes to -F URL")
    url = forward_address(args)
    secret = secret_of(args)
    revoke = _revoke_status(args.subscription_status)

    import random

    import orjson

    from ..catalog import CatalogError
    from ..catalog.aliases import resolve_trigger
    from ..catalog.params import TriggerParams
    from ..catalog.payloads import build_event, condition_for_event
    from ..core.triggers import DELIVERY_KEYS, MAX_COUNT
    from ..protocol import new_message_id, rfc3339_nanos, webhooks

    if not 1 <= args.count <= MAX_COUNT:
        raise CliError(f"--count must be from 1 to {MAX_COUNT}")

    seed = request.get("seed")
    rng = random.Random(seed) if seed is not None else random.Random()
    wall_ns = time.time_ns()
    try:
        resolved = resolve_trigger(request["type"], request.get("version"))
        sub_type = resolved.sub_type
        params = TriggerParams.from_mapping(request, ignore=DELIVERY_KEYS)
        presets = resolved.presets
        if params.gift_user is not None:  # a gifted sub, whatever the alias says
            presets = {k: v for k, v in presets.items() if k != "is_gift"}
        params = params.with_presets(presets)
        condition = condition_for_event(sub_type, params, rng)
        given = {k: v for k, v in condition.items() if v}
        events: list[tuple[str, Any]] = []
        for _ in range(args.count if revoke is None else 0):
            if "event" in request:
                raw = request["event"]
                events.append(("events" if isinstance(raw, list) else "event", raw))
            else:
                events.append(
                    build_event(sub_type, condition=given, params=params, rng=rng, wall_ns=wall_ns)
                )
    except CatalogError as exc:
        raise CliError(str(exc)) from None

    subscription = _subscription_json(
        args, sub_type, condition, url, revoke or "enabled", rfc3339_nanos(wall_ns)
    )
    if revoke is None:
        message_type = webhooks.NOTIFICATION
        bodies = [
            webhooks.notification_body(subscription, key, orjson.dumps(event))
            for key, event in events
        ]
    else:
        message_type = webhooks.REVOCATION
        bodies = [webhooks.revocation_body(subscription)] * args.count

    sent: list[dict[str, Any]] = []
    refused = 0
    try:
        for body in bodies:
            message_id = args.message_id or new_message_id()
            sent.append(
                {
                    "message_id": message_id,
                    "message_type": message_type,
                    "subscription_type": sub_type.type,
                    "subscription_version": sub_type.version,
                    "retry": 0,
                    "url": url,
                    "body": body.decode(),
                }
            )
            timestamp = _now()
            headers = webhooks.headers(
                message_type=message_type,
                message_id=message_id,
                timestamp=timestamp,
                subscription_type=sub_type.type,
                subscription_version=sub_type.version,
                body=body,
                secret=secret,
            )
            status, reason, _, _ = post(url, headers, body)
            refused += not 200 <= status < 300
            _report(args, status, reason, message_type, message_id, sub_type, url, body)
    finally:
        _record(sent)
    if refused:
        raise CliError(f"{url} did not accept {refused} of {len(bodies)} {message_type}(s)")
    return 0


def _subscription_json(
    args: argparse.Namespace,
    sub_type: Any,
    condition: dict[str, Any],
    url: str,
    status: str,
    created_at: str,
) -> bytes:
    """The subscription a forwarded message names: -s and --timestamp when given, the cost
    as the server's rule has it for an app's subscription."""
    import orjson

    from ..core.model import Caller
    from ..core.requests import cost
    from ..protocol import new_subscription_id

    return orjson.dumps(
        {
            "id": args.subscription_id or new_subscription_id(),
            "status": status,
            "type": sub_type.type,
            "version": sub_type.version,
            "cost": cost(sub_type, Caller(""), condition),
            "condition": condition,
            "transport": {"method": "webhook", "callback": url},
            "created_at": args.timestamp or created_at,
        }
    )


def _report(
    args: argparse.Namespace,
    status: int,
    reason: str,
    message_type: str,
    message_id: str,
    sub_type: Any,
    url: str,
    body: bytes,
) -> None:
    if getattr(args, "json", False):
        sent = {"status": status, "message_id": message_id, "message_type": message_type}
        print(json.dumps({**sent, **json.loads(body)}))
    else:
        print(
            f"{status} {reason}: {message_type} {message_id} "
            f"({sub_type.type} v{sub_type.version}) to {url}"
        )
    sys.stdout.flush()


# --- retrigger -F ---------------------------------------------------------------------------


def retrigger(args: argparse.Namespace) -> int | None:
    """Send a forwarded message again: the same body and message id, the retry count one
    higher, a fresh timestamp and signature. None when it is the server's to retrigger
    (no -F, and not an id the CLI forwarded to a saved forward address)."""
    message_id = args.message_id
    if args.forward_address:
        url = _check_url(args.forward_address, "--forward-address")
        recorded = _find(message_id)
    else:
        saved = None if args.no_config else settings.load().get("forward_address")
        recorded = _find(message_id) if saved else None
        if recorded is None or not saved:
            return None  # a websocket notification: the server has it
        url = _check_url(saved, "the saved forward address")
    if recorded is None:
        raise CliError(
            f"no forwarded webhook event has message id {message_id!r} (the {CACHE_SIZE} "
            f"newest ones sent with -F are kept in {cache_path()})"
        )
    secret = secret_of(args)

    from ..protocol import webhooks

    body = recorded["body"].encode()
    previous = recorded.get("retry")
    retry = (previous if isinstance(previous, int) else 0) + 1
    headers = webhooks.headers(
        message_type=recorded["message_type"],
        message_id=message_id,
        timestamp=_now(),
        subscription_type=recorded["subscription_type"],
        subscription_version=recorded["subscription_version"],
        body=body,
        secret=secret,
        retry=retry,
    )
    recorded["retry"] = retry
    try:
        status, reason, _, _ = post(url, headers, body)
    finally:
        _record([recorded])
    print(
        f"{status} {reason}: {recorded['message_type']} {message_id} again (retry {retry}) to {url}"
    )
    if not 200 <= status < 300:
        raise CliError(f"{url} did not accept the {recorded['message_type']}: {status} {reason}")
    return 0


# --- verify-subscription --------------------------------------------------------------------


def verify(args: argparse.Namespace) -> int:
    """The challenge handshake against the forward address. Passes on a 2xx whose body is
    exactly the challenge (as production judges it); a Content-Type other than text/plain is
    reported but is no failure (Twitch's docs show text/plain without requiring it)."""
    if args.transport not in (None, "webhook"):
        raise CliError(
            f"verify-subscription checks a webhook callback's challenge handshake; "
            f"{args.transport} subscriptions have none"
        )
    if not args.event:
        raise CliError("verify-subscription needs a subscription type, e.g. channel.follow")
    url = forward_address(args)
    secret = secret_of(args)

    import random

    from ..catalog import CatalogError
    from ..catalog.aliases import resolve_trigger
    from ..catalog.params import TriggerParams
    from ..catalog.payloads import condition_for_event
    from ..protocol import new_message_id, webhooks

    try:
        sub_type = resolve_trigger(args.event, args.version).sub_type
        params = TriggerParams.from_mapping(
            {"to_user": args.broadcaster, "timestamp": args.timestamp}
        )
        condition = condition_for_event(sub_type, params, random.Random())
    except CatalogError as exc:
        raise CliError(str(exc)) from None
    subscription = _subscription_json(
        args, sub_type, condition, url, "webhook_callback_verification_pending", _now()
    )
    challenge = webhooks.new_challenge()
    body = webhooks.verification_body(challenge, subscription)
    message_id = args.event_id or new_message_id()
    headers = webhooks.headers(
        message_type=webhooks.VERIFICATION,
        message_id=message_id,
        timestamp=_now(),
        subscription_type=sub_type.type,
        subscription_version=sub_type.version,
        body=body,
        secret=secret,
    )
    status, reason, content_type, answer = post(url, headers, body)
    print(
        f"{status} {reason}: {webhooks.VERIFICATION} {message_id} "
        f"({sub_type.type} v{sub_type.version}) to {url}"
    )
    problems = []
    if not 200 <= status < 300:
        problems.append(f"status {status} is not 2xx")
    if answer == challenge.encode():
        print("  body: the challenge (ok)")
    else:
        shown = answer[:60].decode(errors="replace")
        problems.append(f"the body {shown!r} is not the challenge {challenge!r}")
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type == "text/plain":
        print(f"  Content-Type: {content_type} (ok)")
    else:
        print(
            f"  Content-Type: {content_type or 'none'} (Twitch's example answers text/plain; "
            "not counted as a failure)"
        )
    if secret is None:
        print("  unsigned: no --secret given (or saved)")
    if problems:
        raise CliError("verification failed: " + "; ".join(problems))
    print("verification passed: Twitch would enable the subscription")
    return 0
