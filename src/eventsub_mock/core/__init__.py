"""The pure domain of the mock: no sockets, no sleeps; time comes from a clock."""

from .errors import ApiError, error_body
from .hub import Delivery, DeliveryResult, EventSubCore, parse_close_code
from .model import Caller, Connection, Session, SessionState, Subscription

__all__ = [
    "ApiError",
    "Caller",
    "Connection",
    "Delivery",
    "DeliveryResult",
    "EventSubCore",
    "Session",
    "SessionState",
    "Subscription",
    "error_body",
    "parse_close_code",
]
