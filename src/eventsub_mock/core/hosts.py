"""Host names: which can only mean this machine (the control API's and webhooks' guard)."""

from __future__ import annotations

import ipaddress


def is_loopback_name(host: str) -> bool:
    """Whether a host name or address (no port) can only mean this machine."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(host_header: str) -> str:
    """The name in a `Host` header, without its port."""
    if host_header.startswith("["):  # [::1]:8080
        return host_header[1 : host_header.find("]")] if "]" in host_header else host_header
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header
