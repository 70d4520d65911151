"""The pure domain of the mock: no sockets, no sleeps; time comes from a clock."""

from .delivery import Delivery, DeliveryResult
from .errors import ApiError, error_body
from .hub import EventSubCore
from .model import Caller, Connection, Session, SessionState, Subscription
from .rules import parse_close_code

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
